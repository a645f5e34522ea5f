// Minimal sqlite3 RAII wrapper for the baseline insert programs: deliberately nothing more than the C API, so the
// baselines measure SQLite itself.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <stdexcept>
#include <string>

/// A write connection opened with the pragmas every monlight connection uses (SPEC §0.15): WAL,
/// synchronous=NORMAL, busy_timeout=5000, foreign_keys=ON, secure_delete=OFF, temp_store=MEMORY,
/// cache_size=-16384 (16 MB), journal_size_limit=64 MB. Every failure throws std::runtime_error naming the SQL.
class BenchDb
{
public:
    /// A prepared statement; bind by 1-based index, step() runs it and resets it for the next row.
    class Statement
    {
    public:
        Statement(sqlite3* db, const std::string& sql);
        ~Statement();
        Statement(const Statement&) = delete;
        Statement& operator=(const Statement&) = delete;

        void bind(int index, std::int64_t value);
        void bind(int index, double value);
        /// Binds a text value without copying it; the text must stay alive until step().
        void bind(int index, const std::string& value);
        /// Runs the statement to completion (throws on anything but SQLITE_DONE), then resets it.
        void step();

    private:
        void check(int rc, const char* what);
        sqlite3* _db;
        sqlite3_stmt* _stmt = nullptr;
    };

    /// Opens (creating) the database at path and applies the pragmas above.
    explicit BenchDb(const std::string& path);
    ~BenchDb();
    BenchDb(const BenchDb&) = delete;
    BenchDb& operator=(const BenchDb&) = delete;

    /// Runs one or more statements without results.
    void exec(const std::string& sql);
    /// Returns the first column of the first row of sql as an integer (0 when there is no row).
    std::int64_t queryInt(const std::string& sql);
    sqlite3* handle() const { return _db; }

private:
    sqlite3* _db = nullptr;
};

/// Seconds on a monotonic clock.
double benchNow();

/// Reads the whole file at path; throws std::runtime_error when it cannot be read.
std::string benchReadFile(const std::string& path);

/// Removes path and its -wal/-shm companions (errors ignored).
void benchRemoveDatabase(const std::string& path);

/// Parses a positive integer option value; prints "<tool>: <name> needs a positive integer" and exits 64 otherwise.
long long benchPositive(const char* tool, const char* name, const char* value);

/// A database path in $TMPDIR (or /tmp) unique to this process: <dir>/<tool>-<pid>.db.
std::string benchTempDatabase(const char* tool);
