#pragma once

#include "Aggregate.h"
#include "MetricPoint.h"
#include "SeriesInfo.h"
#include "Watermarks.h"
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace Monlight
{
namespace MetricsCollector
{

/// The reads of the metrics collector on one consistent view of the store (a read transaction).
class MetricReader
{
public:
    virtual ~MetricReader() = default;

    using RollupFn = std::function<void(std::int64_t seriesId, std::int64_t bucket, const Aggregate& row)>;
    using RawFn = std::function<void(std::int64_t rollupId, std::int64_t id, std::int64_t ts, double value)>;

    virtual Watermarks watermarks() = 0;
    /// Rollup series, optionally filtered by name, project and type, ordered by id.
    virtual std::vector<SeriesInfo> rollupSeries(const std::optional<std::string>& name,
                                                 const std::optional<std::string>& project,
                                                 const std::optional<std::string>& type) = 0;
    /// Type of the most recently seen rollup series of `name`, if any.
    virtual std::optional<std::string> latestType(const std::string& name,
                                                  const std::optional<std::string>& project) = 0;
    /// Distinct non-empty projects, ascending.
    virtual std::vector<std::string> projects() = 0;
    /// Rollup rows of one series with from ≤ bucket < to, by bucket.
    virtual void forEachRollup(int resolutionSeconds, std::int64_t seriesId, std::int64_t from, std::int64_t to,
                               const RollupFn& fn) = 0;
    /// Rollup rows of every series with from ≤ bucket < to.
    virtual void forEachRollupInRange(int resolutionSeconds, std::int64_t from, std::int64_t to,
                                      const RollupFn& fn) = 0;
    /// Raw points of one rollup series with from ≤ ts < to, in (ts, id) order.
    virtual void forEachRaw(std::int64_t rollupId, std::int64_t from, std::int64_t to, const RawFn& fn) = 0;
    /// Raw points of every series with from ≤ ts < to, in (ts, id) order.
    virtual void forEachRawInRange(std::int64_t from, std::int64_t to, const RawFn& fn) = 0;
    /// Points with a timestamp ≥ since: minute rollup counts below W_m plus raw points from W_m on.
    virtual std::int64_t pointsSince(std::int64_t since) = 0;
    /// Number of raw rows (tests, benchmarks).
    virtual std::int64_t rawCount() = 0;
};

/// Every storage operation of the metrics collector; handlers, the ingestor and the aggregator never see SQL.
/// MetricStore (SQLite, `metrics.db`, the default) and PgMetricStore (`host.storage = postgresql`, shared by several
/// hosts) implement it with the same answers. Every aggregation step is idempotent (UPSERT overwrite or delete +
/// recompute) and guarded by the persisted watermarks, so repeating a step, restarting, or several hosts running the
/// aggregator never count a point twice.
class MetricStorage
{
public:
    virtual ~MetricStorage() = default;

    /// What insert() left out because of the series limit.
    struct InsertResult
    {
        std::size_t droppedForSeriesLimit = 0;
        std::string limitedProject; ///< one project that hit the limit (for the warning)
    };

    /// New raw series a project may gain once it has `limit` (0 = no limit); points of further new series are
    /// dropped by insert(). Set before the first insert.
    virtual void setSeriesLimit(std::size_t limit) = 0;
    /// Prepares what insert() needs to tell a new series from a known one (the plugin calls this at start).
    virtual void loadSeriesIndex() = 0;
    /// A predicate polled between the transactions of a chunked delete, so shutdown is not held up.
    virtual void setStopping(std::function<bool()> stopping) = 0;
    /// Creates `minute_watermark`/`hour_watermark` at minute(now)/hour(now) unless they exist.
    virtual void initWatermarks(std::int64_t nowMs) = 0;

    /// Stores accepted points in one transaction: series rows (raw and rollup), raw rows in order, `last_seen`, and
    /// a dirty mark for each point older than the minute watermark. A point that would add a raw series to a project
    /// already holding the series limit is left out and counted. Returns once committed; throws StorageError when
    /// the store cannot take the points now.
    virtual InsertResult insert(const std::vector<MetricPoint>& points) = 0;

    // ---- aggregation (each call is one transaction; a call that finds another host doing the same work does
    // nothing and leaves the watermarks as they are) ----

    /// Folds raw points of [W_m, end) into minute rows (UPSERT) and sets W_m = end. No-op when end ≤ W_m.
    virtual void aggregateMinutes(std::int64_t end) = 0;
    /// Recomputes every dirty minute from raw (delete + insert), marks its hour dirty when already rolled up.
    /// Returns the number of minutes recomputed.
    virtual std::size_t recomputeDirtyMinutes() = 0;
    /// Merges minute rows of the hours in [W_h, end) into hour rows (UPSERT) and sets W_h = end.
    virtual void aggregateHours(std::int64_t end) = 0;
    /// Recomputes every dirty hour from its minute rows. Returns the number of hours recomputed.
    virtual std::size_t recomputeDirtyHours() = 0;

    // ---- retention (transactions of at most 10 000 rows) ----

    virtual std::size_t deleteRawBefore(std::int64_t cutoff) = 0;
    virtual std::size_t deleteRollupsBefore(int resolutionSeconds, std::int64_t cutoff) = 0;
    virtual std::size_t deleteDirtyMinutesBefore(std::int64_t cutoff) = 0;
    /// Series without raw points or rollup rows whose `last_seen` is before `cutoff` (`rawCutoff`: the raw
    /// retention cutoff already applied).
    virtual std::size_t deleteStaleSeries(std::int64_t cutoff, std::int64_t rawCutoff) = 0;
    /// Whether the caller runs the retention due at `nowMs`: true at most once per `intervalMs` across the hosts
    /// sharing the store (always true for a store of one host).
    virtual bool claimRetention(std::int64_t nowMs, std::int64_t intervalMs)
    {
        (void)nowMs;
        (void)intervalMs;
        return true;
    }

    // ---- reads ----

    /// Runs `fn` on one consistent snapshot. `fn` may be run a second time from the start when the connection was
    /// lost underneath it, so it must reset whatever it fills.
    virtual void snapshot(const std::function<void(MetricReader&)>& fn) = 0;
    /// Like snapshot() for a single read (no transaction needed).
    virtual void read(const std::function<void(MetricReader&)>& fn) = 0;

    /// The current watermarks.
    Watermarks watermarks()
    {
        Watermarks w;
        read([&w](MetricReader& r) { w = r.watermarks(); });
        return w;
    }
};

} // namespace MetricsCollector
} // namespace Monlight
