#include "Monlight/PgDatabase.h"

#include "Monlight/HttpError.h"
#include <Poco/Exception.h>
#include <Poco/Logger.h>
#include <dlfcn.h>
#include <poll.h>
#include <libpq-fe.h>
#include <cstdlib>

namespace Monlight
{
namespace Pg
{

namespace
{

/// libpq, resolved from libpq.so.5 at first use (the SDK does not link it).
struct LibPq
{
    decltype(&PQconnectdbParams) connectdbParams;
    decltype(&PQstatus) status;
    decltype(&PQerrorMessage) errorMessage;
    decltype(&PQfinish) finish;
    decltype(&PQexecParams) execParams;
    decltype(&PQexec) exec;
    decltype(&PQresultStatus) resultStatus;
    decltype(&PQresultErrorField) resultErrorField;
    decltype(&PQresultErrorMessage) resultErrorMessage;
    decltype(&PQclear) clear;
    decltype(&PQntuples) ntuples;
    decltype(&PQgetisnull) getisnull;
    decltype(&PQgetvalue) getvalue;
    decltype(&PQgetlength) getlength;
    decltype(&PQcmdTuples) cmdTuples;
    decltype(&PQconninfoParse) conninfoParse;
    decltype(&PQconninfoFree) conninfoFree;
    decltype(&PQfreemem) freemem;
    decltype(&PQtransactionStatus) transactionStatus;
    decltype(&PQsetNoticeProcessor) setNoticeProcessor;
    decltype(&PQsocket) socket;
    decltype(&PQconsumeInput) consumeInput;
    decltype(&PQnotifies) notifies;
};

std::mutex libMutex;
const LibPq* lib = nullptr;
std::string libError;

template <typename F> bool bindSymbol(void* handle, const char* name, F& fn)
{
    fn = reinterpret_cast<F>(dlsym(handle, name));
    return fn != nullptr;
}

/// libpq, or nothing with the reason in `error`.
const LibPq* loadLibPq(std::string& error)
{
    std::lock_guard<std::mutex> lock(libMutex);
    if (lib || !libError.empty())
    {
        error = libError;
        return lib;
    }
    const char* path = std::getenv("MONLIGHT_LIBPQ");
    if (!path || !*path)
        path = "libpq.so.5";
    // Never unloaded: connections live as long as the pool.
    void* h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h)
    {
        const char* e = dlerror();
        libError = std::string("cannot load ") + path + " (install libpq5): " + (e ? e : "unknown error");
        error = libError;
        return nullptr;
    }
    static LibPq l;
    bool ok = bindSymbol(h, "PQconnectdbParams", l.connectdbParams) && bindSymbol(h, "PQstatus", l.status) &&
              bindSymbol(h, "PQerrorMessage", l.errorMessage) && bindSymbol(h, "PQfinish", l.finish) &&
              bindSymbol(h, "PQexecParams", l.execParams) && bindSymbol(h, "PQexec", l.exec) &&
              bindSymbol(h, "PQresultStatus", l.resultStatus) &&
              bindSymbol(h, "PQresultErrorField", l.resultErrorField) &&
              bindSymbol(h, "PQresultErrorMessage", l.resultErrorMessage) && bindSymbol(h, "PQclear", l.clear) &&
              bindSymbol(h, "PQntuples", l.ntuples) && bindSymbol(h, "PQgetisnull", l.getisnull) &&
              bindSymbol(h, "PQgetvalue", l.getvalue) && bindSymbol(h, "PQgetlength", l.getlength) &&
              bindSymbol(h, "PQcmdTuples", l.cmdTuples) && bindSymbol(h, "PQconninfoParse", l.conninfoParse) &&
              bindSymbol(h, "PQconninfoFree", l.conninfoFree) && bindSymbol(h, "PQfreemem", l.freemem) &&
              bindSymbol(h, "PQtransactionStatus", l.transactionStatus) &&
              bindSymbol(h, "PQsetNoticeProcessor", l.setNoticeProcessor) && bindSymbol(h, "PQsocket", l.socket) &&
              bindSymbol(h, "PQconsumeInput", l.consumeInput) && bindSymbol(h, "PQnotifies", l.notifies);
    if (!ok)
    {
        libError = std::string(path) + " is not libpq (a symbol is missing)";
        error = libError;
        return nullptr;
    }
    lib = &l;
    return lib;
}

const LibPq& pq()
{
    std::string error;
    const LibPq* l = loadLibPq(error);
    if (!l)
        throw Poco::LibraryLoadException(error);
    return *l;
}

/// The first line of a libpq or server message, without the `ERROR:  ` / `FATAL:  ` prefix.
std::string firstLine(const char* text)
{
    std::string s = text ? text : "";
    std::size_t nl = s.find('\n');
    if (nl != std::string::npos)
        s.resize(nl);
    for (const char* p : {"ERROR:  ", "FATAL:  "})
        if (s.compare(0, std::char_traits<char>::length(p), p) == 0)
            s.erase(0, std::char_traits<char>::length(p));
    while (!s.empty() && (s.back() == ' ' || s.back() == '\r'))
        s.pop_back();
    return s.empty() ? "unknown error" : s;
}

void ignoreNotice(void*, const char*) {}

PGconn* conn(void* c)
{
    return static_cast<PGconn*>(c);
}

/// A statement failed because the connection is gone (or the server is shutting down / starting up): the
/// statement may run again on another connection.
bool connectionLost(PGconn* c, const PGresult* r)
{
    if (pq().status(c) != CONNECTION_OK)
        return true;
    const char* state = r ? pq().resultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    if (!state)
        return r == nullptr;
    std::string s(state);
    return s.compare(0, 2, "08") == 0 || s == "57P01" || s == "57P02" || s == "57P03";
}

/// Thrown inside run() when the connection broke; carries whether COMMIT had been sent.
struct Lost
{
    std::string reason;
};

} // namespace

Error::Error(const std::string& message, const std::string& sqlState)
    : Poco::Exception(message), _sqlState(sqlState)
{
}
Error::~Error() noexcept = default;
const char* Error::name() const noexcept
{
    return "PostgreSQL error";
}
Poco::Exception* Error::clone() const
{
    return new Error(*this);
}
void Error::rethrow() const
{
    throw *this;
}

Param::Param(std::string_view v)
{
    std::string s;
    s.reserve(v.size());
    for (char c : v)
    {
        if (c == '\0')
            s += "\xEF\xBF\xBD";
        else
            s += c;
    }
    _v = std::move(s);
}

namespace
{
const PGresult* res(const std::shared_ptr<void>& r)
{
    return static_cast<const PGresult*>(r.get());
}
} // namespace

int Result::rows() const
{
    return _res ? pq().ntuples(res(_res)) : 0;
}

bool Result::isNull(int row, int col) const
{
    return pq().getisnull(res(_res), row, col) != 0;
}

std::string Result::text(int row, int col) const
{
    const char* v = pq().getvalue(res(_res), row, col);
    return std::string(v, static_cast<std::size_t>(pq().getlength(res(_res), row, col)));
}

std::int64_t Result::integer(int row, int col) const
{
    if (isNull(row, col))
        return 0;
    return std::strtoll(pq().getvalue(res(_res), row, col), nullptr, 10);
}

bool Result::boolean(int row, int col) const
{
    const char* v = pq().getvalue(res(_res), row, col);
    return v && (v[0] == 't' || v[0] == '1');
}

std::optional<std::string> Result::optText(int row, int col) const
{
    if (isNull(row, col))
        return std::nullopt;
    return text(row, col);
}

std::optional<std::int64_t> Result::optInteger(int row, int col) const
{
    if (isNull(row, col))
        return std::nullopt;
    return integer(row, col);
}

std::int64_t Result::affected() const
{
    if (!_res)
        return 0;
    const char* n = pq().cmdTuples(const_cast<PGresult*>(res(_res)));
    return n && *n ? std::strtoll(n, nullptr, 10) : 0;
}

Result Session::exec(const std::string& sql, const std::vector<Param>& params)
{
    const LibPq& l = pq();
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params)
        values.push_back(p.value() ? p.value()->c_str() : nullptr);
    PGresult* r = l.execParams(conn(_conn), sql.c_str(), static_cast<int>(params.size()), nullptr,
                               values.empty() ? nullptr : values.data(), nullptr, nullptr, 0);
    std::shared_ptr<void> owned(r, [](void* p) {
        if (p)
            pq().clear(static_cast<PGresult*>(p));
    });
    ExecStatusType st = r ? l.resultStatus(r) : PGRES_FATAL_ERROR;
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return Result(owned);
    if (connectionLost(conn(_conn), r))
    {
        _lost = true;
        throw Lost{firstLine(r ? l.resultErrorMessage(r) : l.errorMessage(conn(_conn)))};
    }
    const char* state = r ? l.resultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
    throw Error(firstLine(r ? l.resultErrorMessage(r) : l.errorMessage(conn(_conn))), state ? state : "");
}

PgDatabase::PgDatabase(const Options& options) : _opt(options) {}

PgDatabase::~PgDatabase()
{
    close();
}

std::string PgDatabase::checkDsn(const std::string& dsn)
{
    std::string error;
    const LibPq* l = loadLibPq(error);
    if (!l)
        return error;
    char* err = nullptr;
    PQconninfoOption* opts = l->conninfoParse(dsn.c_str(), &err);
    if (!opts)
    {
        std::string why = err ? firstLine(err) : "cannot parse the connection string";
        if (err)
            l->freemem(err);
        return why;
    }
    l->conninfoFree(opts);
    return {};
}

std::shared_ptr<PgDatabase> PgDatabase::open(const Options& options)
{
    std::string why = checkDsn(options.dsn);
    if (!why.empty())
        throw StartupError(78, "config error", options.configKey, why);
    std::shared_ptr<PgDatabase> db(new PgDatabase(options));
    std::string error;
    void* c = db->connect(error);
    if (!c)
        throw StartupError(69, "database error", options.configKey, "cannot connect: " + error);
    {
        std::lock_guard<std::mutex> lock(db->_mutex);
        ++db->_open;
    }
    db->release(c, false);
    return db;
}

void* PgDatabase::connect(std::string& error)
{
    const LibPq& l = pq();
    std::string timeout = std::to_string(_opt.connectTimeoutSeconds);
    // Later pairs override earlier ones: the DSN (expanded from dbname) wins over the application name.
    const char* keys[] = {"application_name", "connect_timeout", "dbname", nullptr};
    const char* values[] = {_opt.applicationName.c_str(), timeout.c_str(), _opt.dsn.c_str(), nullptr};
    PGconn* c = l.connectdbParams(keys, values, 1);
    if (!c || l.status(c) != CONNECTION_OK)
    {
        error = c ? firstLine(l.errorMessage(c)) : "out of memory";
        if (c)
            l.finish(c);
        markDown(error);
        return nullptr;
    }
    l.setNoticeProcessor(c, ignoreNotice, nullptr);
    if (!_opt.synchronousCommit)
    {
        PGresult* r = l.exec(c, "SET synchronous_commit = off");
        bool ok = r && l.resultStatus(r) == PGRES_COMMAND_OK;
        if (!ok)
            error = firstLine(r ? l.resultErrorMessage(r) : l.errorMessage(c));
        l.clear(r);
        if (!ok)
        {
            l.finish(c);
            markDown(error);
            return nullptr;
        }
    }
    markUp();
    return c;
}

void PgDatabase::markDown(const std::string& why)
{
    std::lock_guard<std::mutex> lock(_mutex);
    if (!_down)
        Poco::Logger::get("host").warning("PostgreSQL unavailable: " + why);
    _down = true;
    _downReason = why;
}

void PgDatabase::markUp()
{
    std::lock_guard<std::mutex> lock(_mutex);
    if (_down)
        Poco::Logger::get("host").information("PostgreSQL reachable again");
    _down = false;
}

void* PgDatabase::acquire()
{
    {
        std::unique_lock<std::mutex> lock(_mutex);
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(_opt.acquireTimeoutMs);
        for (;;)
        {
            if (_closed)
                throw StorageError(StorageError::Reason::Stopping);
            if (!_idle.empty())
            {
                void* c = _idle.back();
                _idle.pop_back();
                return c;
            }
            if (_open < static_cast<std::size_t>(_opt.poolSize))
            {
                ++_open;
                break;
            }
            if (_cv.wait_until(lock, deadline) == std::cv_status::timeout && _idle.empty() &&
                _open >= static_cast<std::size_t>(_opt.poolSize))
                throw StorageError(StorageError::Reason::Busy);
        }
    }
    std::string error;
    void* c = connect(error);
    if (!c)
    {
        {
            std::lock_guard<std::mutex> lock(_mutex);
            --_open;
        }
        _cv.notify_one();
        throw StorageError(StorageError::Reason::Unavailable);
    }
    return c;
}

void PgDatabase::release(void* c, bool broken)
{
    const LibPq& l = pq();
    if (!broken && l.status(conn(c)) == CONNECTION_OK && l.transactionStatus(conn(c)) != PQTRANS_IDLE)
    {
        // Never hand out a connection inside a transaction (work that threw before its COMMIT).
        PGresult* r = l.exec(conn(c), "ROLLBACK");
        l.clear(r);
    }
    if (broken || l.status(conn(c)) != CONNECTION_OK || l.transactionStatus(conn(c)) != PQTRANS_IDLE)
    {
        l.finish(conn(c));
        {
            std::lock_guard<std::mutex> lock(_mutex);
            --_open;
        }
        _cv.notify_one();
        return;
    }
    {
        std::lock_guard<std::mutex> lock(_mutex);
        if (_closed)
        {
            l.finish(conn(c));
            --_open;
            return;
        }
        _idle.push_back(c);
    }
    _cv.notify_one();
}

void PgDatabase::dropIdle()
{
    std::vector<void*> idle;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        idle.swap(_idle);
        _open -= idle.size();
    }
    for (void* c : idle)
        pq().finish(conn(c));
    _cv.notify_all();
}

void PgDatabase::run(const std::function<void(Session&)>& work, bool transactional)
{
    // A connection lent for one attempt: back to the pool when the attempt ends, closed when it was lost.
    struct Lease
    {
        PgDatabase& db;
        void* conn;
        Session session;
        explicit Lease(PgDatabase& d) : db(d), conn(d.acquire()), session(conn) {}
        ~Lease() { db.release(conn, session._lost); }
    };
    for (int attempt = 0;; ++attempt)
    {
        bool commitSent = false;
        std::string lostReason;
        {
            Lease lease(*this);
            try
            {
                if (transactional)
                    lease.session.exec("BEGIN");
                work(lease.session);
                if (transactional)
                {
                    commitSent = true;
                    lease.session.exec("COMMIT");
                }
                markUp();
                return;
            }
            catch (const Lost& lost)
            {
                lostReason = lost.reason;
            }
        }
        // Every idle connection went down with the same server, most likely: reconnect them lazily.
        dropIdle();
        markDown(lostReason);
        if (commitSent || attempt > 0)
            throw StorageError(StorageError::Reason::Unavailable);
    }
}

void PgDatabase::transaction(const std::function<void(Session&)>& work)
{
    run(work, true);
}

void PgDatabase::read(const std::function<void(Session&)>& work)
{
    run(work, false);
}

void PgDatabase::migrate(const std::string& schema, const std::vector<std::string>& migrations,
                         const std::string& owner)
{
    const LibPq& l = pq();
    std::string error;
    void* raw = connect(error);
    if (!raw)
        throw StartupError(69, "database error", _opt.configKey, "cannot connect: " + error);
    PGconn* c = conn(raw);
    auto fail = [&](const std::string& why) {
        l.finish(c);
        return StartupError(65, "database error", owner + " (PostgreSQL schema " + schema + ")", why);
    };
    auto execOk = [&](const std::string& sql, std::string* value = nullptr) {
        PGresult* r = l.exec(c, sql.c_str());
        ExecStatusType st = r ? l.resultStatus(r) : PGRES_FATAL_ERROR;
        bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
        if (!ok)
            error = firstLine(r ? l.resultErrorMessage(r) : l.errorMessage(c));
        else if (value && l.ntuples(r) > 0 && !l.getisnull(r, 0, 0))
            *value = l.getvalue(r, 0, 0);
        l.clear(r);
        return ok;
    };
    // The schema name is the plugin's own constant (identifier characters only), never user input.
    for (char ch : schema)
        if (!((ch >= 'a' && ch <= 'z') || ch == '_'))
            throw fail("invalid schema name");
    // One migrator at a time across every host on this database; released when this connection closes too.
    if (!execOk("SELECT pg_advisory_lock(hashtext('monlight:migrate'))"))
        throw fail(error);
    if (!execOk("CREATE SCHEMA IF NOT EXISTS " + schema) ||
        !execOk("CREATE TABLE IF NOT EXISTS " + schema +
                ".schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"))
        throw fail(error);
    std::string v = "0";
    if (!execOk("SELECT coalesce(max(version), 0) FROM " + schema + ".schema_migrations", &v))
        throw fail(error);
    long current = std::strtol(v.c_str(), nullptr, 10);
    if (current > static_cast<long>(migrations.size()))
        throw fail("schema version " + std::to_string(current) + " is newer than this build's " +
                   std::to_string(migrations.size()) + " (downgrade refused)");
    for (std::size_t n = static_cast<std::size_t>(current) + 1; n <= migrations.size(); ++n)
    {
        std::string script = "BEGIN;\nSET LOCAL search_path TO " + schema + ";\n" + migrations[n - 1] +
                             "\n;INSERT INTO " + schema + ".schema_migrations (version) VALUES (" +
                             std::to_string(n) + ");\nCOMMIT;";
        if (!execOk(script))
        {
            execOk("ROLLBACK");
            throw fail("migration " + std::to_string(n) + " failed: " + error);
        }
        Poco::Logger::get(owner).information("PostgreSQL schema " + schema + " migrated to version " +
                                             std::to_string(n));
    }
    execOk("SELECT pg_advisory_unlock(hashtext('monlight:migrate'))");
    l.finish(c);
}

bool PgDatabase::healthy(std::string& detail)
{
    bool probe = false;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        if (_closed)
        {
            detail = "database closed";
            return false;
        }
        auto now = std::chrono::steady_clock::now();
        if (now - _lastProbe >= std::chrono::seconds(1))
        {
            _lastProbe = now;
            probe = true;
        }
    }
    if (probe)
    {
        try
        {
            read([](Session& s) { s.exec("SELECT 1"); });
        }
        catch (const Poco::Exception&)
        {
            // markDown() recorded the reason (a busy pool leaves the state as it was)
        }
    }
    std::lock_guard<std::mutex> lock(_mutex);
    if (_down)
        detail = "PostgreSQL unavailable: " + _downReason;
    return !_down;
}

void PgDatabase::close()
{
    {
        std::lock_guard<std::mutex> lock(_mutex);
        _closed = true;
    }
    dropIdle();
}

std::size_t PgDatabase::connections() const
{
    std::lock_guard<std::mutex> lock(_mutex);
    return _open;
}

std::unique_ptr<Listener> PgDatabase::listen(const std::string& channel)
{
    for (char ch : channel)
    {
        if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'))
            throw Poco::InvalidArgumentException("not a channel name: " + channel);
    }
    return std::unique_ptr<Listener>(new Listener(*this, channel));
}

Listener::~Listener()
{
    drop();
}

void Listener::drop()
{
    if (_conn)
        pq().finish(conn(_conn));
    _conn = nullptr;
}

bool Listener::wait(int timeoutMs)
{
    const LibPq& l = pq();
    if (!_conn)
    {
        std::string error;
        void* c = _db.connect(error);
        if (!c)
        {
            ::poll(nullptr, 0, timeoutMs);
            return false;
        }
        PGresult* r = l.exec(conn(c), ("LISTEN " + _channel).c_str());
        bool ok = r && l.resultStatus(r) == PGRES_COMMAND_OK;
        l.clear(r);
        if (!ok)
        {
            l.finish(conn(c));
            ::poll(nullptr, 0, timeoutMs);
            return false;
        }
        _conn = c;
        return true; // anything committed before now was not heard: the caller catches up
    }
    PGconn* c = conn(_conn);
    auto take = [&]
    {
        bool any = false;
        while (PGnotify* n = l.notifies(c))
        {
            any = true;
            l.freemem(n);
        }
        return any;
    };
    if (take())
        return true;
    struct pollfd fd = {l.socket(c), POLLIN, 0};
    int rc = ::poll(&fd, 1, timeoutMs);
    if (rc <= 0)
        return false;
    if (!l.consumeInput(c) || l.status(c) != CONNECTION_OK)
    {
        drop(); // reconnected at the next call
        return true;
    }
    return take();
}

} // namespace Pg
} // namespace Monlight
