#pragma once
// An in-memory SQLite FTS5 table to check that a generated MATCH expression is never a syntax error.

#include "FuzzCheck.h"
#include <sqlite3.h>
#include <string>

namespace MonlightFuzz
{

class FtsCheck
{
public:
    /// `columns` as in the plugin's CREATE VIRTUAL TABLE (same tokenizer: the default unicode61).
    explicit FtsCheck(const char* columns)
    {
        FUZZ_CHECK(sqlite3_open(":memory:", &_db) == SQLITE_OK);
        std::string sql = std::string("CREATE VIRTUAL TABLE t USING fts5(") + columns + ");";
        FUZZ_CHECK(sqlite3_exec(_db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
        FUZZ_CHECK(sqlite3_exec(_db, "INSERT INTO t(rowid, message) VALUES (1, 'hello world Traceback é')",
                                nullptr, nullptr, nullptr) == SQLITE_OK);
        FUZZ_CHECK(sqlite3_prepare_v2(_db, "SELECT count(*) FROM t WHERE t MATCH ?", -1, &_stmt, nullptr) ==
                   SQLITE_OK);
    }

    /// Runs the expression; aborts with SQLite's message when FTS5 rejects it.
    void mustRun(const std::string& expr)
    {
        sqlite3_reset(_stmt);
        sqlite3_bind_text(_stmt, 1, expr.data(), static_cast<int>(expr.size()), SQLITE_TRANSIENT);
        int rc = sqlite3_step(_stmt);
        if (rc != SQLITE_ROW)
        {
            std::fprintf(stderr, "FTS5 rejected [%s]: %s\n", expr.c_str(), sqlite3_errmsg(_db));
            FUZZ_CHECK(rc == SQLITE_ROW);
        }
        sqlite3_reset(_stmt);
    }

private:
    sqlite3* _db = nullptr;
    sqlite3_stmt* _stmt = nullptr;
};

} // namespace MonlightFuzz
