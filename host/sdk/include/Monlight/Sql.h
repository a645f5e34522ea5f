#pragma once

#include "Monlight/Version.h"
#include <Poco/Exception.h>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

struct sqlite3;
struct sqlite3_stmt;

namespace Monlight
{
namespace Sql
{

/// A SQLite failure (message includes the SQLite error text). `code()` is the SQLite result code.
class MONLIGHT_API SqlError : public Poco::Exception
{
public:
    SqlError(const std::string& msg, int sqliteCode);
    SqlError(const SqlError&) = default;
    ~SqlError() noexcept override;
    const char* name() const noexcept override;
    Poco::Exception* clone() const override;
    void rethrow() const override;
};

/// A prepared statement (RAII). Parameter indexes start at 1, column indexes at 0.
/// Values are always bound, never pasted into SQL (§0.15).
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
    Statement& bind(int index, std::string_view v);
    Statement& bind(int index, const std::string& v) { return bind(index, std::string_view(v)); }
    Statement& bind(int index, const char* v) { return bind(index, std::string_view(v)); }
    Statement& bind(int index, std::nullptr_t);
    Statement& bindBlob(int index, const void* data, std::size_t size);
    template <typename T> Statement& bind(int index, const std::optional<T>& v)
    {
        return v ? bind(index, *v) : bind(index, nullptr);
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

    sqlite3_stmt* handle() const { return _stmt; }

private:
    sqlite3_stmt* _stmt = nullptr;
    sqlite3* _db = nullptr;
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
    /// A cached prepared statement for `sql`, reset and ready to bind. Valid until the connection closes.
    Statement& cached(const std::string& sql);
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
