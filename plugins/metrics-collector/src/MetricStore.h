#pragma once

#include "Aggregate.h"
#include "MetricPoint.h"
#include "MetricStorage.h"
#include "SeriesInfo.h"
#include "Watermarks.h"
#include "Monlight/Database.h"
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace Monlight
{
namespace MetricsCollector
{

/// The metrics collector's store on SQLite (`metrics.db`, SPEC §4.9, the default): every SQL statement. Writes go
/// through the database's single writer (group commit), reads use the calling thread's read connection. All values
/// are bound.
class MetricStore : public MetricStorage
{
public:
    /// `dropLabels`: label keys removed from rollup series identities (`aggregation_drop_labels`).
    MetricStore(std::shared_ptr<Database> db, std::vector<std::string> dropLabels);


    Database& database() { return *_db; }

    /// New raw series a project may gain once it has `limit` (0 = no limit); points of further new series are
    /// dropped by insert(). Set before the first insert.
    void setSeriesLimit(std::size_t limit) override { _seriesLimit = limit; }

    /// Reads the raw series keys of every project (on the writer thread), so that insert() can tell a new series
    /// from a known one without a query. insert() loads them itself when needed; the plugin calls this at start.
    void loadSeriesIndex() override;

    /// A predicate polled between the transactions of a chunked delete, so shutdown is not held up.
    void setStopping(std::function<bool()> stopping) override { _stopping = std::move(stopping); }

    /// Creates `minute_watermark`/`hour_watermark` at minute(now)/hour(now) unless they exist.
    void initWatermarks(std::int64_t nowMs) override;

    /// Stores accepted points in one writer transaction: series rows (raw and rollup), raw rows in order,
    /// `last_seen`, and a dirty mark for each point older than the minute watermark. A point that would add a raw
    /// series to a project already holding the series limit is left out and counted. Blocks until committed;
    /// throws what Database::write throws (StorageError, SqlError).
    InsertResult insert(const std::vector<MetricPoint>& points) override;

    // ---- aggregation (each call is one writer transaction) ----

    /// Folds raw points of [W_m, end) into minute rows (UPSERT) and sets W_m = end. No-op when end ≤ W_m.
    void aggregateMinutes(std::int64_t end) override;
    /// Recomputes every dirty minute from raw (delete + insert), marks its hour dirty when already rolled up.
    /// Returns the number of minutes recomputed.
    std::size_t recomputeDirtyMinutes() override;
    /// Merges minute rows of the hours in [W_h, end) into hour rows (UPSERT) and sets W_h = end.
    void aggregateHours(std::int64_t end) override;
    /// Recomputes every dirty hour from its minute rows. Returns the number of hours recomputed.
    std::size_t recomputeDirtyHours() override;

    // ---- retention (transactions of at most 10 000 rows) ----

    std::size_t deleteRawBefore(std::int64_t cutoff) override;
    std::size_t deleteRollupsBefore(int resolutionSeconds, std::int64_t cutoff) override;
    std::size_t deleteDirtyMinutesBefore(std::int64_t cutoff) override;
    /// Series without raw points or rollup rows whose `last_seen` is before `cutoff` (`rawCutoff`: the raw
    /// retention cutoff already applied).
    std::size_t deleteStaleSeries(std::int64_t cutoff, std::int64_t rawCutoff) override;

    // ---- reads (use reader(); wrap several reads in a ReadSnapshot for one consistent view) ----

    /// Runs `fn` on the calling thread's read connection, in a ReadSnapshot (snapshot()) or not (read()).
    void snapshot(const std::function<void(MetricReader&)>& fn) override;
    void read(const std::function<void(MetricReader&)>& fn) override;

    Sql::Connection& reader() { return _db->reader(); }
    using MetricStorage::watermarks;
    Watermarks watermarks(Sql::Connection& c);
    /// Rollup series, optionally filtered by name, project and type, ordered by id.
    std::vector<SeriesInfo> rollupSeries(Sql::Connection& c, const std::optional<std::string>& name,
                                         const std::optional<std::string>& project,
                                         const std::optional<std::string>& type);
    /// Type of the most recently seen rollup series of `name`, if any.
    std::optional<std::string> latestType(Sql::Connection& c, const std::string& name,
                                          const std::optional<std::string>& project);
    /// Distinct non-empty projects, ascending.
    std::vector<std::string> projects(Sql::Connection& c);

    using RollupFn = std::function<void(std::int64_t seriesId, std::int64_t bucket, const Aggregate& row)>;
    using RawFn = std::function<void(std::int64_t rollupId, std::int64_t id, std::int64_t ts, double value)>;
    /// Rollup rows of one series with from ≤ bucket < to.
    void forEachRollup(Sql::Connection& c, int resolutionSeconds, std::int64_t seriesId, std::int64_t from,
                       std::int64_t to, const RollupFn& fn);
    /// Rollup rows of every series with from ≤ bucket < to.
    void forEachRollupInRange(Sql::Connection& c, int resolutionSeconds, std::int64_t from, std::int64_t to,
                              const RollupFn& fn);
    /// Raw points of one rollup series with from ≤ ts < to, in (ts, id) order.
    void forEachRaw(Sql::Connection& c, std::int64_t rollupId, std::int64_t from, std::int64_t to,
                    const RawFn& fn);
    /// Raw points of every series with from ≤ ts < to, in (ts, id) order.
    void forEachRawInRange(Sql::Connection& c, std::int64_t from, std::int64_t to, const RawFn& fn);

    /// Points with a timestamp ≥ since: minute rollup counts below W_m plus raw points from W_m on.
    std::int64_t pointsSince(Sql::Connection& c, std::int64_t since);

    /// Number of raw rows (tests, benchmarks).
    std::int64_t rawCount(Sql::Connection& c);

private:
    struct Pending;
    std::int64_t seriesId(Sql::Connection& c, Pending& pending, const std::string& name, const std::string& type,
                          const std::string& project, const std::string& labels, int isRollup);
    static std::int64_t readMeta(Sql::Connection& c, const std::string& key);
    static void writeMeta(Sql::Connection& c, const std::string& key, std::int64_t value);
    /// Aggregates raw [from, to) into one Aggregate per (rollup series, minute).
    static std::map<std::pair<std::int64_t, std::int64_t>, Aggregate>
    foldRaw(Sql::Connection& c, std::int64_t from, std::int64_t to);
    /// Merges minute rows of [from, to) into one Aggregate per (series, hour).
    static std::map<std::pair<std::int64_t, std::int64_t>, Aggregate>
    foldMinutes(Sql::Connection& c, std::int64_t from, std::int64_t to);
    static void upsert(Sql::Connection& c, int resolutionSeconds,
                       const std::map<std::pair<std::int64_t, std::int64_t>, Aggregate>& rows);
    static Aggregate readRollup(Sql::Statement& s, int firstColumn);
    std::size_t deleteChunked(const std::string& sql, std::int64_t cutoff);

    std::shared_ptr<Database> _db;
    std::vector<std::string> _dropLabels;
    std::function<bool()> _stopping;
    void loadSeriesIndex(Sql::Connection& c);

    std::size_t _seriesLimit = 0;
    // Raw series keys (name, type, labels) per project. Only the writer thread touches these; reloaded after
    // stale series are deleted.
    std::unordered_map<std::string, std::unordered_set<std::string>> _knownSeries;
    bool _knownSeriesLoaded = false;
    std::mutex _cacheMutex;
    std::unordered_map<std::string, std::int64_t> _seriesCache; // key → id; only committed rows
};

} // namespace MetricsCollector
} // namespace Monlight
