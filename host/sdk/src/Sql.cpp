#include "Monlight/Sql.h"

#include <sqlite3.h>

namespace Monlight
{
namespace Sql
{

SqlError::SqlError(const std::string& msg, int sqliteCode, const std::string& sqliteMessage)
    : Poco::Exception(msg, sqliteCode), _sqliteMessage(sqliteMessage.empty() ? msg : sqliteMessage)
{
}

SqlError::Kind SqlError::kind() const
{
    switch (code() & 0xFF)
    {
    case SQLITE_ERROR:
        return Kind::Query;
    case SQLITE_CONSTRAINT:
        return Kind::Constraint;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return Kind::Busy;
    default:
        return Kind::Other;
    }
}

SqlError::~SqlError() noexcept = default;
const char* SqlError::name() const noexcept
{
    return "SQLite error";
}
Poco::Exception* SqlError::clone() const
{
    return new SqlError(*this);
}
void SqlError::rethrow() const
{
    throw *this;
}

namespace
{
[[noreturn]] void fail(sqlite3* db, int rc, const std::string& what)
{
    const std::string text = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    throw SqlError(what + ": " + text, rc, text);
}
} // namespace

Statement::Statement(sqlite3* db, std::string_view sql) : _db(db)
{
    int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &_stmt,
                                nullptr);
    if (rc != SQLITE_OK)
        fail(db, rc, "prepare");
}

Statement::Statement(Statement&& other) noexcept : _stmt(other._stmt), _db(other._db)
{
    other._stmt = nullptr;
}

Statement& Statement::operator=(Statement&& other) noexcept
{
    if (this != &other)
    {
        if (_stmt)
            sqlite3_finalize(_stmt);
        _stmt = other._stmt;
        _db = other._db;
        other._stmt = nullptr;
    }
    return *this;
}

Statement::~Statement()
{
    if (_stmt)
        sqlite3_finalize(_stmt);
}

Statement& Statement::bind(int index, std::int64_t v)
{
    int rc = sqlite3_bind_int64(_stmt, index, v);
    if (rc != SQLITE_OK)
        fail(_db, rc, "bind");
    return *this;
}

Statement& Statement::bind(int index, double v)
{
    int rc = sqlite3_bind_double(_stmt, index, v);
    if (rc != SQLITE_OK)
        fail(_db, rc, "bind");
    return *this;
}

Statement& Statement::bind(int index, std::string_view v)
{
    // A default std::string_view has no data pointer, which SQLite would bind as NULL: text is never NULL here.
    int rc = sqlite3_bind_text64(_stmt, index, v.data() ? v.data() : "", v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    if (rc != SQLITE_OK)
        fail(_db, rc, "bind");
    return *this;
}

Statement& Statement::bind(int index, std::nullptr_t)
{
    int rc = sqlite3_bind_null(_stmt, index);
    if (rc != SQLITE_OK)
        fail(_db, rc, "bind");
    return *this;
}

Statement& Statement::bindBlob(int index, const void* data, std::size_t size)
{
    int rc = sqlite3_bind_blob64(_stmt, index, data, size, SQLITE_TRANSIENT);
    if (rc != SQLITE_OK)
        fail(_db, rc, "bind");
    return *this;
}

bool Statement::step()
{
    int rc = sqlite3_step(_stmt);
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    const std::string text = sqlite3_errmsg(_db); // before the reset, which may replace it
    sqlite3_reset(_stmt);
    throw SqlError("step: " + text, rc, text);
}

int Statement::run()
{
    while (step())
    {
    }
    int n = sqlite3_changes(_db);
    sqlite3_reset(_stmt);
    return n;
}

void Statement::reset()
{
    sqlite3_reset(_stmt);
    sqlite3_clear_bindings(_stmt);
}

bool Statement::isNull(int col) const
{
    return sqlite3_column_type(_stmt, col) == SQLITE_NULL;
}

std::int64_t Statement::getInt(int col) const
{
    return sqlite3_column_int64(_stmt, col);
}

double Statement::getDouble(int col) const
{
    return sqlite3_column_double(_stmt, col);
}

std::string Statement::getText(int col) const
{
    const auto* p = sqlite3_column_text(_stmt, col);
    if (!p)
        return {};
    return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(_stmt, col)));
}

std::optional<std::string> Statement::getOptText(int col) const
{
    if (isNull(col))
        return std::nullopt;
    return getText(col);
}

std::optional<std::int64_t> Statement::getOptInt(int col) const
{
    if (isNull(col))
        return std::nullopt;
    return getInt(col);
}

std::optional<double> Statement::getOptDouble(int col) const
{
    if (isNull(col))
        return std::nullopt;
    return getDouble(col);
}

std::string Statement::getBlob(int col) const
{
    const void* p = sqlite3_column_blob(_stmt, col);
    if (!p)
        return {};
    return std::string(static_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(_stmt, col)));
}

int Statement::columnCount() const
{
    return sqlite3_column_count(_stmt);
}

Connection::Connection(const std::string& path, bool readOnly, bool create) : _path(path)
{
    int flags = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
    if (create && !readOnly)
        flags |= SQLITE_OPEN_CREATE;
    flags |= SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path.c_str(), &_db, flags, nullptr);
    if (rc != SQLITE_OK)
    {
        std::string msg = _db ? sqlite3_errmsg(_db) : sqlite3_errstr(rc);
        sqlite3_close_v2(_db);
        _db = nullptr;
        throw SqlError(msg, rc);
    }
    sqlite3_extended_result_codes(_db, 1);
}

Connection::~Connection()
{
    _cache.clear();
    if (_db)
        sqlite3_close_v2(_db);
}

void Connection::exec(std::string_view sql)
{
    std::string s(sql);
    char* err = nullptr;
    int rc = sqlite3_exec(_db, s.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK)
    {
        std::string msg = err ? err : sqlite3_errstr(rc);
        sqlite3_free(err);
        throw SqlError(msg, rc);
    }
}

Statement Connection::prepare(std::string_view sql)
{
    return Statement(_db, sql);
}

Cached Connection::cached(const std::string& sql)
{
    auto it = _cache.find(sql);
    if (it == _cache.end())
        it = _cache.emplace(sql, std::make_unique<Statement>(_db, sql)).first;
    else
        it->second->reset();
    return Cached(*it->second);
}

std::int64_t Connection::queryInt(std::string_view sql, std::int64_t dflt)
{
    Statement st(_db, sql);
    if (st.step() && !st.isNull(0))
        return st.getInt(0);
    return dflt;
}

std::int64_t Connection::lastInsertId() const
{
    return sqlite3_last_insert_rowid(_db);
}

int Connection::changes() const
{
    return sqlite3_changes(_db);
}

Transaction::Transaction(Connection& c, bool immediate) : _c(c)
{
    _c.exec(immediate ? "BEGIN IMMEDIATE" : "BEGIN");
}

Transaction::~Transaction()
{
    if (!_done)
    {
        try
        {
            _c.exec("ROLLBACK");
        }
        catch (...)
        {
            // A destructor must not throw; SQLite rolls back an open transaction when the connection closes, and
            // the next BEGIN on this connection reports the problem if one remains.
        }
    }
}

void Transaction::commit()
{
    _c.exec("COMMIT");
    _done = true;
}

} // namespace Sql
} // namespace Monlight
