#pragma once

#include "Monlight/Version.h"
#include <Poco/Exception.h>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

struct sqlite3;
struct sqlite3_stmt;

namespace Monlight
{
namespace Sql
{

/// A SQLite failure. `message()` is `<what failed>: <SQLite's text>`, `code()` the (extended) SQLite result code.
class MONLIGHT_API SqlError : public Poco::Exception
{
public:
    /// What a failure means for the caller, so that no plugin needs SQLite's codes.
    enum class Kind
    {
        Query,      ///< the statement is wrong for this database: syntax, unknown table or column, a malformed
                    ///< FTS5 MATCH expression (SQLITE_ERROR); user input in the statement makes this a 400
        Constraint, ///< UNIQUE, NOT NULL, CHECK or FOREIGN KEY refused the change (SQLITE_CONSTRAINT)
        Busy,       ///< another connection holds the lock past the busy timeout (SQLITE_BUSY, SQLITE_LOCKED)
        Other       ///< I/O, full disk, corruption, misuse: a server error
    };

    SqlError(const std::string& msg, int sqliteCode, const std::string& sqliteMessage = "");
    SqlError(const SqlError&) = default;
    ~SqlError() noexcept override;
    const char* name() const noexcept override;
    Poco::Exception* clone() const override;
    void rethrow() const override;

    Kind kind() const;
    /// SQLite's own text for the failure (sqlite3_errmsg), without the `<what failed>: ` prefix.
    const std::string& sqliteMessage() const { return _sqliteMessage; }

private:
    std::string _sqliteMessage;
};

/// A prepared statement (RAII). Parameter indexes start at 1, column indexes at 0.
/// Values are always bound, never pasted into SQL text.
class MONLIGHT_API Statement
{
public:
    Statement() = default;
    Statement(sqlite3* db, std::string_view sql);
    Statement(Statement&& other) noexcept;
    Statement& operator=(Statement&& other) noexcept;
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    ~Statement();

    Statement& bind(int index, std::int64_t v);
    Statement& bind(int index, int v) { return bind(index, static_cast<std::int64_t>(v)); }
    Statement& bind(int index, long long v) { return bind(index, static_cast<std::int64_t>(v)); }
    Statement& bind(int index, double v);
    /// Binds text (a std::string_view without data, as default-constructed, binds as the empty text, not NULL).
    Statement& bind(int index, std::string_view v);
    Statement& bind(int index, const std::string& v) { return bind(index, std::string_view(v)); }
    Statement& bind(int index, const char* v) { return bind(index, std::string_view(v)); }
    Statement& bind(int index, std::nullptr_t);
    Statement& bindBlob(int index, const void* data, std::size_t size);
    template <typename T> Statement& bind(int index, const std::optional<T>& v)
    {
        return v ? bind(index, *v) : bind(index, nullptr);
    }
    /// Binds `values...` to parameters 1, 2, ... in order (an empty std::optional binds NULL).
    ///   st.bindAll(id, now, r.requestUrl).run();
    template <typename... A> Statement& bindAll(const A&... values)
    {
        int index = 1;
        (bind(index++, values), ...);
        return *this;
    }

    /// Runs one step; true when a row is available, false when done. Throws SqlError.
    bool step();
    /// Runs to completion (for INSERT/UPDATE/DELETE). Returns sqlite3_changes().
    int run();
    /// Resets and clears bindings so the statement can be reused.
    void reset();

    bool isNull(int col) const;
    std::int64_t getInt(int col) const;
    double getDouble(int col) const;
    std::string getText(int col) const;
    std::optional<std::string> getOptText(int col) const;
    std::optional<std::int64_t> getOptInt(int col) const;
    std::optional<double> getOptDouble(int col) const;
    std::string getBlob(int col) const;
    int columnCount() const;

    /// Reads the current row into `out...`, one column each from column 0 on, by the target's type:
    /// std::int64_t, bool (non-zero), double and std::string (NULL reads as 0 or empty) and std::optional of
    /// std::int64_t, double and std::string (NULL reads as nothing).
    ///   st.columns(g.id, g.fingerprint, g.resolved, g.resolvedAt);
    template <typename... T> void columns(T&... out) const
    {
        int col = 0;
        (read(col++, out), ...);
    }

    sqlite3_stmt* handle() const { return _stmt; }

private:
    void read(int col, std::int64_t& v) const { v = getInt(col); }
    void read(int col, bool& v) const { v = getInt(col) != 0; }
    void read(int col, double& v) const { v = getDouble(col); }
    void read(int col, std::string& v) const { v = getText(col); }
    void read(int col, std::optional<std::int64_t>& v) const { v = getOptInt(col); }
    void read(int col, std::optional<double>& v) const { v = getOptDouble(col); }
    void read(int col, std::optional<std::string>& v) const { v = getOptText(col); }

    sqlite3_stmt* _stmt = nullptr;
    sqlite3* _db = nullptr;
};

/// A statement lent from a connection's cache for one use: it forwards to the statement and resets it (ending the
/// read it was stepping, clearing its bindings) when it goes out of scope, also when an exception leaves the scope.
/// An un-reset statement would keep its read snapshot open on a pooled connection and hold back WAL checkpoints.
///   auto st = c.cached("SELECT a FROM t WHERE b = ?");
///   st.bind(1, b);
///   while (st.step()) ...
class MONLIGHT_API Cached
{
public:
    explicit Cached(Statement& statement) : _st(&statement) {}
    Cached(Cached&& other) noexcept : _st(other._st) { other._st = nullptr; }
    Cached& operator=(Cached&&) = delete;
    Cached(const Cached&) = delete;
    Cached& operator=(const Cached&) = delete;
    ~Cached()
    {
        if (_st)
            _st->reset();
    }

    template <typename... A> Cached& bind(A&&... args)
    {
        _st->bind(std::forward<A>(args)...);
        return *this;
    }
    template <typename... A> Cached& bindAll(const A&... values)
    {
        _st->bindAll(values...);
        return *this;
    }
    Cached& bindBlob(int index, const void* data, std::size_t size)
    {
        _st->bindBlob(index, data, size);
        return *this;
    }
    bool step() { return _st->step(); }
    int run() { return _st->run(); }
    /// Resets early, to bind and step the same statement again within the handle's scope (a loop).
    void reset() { _st->reset(); }
    bool isNull(int col) const { return _st->isNull(col); }
    std::int64_t getInt(int col) const { return _st->getInt(col); }
    double getDouble(int col) const { return _st->getDouble(col); }
    std::string getText(int col) const { return _st->getText(col); }
    std::optional<std::string> getOptText(int col) const { return _st->getOptText(col); }
    std::optional<std::int64_t> getOptInt(int col) const { return _st->getOptInt(col); }
    std::optional<double> getOptDouble(int col) const { return _st->getOptDouble(col); }
    std::string getBlob(int col) const { return _st->getBlob(col); }
    template <typename... T> void columns(T&... out) const { _st->columns(out...); }

    /// The statement itself, for helpers that take a Statement& (only from a named handle, never a temporary).
    Statement& statement() & { return *_st; }
    operator Statement&() & { return *_st; }

private:
    Statement* _st;
};

/// One SQLite connection (RAII) with a cache of prepared statements. Not thread-safe: one thread at a time.
class MONLIGHT_API Connection
{
public:
    /// Opens (creating if `create`) the database file. Throws SqlError.
    Connection(const std::string& path, bool readOnly, bool create);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    /// Executes one or more statements without results.
    void exec(std::string_view sql);
    /// Prepares a new statement.
    Statement prepare(std::string_view sql);
    /// The cached prepared statement for `sql` (prepared on first use), reset and ready to bind, lent until the
    /// returned handle goes out of scope.
    Cached cached(const std::string& sql);
    /// First column of the first row as integer (or `dflt` when there is no row / NULL).
    std::int64_t queryInt(std::string_view sql, std::int64_t dflt = 0);

    std::int64_t lastInsertId() const;
    int changes() const;
    sqlite3* handle() const { return _db; }
    const std::string& path() const { return _path; }

private:
    sqlite3* _db = nullptr;
    std::string _path;
    std::unordered_map<std::string, std::unique_ptr<Statement>> _cache;
};

/// RAII transaction on a connection (BEGIN IMMEDIATE / COMMIT, rollback on destruction unless committed).
class MONLIGHT_API Transaction
{
public:
    explicit Transaction(Connection& c, bool immediate = true);
    ~Transaction();
    void commit();

private:
    Connection& _c;
    bool _done = false;
};

} // namespace Sql
} // namespace Monlight
