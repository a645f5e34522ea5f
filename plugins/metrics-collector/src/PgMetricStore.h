#pragma once

#include "MetricStorage.h"
#include "Monlight/PgDatabase.h"
#include <memory>

namespace Monlight
{
namespace MetricsCollector
{

/// The metrics collector's store on PostgreSQL (`host.storage = postgresql`), in the schema `metrics_collector`,
/// shared by every host on the database.
///
/// Ingest: each batch is one transaction on a pooled connection (series rows found or created with `ON CONFLICT DO
/// NOTHING` in key order, raw rows as multi-row inserts); it first takes the ingest advisory lock shared, then reads
/// `minute_watermark`.
///
/// Aggregation and retention run on one host at a time: every step is its own transaction that starts with
/// `pg_try_advisory_xact_lock` and does nothing when another host holds it (that host is the leader for the step; the
/// lock goes with its transaction, so a killed leader is replaced at the next tick of any host). A minute step then
/// takes the ingest lock exclusively and locks `minute_watermark` FOR UPDATE, so it and every ingest are ordered: a
/// point committed before the step is folded into its window; a point whose transaction comes after it sees the
/// advanced watermark and marks its minute dirty, and the next step recomputes that minute from raw. Windows close by
/// the database clock (the earlier of the caller's end and minute(now() − grace)), and the watermark only moves forward
/// from its stored value, so no window is folded twice or skipped. Each window step is recorded in `aggregation_runs`.
class PgMetricStore : public MetricStorage
{
public:
    static constexpr const char* SCHEMA = "metrics_collector";

    /// Applies the embedded `sql/postgresql/` migrations (once across hosts) and returns the store. Throws
    /// StartupError 65 for a newer schema or a failed migration.
    static std::unique_ptr<PgMetricStore> open(std::shared_ptr<Pg::PgDatabase> db,
                                               const std::vector<std::string>& migrations,
                                               std::vector<std::string> dropLabels);

    PgMetricStore(std::shared_ptr<Pg::PgDatabase> db, std::vector<std::string> dropLabels);

    /// The series limit is checked against the series stored by every host; two hosts admitting new series of one
    /// project at the same moment may pass it by the size of their batches.
    void setSeriesLimit(std::size_t limit) override { _seriesLimit = limit; }
    void loadSeriesIndex() override {}
    void setStopping(std::function<bool()> stopping) override { _stopping = std::move(stopping); }
    void initWatermarks(std::int64_t nowMs) override;
    InsertResult insert(const std::vector<MetricPoint>& points) override;
    void aggregateMinutes(std::int64_t end) override;
    std::size_t recomputeDirtyMinutes() override;
    void aggregateHours(std::int64_t end) override;
    std::size_t recomputeDirtyHours() override;
    std::size_t deleteRawBefore(std::int64_t cutoff) override;
    std::size_t deleteRollupsBefore(int resolutionSeconds, std::int64_t cutoff) override;
    std::size_t deleteDirtyMinutesBefore(std::int64_t cutoff) override;
    std::size_t deleteStaleSeries(std::int64_t cutoff, std::int64_t rawCutoff) override;
    /// Claimed by moving the stored `retention_next` forward (one row update: one host wins).
    bool claimRetention(std::int64_t nowMs, std::int64_t intervalMs) override;
    void snapshot(const std::function<void(MetricReader&)>& fn) override;
    void read(const std::function<void(MetricReader&)>& fn) override;

private:
    std::size_t deleteChunked(const std::string& sql, std::int64_t cutoff, bool exclusiveWithIngest);

    std::shared_ptr<Pg::PgDatabase> _db;
    std::vector<std::string> _dropLabels;
    std::function<bool()> _stopping;
    std::size_t _seriesLimit = 0;
    std::string _host; ///< node name and process id, recorded in `aggregation_runs`
};

} // namespace MetricsCollector
} // namespace Monlight
