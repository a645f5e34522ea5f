// bench-sqlite-insert: the baseline of P1 (metrics ingest) in PERFORMANCE.md. Raw sqlite3 prepared inserts of N
// points into a table shaped like metrics_raw, in transactions of --batch rows, with the host's pragmas.
//
// Usage: bench-sqlite-insert [--rows N] [--batch N] [--series N] [--db PATH] [--schema FILE] [--keep]
//   --schema runs FILE instead of the built-in schema (e.g. plugins/metrics-collector/sql/001_initial.sql); it
//   must define series(name, type, project, labels, is_rollup, last_seen) and metrics_raw(ts, series_id,
//   rollup_id, value). Without --db a temporary database is used and removed afterwards.
// Prints one line: `rows=N seconds=S rows_per_s=R` (timed: the inserts and commits only).
#include "BenchDb.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string>
#include <unistd.h>

namespace
{

const char* const BUILTIN_SCHEMA = R"SQL(
CREATE TABLE series (
  id        INTEGER PRIMARY KEY,
  name      TEXT    NOT NULL,
  type      TEXT    NOT NULL CHECK (type IN ('counter','histogram','gauge')),
  project   TEXT    NOT NULL DEFAULT '',
  labels    TEXT    NOT NULL,
  is_rollup INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  UNIQUE (name, type, project, labels, is_rollup)
);
CREATE TABLE metrics_raw (
  id        INTEGER PRIMARY KEY,
  ts        INTEGER NOT NULL,
  series_id INTEGER NOT NULL REFERENCES series(id),
  rollup_id INTEGER NOT NULL REFERENCES series(id),
  value     REAL    NOT NULL
);
CREATE INDEX idx_raw_ts ON metrics_raw(ts);
CREATE INDEX idx_raw_rollup_ts ON metrics_raw(rollup_id, ts);
)SQL";

} // namespace

int main(int argc, char** argv)
{
    std::int64_t rows = 1000000;
    std::int64_t batch = 1000;
    std::int64_t series = 100;
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
            std::cerr << "usage: bench-sqlite-insert [--rows N] [--batch N] [--series N] [--db PATH] [--schema FILE] [--keep]\n";
            return 64;
        }
        const char* v = argv[++i];
        if (a == "--rows")
            rows = benchPositive("bench-sqlite-insert", "--rows", v);
        else if (a == "--batch")
            batch = benchPositive("bench-sqlite-insert", "--batch", v);
        else if (a == "--series")
            series = benchPositive("bench-sqlite-insert", "--series", v);
        else if (a == "--db")
            path = v;
        else if (a == "--schema")
            schemaFile = v;
        else
        {
            std::cerr << "bench-sqlite-insert: unknown option " << a << "\n";
            return 64;
        }
    }
    const bool temporary = path.empty();
    if (temporary)
    {
        path = benchTempDatabase("bench-sqlite-insert");
    }
    benchRemoveDatabase(path);

    try
    {
        double seconds = 0;
        {
            BenchDb db(path);
            db.exec(schemaFile.empty() ? std::string(BUILTIN_SCHEMA) : benchReadFile(schemaFile));
            // One plain series and one rollup series per metric, like the collector stores them.
            db.exec("BEGIN");
            {
                BenchDb::Statement s(db.handle(), "INSERT INTO series(name, type, project, labels, is_rollup, last_seen)"
                                                  " VALUES(?, 'gauge', 'bench', ?, ?, 0)");
                for (std::int64_t k = 0; k < series; ++k)
                {
                    const std::string name = "bench_metric_" + std::to_string(k % 10);
                    const std::string labels = "{\"instance\":\"i" + std::to_string(k) + "\"}";
                    s.bind(1, name);
                    s.bind(2, labels);
                    s.bind(3, std::int64_t{0});
                    s.step();
                    s.bind(1, name);
                    s.bind(2, labels);
                    s.bind(3, std::int64_t{1});
                    s.step();
                }
            }
            db.exec("COMMIT");
            const std::int64_t firstSeries = db.queryInt("SELECT min(id) FROM series");

            BenchDb::Statement insert(db.handle(),
                                      "INSERT INTO metrics_raw(ts, series_id, rollup_id, value) VALUES(?, ?, ?, ?)");
            const std::int64_t t0 = 1795600800000;
            const double start = benchNow();
            for (std::int64_t done = 0; done < rows;)
            {
                db.exec("BEGIN IMMEDIATE");
                const std::int64_t end = std::min(rows, done + batch);
                for (; done < end; ++done)
                {
                    const std::int64_t k = done % series;
                    insert.bind(1, t0 + done / series);
                    insert.bind(2, firstSeries + 2 * k);
                    insert.bind(3, firstSeries + 2 * k + 1);
                    insert.bind(4, static_cast<double>(done % 1000) * 0.25);
                    insert.step();
                }
                db.exec("COMMIT");
            }
            seconds = benchNow() - start;
            const std::int64_t stored = db.queryInt("SELECT count(*) FROM metrics_raw");
            if (stored != rows)
                throw std::runtime_error("expected " + std::to_string(rows) + " rows, found " + std::to_string(stored));
        }
        if (temporary && !keep)
            benchRemoveDatabase(path);
        std::cout << "rows=" << rows << " seconds=" << seconds << " rows_per_s=" << static_cast<double>(rows) / seconds
                  << std::endl;
    }
    catch (const std::exception& e)
    {
        std::cerr << "bench-sqlite-insert: " << e.what() << "\n";
        if (temporary && !keep)
            benchRemoveDatabase(path);
        return 70;
    }
    return 0;
}
