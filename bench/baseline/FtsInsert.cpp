// bench-fts-insert: the baseline of P4 (log ingest) in PERFORMANCE.md. Bare sqlite3 inserts of N log-like lines
// into a table shaped like log_entries with an FTS5 external-content index kept by an insert trigger, in
// transactions of --batch lines, with the host's pragmas. The lines are generated before the clock starts.
//
// Usage: bench-fts-insert [--lines N] [--batch N] [--db PATH] [--schema FILE] [--keep]
//   --schema runs FILE instead of the built-in schema (e.g. plugins/log-viewer/sql/001_initial.sql); it must
//   define log_entries(timestamp, container, container_id, stream, level, message) and its FTS5 index.
//   Without --db a temporary database is used and removed afterwards.
// Prints one line: `lines=N seconds=S lines_per_s=R bytes=B` (timed: the inserts and commits only).
#include "BenchDb.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <unistd.h>
#include <vector>

namespace
{

const char* const BUILTIN_SCHEMA = R"SQL(
CREATE TABLE log_entries (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  timestamp    INTEGER NOT NULL,
  container    TEXT    NOT NULL,
  container_id TEXT    NOT NULL,
  stream       TEXT    NOT NULL CHECK (stream IN ('stdout','stderr')),
  level        TEXT    NOT NULL CHECK (level IN ('DEBUG','INFO','WARNING','ERROR','CRITICAL')),
  message      TEXT    NOT NULL
);
CREATE INDEX idx_logs_timestamp ON log_entries(timestamp, id);
CREATE INDEX idx_logs_container_timestamp ON log_entries(container, timestamp, id);
CREATE INDEX idx_logs_level_timestamp ON log_entries(level, timestamp);
CREATE VIRTUAL TABLE log_entries_fts USING fts5(message, content='log_entries', content_rowid='id');
CREATE TRIGGER log_entries_ai AFTER INSERT ON log_entries BEGIN
  INSERT INTO log_entries_fts(rowid, message) VALUES (new.id, new.message);
END;
)SQL";

struct LogLine
{
    std::int64_t timestamp;
    std::string container;
    std::string containerId;
    std::string stream;
    std::string level;
    std::string message;
};

/// Deterministic application-log lines of 80-130 bytes: timestamp, level, logger, a few words, ids, a duration.
std::vector<LogLine> makeLines(long long n)
{
    static const char* const words[] = {"request", "handled", "user", "session", "cache", "miss", "upstream",
                                        "payment", "order", "invoice", "login", "token", "refresh", "queue",
                                        "worker", "retry", "timeout", "database", "query", "render"};
    static const char* const levels[] = {"INFO", "INFO", "INFO", "DEBUG", "WARNING", "ERROR"};
    static const char* const containers[] = {"web", "worker", "api", "scheduler"};
    std::vector<LogLine> lines;
    lines.reserve(static_cast<std::size_t>(n));
    std::uint32_t x = 2463534242u;
    for (long long i = 0; i < n; ++i)
    {
        auto next = [&x] {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            return x;
        };
        LogLine l;
        l.timestamp = 1795600800000 + i;
        const std::size_t c = static_cast<std::size_t>(i % 4);
        l.container = containers[c];
        l.containerId = std::string(12, static_cast<char>('a' + c));
        l.stream = i % 5 == 0 ? "stderr" : "stdout";
        l.level = levels[i % 6];
        std::string m = "2026-11-25 10:00:" + std::to_string(10 + i % 50) + "," + std::to_string(100 + i % 900) +
                        " " + l.level + " app." + words[next() % 20] + ":";
        for (int w = 0; w < 6; ++w)
            m += std::string(" ") + words[next() % 20];
        m += " id=" + std::to_string(i) + " user" + std::to_string(next() % 5000) + " took " +
             std::to_string(next() % 900) + "ms";
        l.message = std::move(m);
        lines.push_back(std::move(l));
    }
    return lines;
}

} // namespace

int main(int argc, char** argv)
{
    long long n = 200000;
    long long batch = 1000;
    std::string path;
    std::string schemaFile;
    bool keep = false;
    for (int i = 1; i < argc; ++i)
    {
        const std::string a = argv[i];
        if (a == "--keep")
        {
            keep = true;
            continue;
        }
        if (i + 1 >= argc)
        {
            std::cerr << "usage: bench-fts-insert [--lines N] [--batch N] [--db PATH] [--schema FILE] [--keep]\n";
            return 64;
        }
        const char* v = argv[++i];
        if (a == "--lines")
            n = benchPositive("bench-fts-insert", "--lines", v);
        else if (a == "--batch")
            batch = benchPositive("bench-fts-insert", "--batch", v);
        else if (a == "--db")
            path = v;
        else if (a == "--schema")
            schemaFile = v;
        else
        {
            std::cerr << "bench-fts-insert: unknown option " << a << "\n";
            return 64;
        }
    }
    const bool temporary = path.empty();
    if (temporary)
    {
        path = benchTempDatabase("bench-fts-insert");
    }
    benchRemoveDatabase(path);

    try
    {
        const std::vector<LogLine> lines = makeLines(n);
        std::size_t bytes = 0;
        for (const LogLine& l : lines)
            bytes += l.message.size();
        double seconds = 0;
        {
            BenchDb db(path);
            db.exec(schemaFile.empty() ? std::string(BUILTIN_SCHEMA) : benchReadFile(schemaFile));
            BenchDb::Statement insert(db.handle(),
                                      "INSERT INTO log_entries(timestamp, container, container_id, stream, level, message)"
                                      " VALUES(?, ?, ?, ?, ?, ?)");
            const double start = benchNow();
            for (std::size_t done = 0; done < lines.size();)
            {
                db.exec("BEGIN IMMEDIATE");
                const std::size_t end = std::min(lines.size(), done + static_cast<std::size_t>(batch));
                for (; done < end; ++done)
                {
                    const LogLine& l = lines[done];
                    insert.bind(1, l.timestamp);
                    insert.bind(2, l.container);
                    insert.bind(3, l.containerId);
                    insert.bind(4, l.stream);
                    insert.bind(5, l.level);
                    insert.bind(6, l.message);
                    insert.step();
                }
                db.exec("COMMIT");
            }
            seconds = benchNow() - start;
            const std::int64_t indexed = db.queryInt("SELECT count(*) FROM log_entries_fts WHERE log_entries_fts MATCH 'id'");
            if (indexed != n)
                throw std::runtime_error("expected " + std::to_string(n) + " indexed lines, found " +
                                         std::to_string(indexed));
        }
        if (temporary && !keep)
            benchRemoveDatabase(path);
        std::cout << "lines=" << n << " seconds=" << seconds << " lines_per_s=" << static_cast<double>(n) / seconds
                  << " bytes=" << bytes << std::endl;
    }
    catch (const std::exception& e)
    {
        std::cerr << "bench-fts-insert: " << e.what() << "\n";
        if (temporary && !keep)
            benchRemoveDatabase(path);
        return 70;
    }
    return 0;
}
