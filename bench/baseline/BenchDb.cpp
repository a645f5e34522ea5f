#include "BenchDb.h"
#include <unistd.h>
#include <iostream>
#include <cstdlib>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

BenchDb::Statement::Statement(sqlite3* db, const std::string& sql) : _db(db)
{
    check(sqlite3_prepare_v2(_db, sql.c_str(), static_cast<int>(sql.size()), &_stmt, nullptr), sql.c_str());
}

BenchDb::Statement::~Statement()
{
    sqlite3_finalize(_stmt);
}

void BenchDb::Statement::bind(int index, std::int64_t value)
{
    check(sqlite3_bind_int64(_stmt, index, value), "bind");
}

void BenchDb::Statement::bind(int index, double value)
{
    check(sqlite3_bind_double(_stmt, index, value), "bind");
}

void BenchDb::Statement::bind(int index, const std::string& value)
{
    check(sqlite3_bind_text(_stmt, index, value.data(), static_cast<int>(value.size()), SQLITE_STATIC), "bind");
}

void BenchDb::Statement::step()
{
    const int rc = sqlite3_step(_stmt);
    sqlite3_reset(_stmt);
    if (rc != SQLITE_DONE)
        check(rc, sqlite3_sql(_stmt));
}

void BenchDb::Statement::check(int rc, const char* what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE)
        throw std::runtime_error(std::string(what) + ": " + sqlite3_errmsg(_db));
}

BenchDb::BenchDb(const std::string& path)
{
    const int rc = sqlite3_open_v2(path.c_str(), &_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    if (rc != SQLITE_OK)
    {
        std::string msg = _db ? sqlite3_errmsg(_db) : sqlite3_errstr(rc);
        sqlite3_close(_db);
        throw std::runtime_error("cannot open " + path + ": " + msg);
    }
    exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON;"
         " PRAGMA secure_delete=OFF; PRAGMA temp_store=MEMORY; PRAGMA cache_size=-16384;"
         " PRAGMA journal_size_limit=67108864;");
}

BenchDb::~BenchDb()
{
    sqlite3_close(_db);
}

void BenchDb::exec(const std::string& sql)
{
    char* err = nullptr;
    if (sqlite3_exec(_db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK)
    {
        std::string msg = err ? err : sqlite3_errmsg(_db);
        sqlite3_free(err);
        throw std::runtime_error(sql.substr(0, 80) + ": " + msg);
    }
}

std::int64_t BenchDb::queryInt(const std::string& sql)
{
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(_db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK)
        throw std::runtime_error(sql + ": " + sqlite3_errmsg(_db));
    std::int64_t value = 0;
    if (sqlite3_step(stmt) == SQLITE_ROW)
        value = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return value;
}

double benchNow()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string benchReadFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw std::runtime_error("cannot read " + path);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

void benchRemoveDatabase(const std::string& path)
{
    for (const char* suffix : {"", "-wal", "-shm", "-journal"})
        std::remove((path + suffix).c_str());
}

long long benchPositive(const char* tool, const char* name, const char* value)
{
    char* end = nullptr;
    const long long v = std::strtoll(value, &end, 10);
    if (*value == '\0' || *end != '\0' || v < 1)
    {
        std::cerr << tool << ": " << name << " needs a positive integer, got " << value << "\n";
        std::exit(64);
    }
    return v;
}

std::string benchTempDatabase(const char* tool)
{
    const char* tmp = std::getenv("TMPDIR");
    return std::string(tmp && *tmp ? tmp : "/tmp") + "/" + tool + "-" + std::to_string(getpid()) + ".db";
}
