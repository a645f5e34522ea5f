#pragma once
/// PostgreSQL storage for plugins (`host.storage = postgresql`): a small pool of libpq connections shared by the
/// plugins of one host, statements with `$1..$n` parameters, one transaction per call, and forward-only migrations
/// applied once across every host that shares the database.
///
/// libpq is loaded (`libpq.so.5`, Debian package libpq5) the first time a PostgreSQL database is opened or a DSN
/// is checked: a host on SQLite never maps it and needs no libpq installed.

#include "Monlight/Database.h"
#include "Monlight/Version.h"
#include <Poco/Exception.h>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace Monlight
{
namespace Pg
{

/// A statement failed on the server (not a lost connection, which is a StorageError). `message()` is the server's
/// first line; `sqlState()` the five-character SQLSTATE.
class MONLIGHT_API Error : public Poco::Exception
{
public:
    Error(const std::string& message, const std::string& sqlState);
    Error(const Error&) = default;
    ~Error() noexcept override;
    const char* name() const noexcept override;
    Poco::Exception* clone() const override;
    void rethrow() const override;
    const std::string& sqlState() const { return _sqlState; }
    /// Class 23: a UNIQUE, NOT NULL, CHECK or FOREIGN KEY constraint refused the change.
    bool isConstraint() const { return _sqlState.compare(0, 2, "23") == 0; }

private:
    std::string _sqlState;
};

/// A statement parameter, sent as text (NULL when empty). A NUL character in a string becomes U+FFFD: PostgreSQL
/// text cannot hold it (SQLite can), and libpq would cut the value there.
class MONLIGHT_API Param
{
public:
    Param(std::nullptr_t) {}
    Param(std::int64_t v) : _v(std::to_string(v)) {}
    Param(int v) : _v(std::to_string(v)) {}
    Param(long long v) : _v(std::to_string(v)) {}
    Param(bool v) : _v(v ? "t" : "f") {}
    Param(std::string_view v);
    Param(const std::string& v) : Param(std::string_view(v)) {}
    Param(const char* v) : Param(std::string_view(v)) {}
    template <typename T> Param(const std::optional<T>& v)
    {
        if (v)
            _v = Param(*v)._v;
    }
    const std::optional<std::string>& value() const { return _v; }

private:
    std::optional<std::string> _v;
};

/// The rows of one statement (text values), or the row count of a change.
class MONLIGHT_API Result
{
public:
    Result() = default;
    int rows() const;
    bool isNull(int row, int col) const;
    std::string text(int row, int col) const;
    std::int64_t integer(int row, int col) const; ///< NULL reads as 0
    bool boolean(int row, int col) const;         ///< `t` is true
    std::optional<std::string> optText(int row, int col) const;
    std::optional<std::int64_t> optInteger(int row, int col) const;
    /// Rows changed by INSERT/UPDATE/DELETE.
    std::int64_t affected() const;

    /// Reads row `row` into `out...`, one column each from column 0 on, by the target's type (std::int64_t, bool,
    /// std::string, std::optional of std::int64_t and std::string).
    template <typename... T> void columns(int row, T&... out) const
    {
        int col = 0;
        (read(row, col++, out), ...);
    }

private:
    friend class Session;
    explicit Result(std::shared_ptr<void> res) : _res(std::move(res)) {}
    void read(int r, int c, std::int64_t& v) const { v = integer(r, c); }
    void read(int r, int c, bool& v) const { v = boolean(r, c); }
    void read(int r, int c, std::string& v) const { v = text(r, c); }
    void read(int r, int c, std::optional<std::int64_t>& v) const { v = optInteger(r, c); }
    void read(int r, int c, std::optional<std::string>& v) const { v = optText(r, c); }
    std::shared_ptr<void> _res; // PGresult
};

/// A pooled connection lent to one call of PgDatabase::transaction() or read(). One thread at a time.
class MONLIGHT_API Session
{
public:
    /// Runs one statement with `$1..$n` parameters (cast a parameter used in an expression: `$1::bigint`).
    /// Throws Pg::Error for a statement the server refuses, StorageError Unavailable when the connection is lost.
    Result exec(const std::string& sql, const std::vector<Param>& params = {});

private:
    friend class PgDatabase;
    explicit Session(void* conn) : _conn(conn) {}
    void* _conn; // PGconn
    bool _lost = false;
};

class PgDatabase;

/// A connection of its own (outside the pool) listening to one NOTIFY channel: a wake-up, never the data (a
/// notification is delivered only to connections listening when it is committed, so the reader catches up from the
/// tables). One thread at a time.
class MONLIGHT_API Listener
{
public:
    ~Listener();
    Listener(const Listener&) = delete;
    Listener& operator=(const Listener&) = delete;

    /// Waits up to `timeoutMs` for a notification on the channel. True when one or more arrived, and also right
    /// after the connection was (re)made, when notifications may have been missed; false on timeout or while the
    /// server cannot be reached (it is retried at the next call).
    bool wait(int timeoutMs);

private:
    friend class PgDatabase;
    Listener(PgDatabase& db, std::string channel) : _db(db), _channel(std::move(channel)) {}
    void drop();
    PgDatabase& _db;
    std::string _channel;
    void* _conn = nullptr; // PGconn
};

/// The pool. Created once per host (PluginContext::postgres()); plugins keep their tables in their own schema.
class MONLIGHT_API PgDatabase
{
public:
    struct Options
    {
        std::string dsn;                  ///< libpq connection string: `key=value ...` or `postgresql://` URI
        int poolSize = 8;                 ///< connections at most
        bool synchronousCommit = true;    ///< false: `SET synchronous_commit = off` on every connection
        std::string applicationName = "monlight"; ///< shown in pg_stat_activity (a DSN's own value wins)
        int acquireTimeoutMs = 5000;      ///< wait for a free connection before StorageError Busy
        int connectTimeoutSeconds = 5;
        std::string configKey = "host.postgresql_dsn"; ///< named in startup errors
    };

    /// Loads libpq and opens one connection to prove the DSN. Throws StartupError 78 (libpq missing, malformed
    /// DSN) or 69 (cannot connect), naming Options::configKey, with libpq's first line.
    static std::shared_ptr<PgDatabase> open(const Options& options);

    /// Empty when libpq loads and parses `dsn`; otherwise why not, in one line.
    static std::string checkDsn(const std::string& dsn);

    ~PgDatabase();
    PgDatabase(const PgDatabase&) = delete;
    PgDatabase& operator=(const PgDatabase&) = delete;

    /// Runs `work` in one transaction (BEGIN ... COMMIT) on a pooled connection and returns after the commit.
    /// A connection found dead (the server restarted, the backend was terminated) before COMMIT was sent is
    /// replaced, every idle connection is dropped, and `work` runs once more on a fresh connection: `work` must
    /// only touch the session and locals it resets. Throws StorageError Unavailable when no connection can be
    /// made or the connection was lost during COMMIT (the outcome is then unknown), StorageError Busy when no
    /// connection is free within Options::acquireTimeoutMs; Pg::Error (transaction rolled back) as thrown.
    void transaction(const std::function<void(Session&)>& work);
    template <typename R> R transactionResult(const std::function<R(Session&)>& work)
    {
        R result{};
        transaction([&](Session& s) { result = work(s); });
        return result;
    }

    /// Like transaction() without BEGIN/COMMIT: each statement commits on its own (reads).
    void read(const std::function<void(Session&)>& work);

    /// Applies `migrations` (migration N is migrations[N-1], each a script of statements run with
    /// `search_path = <schema>`) above the version recorded in `<schema>.schema_migrations`, each in its own
    /// transaction, under an advisory lock so that hosts starting together apply each exactly once. Creates the
    /// schema. Throws StartupError 65 when the schema is newer than `migrations` or a migration fails.
    void migrate(const std::string& schema, const std::vector<std::string>& migrations, const std::string& owner);

    /// True when the last use or a probe (`SELECT 1`, at most once per second) reached the server; `detail` says
    /// why not.
    bool healthy(std::string& detail);

    /// A listener on `channel` (an SQL identifier: letters, digits, `_`); it connects on its first wait().
    std::unique_ptr<Listener> listen(const std::string& channel);

    /// Closes every idle connection; later calls throw StorageError Stopping.
    void close();

    std::size_t connections() const;

private:
    friend class Listener;
    explicit PgDatabase(const Options& options);
    void* acquire();
    void release(void* conn, bool broken);
    void dropIdle();
    void run(const std::function<void(Session&)>& work, bool transactional);
    void* connect(std::string& error);
    void markDown(const std::string& why);
    void markUp();

    Options _opt;
    mutable std::mutex _mutex;
    std::condition_variable _cv;
    std::vector<void*> _idle;
    std::size_t _open = 0;
    bool _closed = false;
    bool _down = false;
    std::string _downReason;
    std::chrono::steady_clock::time_point _lastProbe{};
};

} // namespace Pg
} // namespace Monlight
