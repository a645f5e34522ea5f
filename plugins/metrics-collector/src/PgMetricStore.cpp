#include "PgMetricStore.h"

#include "MetricAggregator.h"
#include <Poco/Environment.h>
#include <Poco/Process.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <unordered_map>

namespace Monlight
{
namespace MetricsCollector
{

namespace
{

// Every table is named with its schema: the pool is shared by the plugins of the host.
#define MC "metrics_collector."

constexpr std::size_t DELETE_CHUNK = 10000;
constexpr std::size_t ROWS_PER_STATEMENT = 1000; // multi-row statements stay far below 65535 parameters
constexpr int DEADLOCK_RETRIES = 5;

const char* const LEAD = "SELECT pg_try_advisory_xact_lock(hashtext('monlight:metrics-collector:aggregation'))";
// Held shared by every ingest transaction and exclusively by the steps that must not interleave with one (minute
// folds and recomputes, series deletion). A heavyweight lock: a waiting exclusive request queues the shared requests
// that come after it, so a step is not starved by a stream of ingests.
const char* const INGEST_SHARED = "SELECT pg_advisory_xact_lock_shared(hashtext('monlight:metrics-collector:ingest'))";
const char* const INGEST_EXCLUSIVE = "SELECT pg_advisory_xact_lock(hashtext('monlight:metrics-collector:ingest'))";

std::string number(double v)
{
    if (std::isnan(v))
        return "NaN";
    if (std::isinf(v))
        return v > 0 ? "Infinity" : "-Infinity";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

double toDouble(const Pg::Result& r, int row, int col)
{
    return std::strtod(r.text(row, col).c_str(), nullptr); // also reads Infinity, -Infinity, NaN
}

std::string byteaParam(const std::string& bytes)
{
    static const char* hex = "0123456789abcdef";
    std::string out = "\\x";
    out.reserve(2 + bytes.size() * 2);
    for (unsigned char c : bytes)
    {
        out.push_back(hex[c >> 4]);
        out.push_back(hex[c & 15]);
    }
    return out;
}

std::string byteaValue(const std::string& text)
{
    auto nibble = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
    std::string out;
    if (text.size() < 2 || text[0] != '\\' || text[1] != 'x')
        return out;
    out.reserve((text.size() - 2) / 2);
    for (std::size_t i = 2; i + 1 < text.size(); i += 2)
        out.push_back(static_cast<char>((nibble(text[i]) << 4) | nibble(text[i + 1])));
    return out;
}

/// `(…), (…)` with `$n` from `first` on: `rows` groups of `types` (a type per column, empty for untyped text).
std::string valuesList(std::size_t rows, const std::vector<std::string>& types, std::size_t first = 1)
{
    std::string out;
    std::size_t n = first;
    for (std::size_t r = 0; r < rows; ++r)
    {
        out += r ? ", (" : "(";
        for (std::size_t c = 0; c < types.size(); ++c)
        {
            if (c)
                out += ", ";
            if (types[c].rfind("=", 0) == 0) // a constant
                out += types[c].substr(1);
            else
            {
                out += "$" + std::to_string(n++);
                if (!types[c].empty())
                    out += "::" + types[c];
            }
        }
        out += ")";
    }
    return out;
}

bool lead(Pg::Session& s)
{
    return s.exec(LEAD).boolean(0, 0);
}

/// Waits until no ingest is in flight and keeps new ones out until the transaction ends.
void excludeIngest(Pg::Session& s)
{
    s.exec(INGEST_EXCLUSIVE);
}

std::int64_t watermark(Pg::Session& s, const char* key, const char* lock)
{
    Pg::Result r = s.exec(std::string("SELECT value FROM " MC "meta WHERE key = $1") + lock, {key});
    return r.rows() ? r.integer(0, 0) : 0;
}

Aggregate readRollup(const Pg::Result& r, int row, int col)
{
    Aggregate a;
    a.count = r.integer(row, col);
    a.sum = toDouble(r, row, col + 1);
    a.min = toDouble(r, row, col + 2);
    a.max = toDouble(r, row, col + 3);
    a.last = toDouble(r, row, col + 4);
    a.lastTs = r.integer(row, col + 5);
    if (!r.isNull(row, col + 6))
    {
        a.histogram = true;
        a.sketch = PercentileSketch::deserialize(byteaValue(r.text(row, col + 6)));
    }
    return a;
}

using Rows = std::map<std::pair<std::int64_t, std::int64_t>, Aggregate>;

/// Aggregates raw [from, to) into one Aggregate per (rollup series, minute).
Rows foldRaw(Pg::Session& s, std::int64_t from, std::int64_t to)
{
    Rows rows;
    Pg::Result r = s.exec("SELECT r.id, r.ts, r.rollup_id, r.value, s.type = 'histogram' FROM " MC
                          "metrics_raw r JOIN " MC "series s ON s.id = r.rollup_id WHERE r.ts >= $1::bigint AND r.ts < "
                          "$2::bigint ORDER BY r.ts, r.id",
                          {from, to});
    for (int i = 0; i < r.rows(); ++i)
    {
        std::int64_t ts = r.integer(i, 1);
        auto [it, added] = rows.try_emplace({r.integer(i, 2), floorTo(ts, MINUTE_MS)});
        if (added)
            it->second.histogram = r.boolean(i, 4);
        it->second.addPoint(toDouble(r, i, 3), ts, r.integer(i, 0));
    }
    return rows;
}

/// Merges minute rows of [from, to) into one Aggregate per (series, hour).
Rows foldMinutes(Pg::Session& s, std::int64_t from, std::int64_t to)
{
    Rows rows;
    Pg::Result r = s.exec("SELECT series_id, bucket, count, sum, min, max, last, last_ts, sketch FROM " MC
                          "metrics_rollup WHERE resolution = 60 AND bucket >= $1::bigint AND bucket < $2::bigint "
                          "ORDER BY series_id, bucket",
                          {from, to});
    for (int i = 0; i < r.rows(); ++i)
    {
        Aggregate minute = readRollup(r, i, 2);
        auto [it, added] = rows.try_emplace({r.integer(i, 0), floorTo(r.integer(i, 1), HOUR_MS)});
        if (added)
            it->second.histogram = minute.histogram;
        it->second.merge(minute);
    }
    return rows;
}

void upsert(Pg::Session& s, int resolutionSeconds, const Rows& rows)
{
    static const std::vector<std::string> types = {"=" + std::string(), "bigint", "bigint", "bigint",
                                                   "double precision", "double precision", "double precision",
                                                   "double precision", "bigint", "bytea"};
    auto it = rows.begin();
    while (it != rows.end())
    {
        std::vector<Pg::Param> params;
        std::size_t n = 0;
        for (; it != rows.end() && n < ROWS_PER_STATEMENT; ++it, ++n)
        {
            const Aggregate& a = it->second;
            params.emplace_back(it->first.first);
            params.emplace_back(it->first.second);
            params.emplace_back(a.count);
            params.emplace_back(number(a.sum));
            params.emplace_back(number(a.min));
            params.emplace_back(number(a.max));
            params.emplace_back(number(a.last));
            params.emplace_back(a.lastTs);
            if (a.histogram)
                params.emplace_back(byteaParam(a.sketch.serialize()));
            else
                params.emplace_back(nullptr);
        }
        std::vector<std::string> t = types;
        t[0] = "=" + std::to_string(resolutionSeconds);
        s.exec("INSERT INTO " MC "metrics_rollup (resolution, series_id, bucket, count, sum, min, max, last, last_ts, "
               "sketch) VALUES " +
                   valuesList(n, t) +
                   " ON CONFLICT (resolution, series_id, bucket) DO UPDATE SET count = EXCLUDED.count, sum = "
                   "EXCLUDED.sum, min = EXCLUDED.min, max = EXCLUDED.max, last = EXCLUDED.last, last_ts = "
                   "EXCLUDED.last_ts, sketch = EXCLUDED.sketch",
               params);
    }
}

/// A series identity of an ingest batch.
struct SeriesKey
{
    std::string name, type, project, labels;
    int isRollup = 0;
    bool operator<(const SeriesKey& o) const
    {
        return std::tie(name, type, project, labels, isRollup) <
               std::tie(o.name, o.type, o.project, o.labels, o.isRollup);
    }
};

/// Fills `ids[k]` for every stored series among `keys` (indexes `which`).
void findSeries(Pg::Session& s, const std::vector<SeriesKey>& keys, const std::vector<std::size_t>& which,
                std::vector<std::int64_t>& ids)
{
    for (std::size_t start = 0; start < which.size(); start += ROWS_PER_STATEMENT)
    {
        std::size_t n = std::min(ROWS_PER_STATEMENT, which.size() - start);
        std::vector<Pg::Param> params;
        for (std::size_t i = start; i < start + n; ++i)
        {
            const SeriesKey& k = keys[which[i]];
            params.emplace_back(static_cast<std::int64_t>(which[i]));
            params.emplace_back(k.name);
            params.emplace_back(k.type);
            params.emplace_back(k.project);
            params.emplace_back(k.labels);
            params.emplace_back(k.isRollup);
        }
        Pg::Result r = s.exec("SELECT v.k, s.id FROM (VALUES " +
                                  valuesList(n, {"bigint", "text", "text", "text", "text", "integer"}) +
                                  ") v(k, name, type, project, labels, is_rollup) JOIN " MC "series s ON s.name = "
                                  "v.name AND s.type = v.type AND s.project = v.project AND md5(s.labels) = "
                                  "md5(v.labels) AND s.labels = v.labels AND s.is_rollup = v.is_rollup",
                                  params);
        for (int i = 0; i < r.rows(); ++i)
            ids[static_cast<std::size_t>(r.integer(i, 0))] = r.integer(i, 1);
    }
}

bool retryable(const Pg::Error& e)
{
    return e.sqlState() == "40P01" || e.sqlState() == "40001";
}

/// MetricReader over one pooled session.
class PgMetricReader : public MetricReader
{
public:
    explicit PgMetricReader(Pg::Session& s) : _s(s) {}

    Watermarks watermarks() override
    {
        Watermarks w;
        Pg::Result r = _s.exec("SELECT key, value FROM " MC "meta");
        for (int i = 0; i < r.rows(); ++i)
        {
            std::string key = r.text(i, 0);
            if (key == "minute_watermark")
                w.minute = r.integer(i, 1);
            else if (key == "hour_watermark")
                w.hour = r.integer(i, 1);
        }
        return w;
    }

    std::vector<SeriesInfo> rollupSeries(const std::optional<std::string>& name,
                                         const std::optional<std::string>& project,
                                         const std::optional<std::string>& type) override
    {
        Pg::Result r = _s.exec("SELECT id, name, type, project, labels, last_seen FROM " MC "series WHERE "
                               "is_rollup = 1 AND ($1::text IS NULL OR name = $1) AND ($2::text IS NULL OR project = "
                               "$2) AND ($3::text IS NULL OR type = $3) ORDER BY id",
                               {name, project, type});
        std::vector<SeriesInfo> out;
        out.reserve(static_cast<std::size_t>(r.rows()));
        for (int i = 0; i < r.rows(); ++i)
        {
            SeriesInfo info;
            std::string labels;
            r.columns(i, info.id, info.name, info.type, info.project, labels, info.lastSeen);
            info.labels = LabelSet::fromJson(labels);
            out.push_back(std::move(info));
        }
        return out;
    }

    std::optional<std::string> latestType(const std::string& name, const std::optional<std::string>& project) override
    {
        Pg::Result r = _s.exec("SELECT type FROM " MC "series WHERE is_rollup = 1 AND name = $1 AND ($2::text IS NULL "
                               "OR project = $2) ORDER BY last_seen DESC, id DESC LIMIT 1",
                               {name, project});
        if (r.rows() == 0)
            return std::nullopt;
        return r.text(0, 0);
    }

    std::vector<std::string> projects() override
    {
        // byte order, as SQLite answers, whatever the database's collation
        Pg::Result r = _s.exec("SELECT DISTINCT project COLLATE \"C\" AS p FROM " MC "series WHERE is_rollup = 1 AND "
                               "project <> '' ORDER BY p");
        std::vector<std::string> out;
        for (int i = 0; i < r.rows(); ++i)
            out.push_back(r.text(i, 0));
        return out;
    }

    void forEachRollup(int resolutionSeconds, std::int64_t seriesId, std::int64_t from, std::int64_t to,
                       const RollupFn& fn) override
    {
        Pg::Result r = _s.exec("SELECT bucket, count, sum, min, max, last, last_ts, sketch FROM " MC "metrics_rollup "
                               "WHERE resolution = $1::integer AND series_id = $2::bigint AND bucket >= $3::bigint "
                               "AND bucket < $4::bigint ORDER BY bucket",
                               {resolutionSeconds, seriesId, from, to});
        for (int i = 0; i < r.rows(); ++i)
            fn(seriesId, r.integer(i, 0), readRollup(r, i, 1));
    }

    void forEachRollupInRange(int resolutionSeconds, std::int64_t from, std::int64_t to, const RollupFn& fn) override
    {
        Pg::Result r = _s.exec("SELECT series_id, bucket, count, sum, min, max, last, last_ts, sketch FROM " MC
                               "metrics_rollup WHERE resolution = $1::integer AND bucket >= $2::bigint AND bucket < "
                               "$3::bigint ORDER BY bucket, series_id",
                               {resolutionSeconds, from, to});
        for (int i = 0; i < r.rows(); ++i)
            fn(r.integer(i, 0), r.integer(i, 1), readRollup(r, i, 2));
    }

    void forEachRaw(std::int64_t rollupId, std::int64_t from, std::int64_t to, const RawFn& fn) override
    {
        Pg::Result r = _s.exec("SELECT id, ts, value FROM " MC "metrics_raw WHERE rollup_id = $1::bigint AND ts >= "
                               "$2::bigint AND ts < $3::bigint ORDER BY ts, id",
                               {rollupId, from, to});
        for (int i = 0; i < r.rows(); ++i)
            fn(rollupId, r.integer(i, 0), r.integer(i, 1), toDouble(r, i, 2));
    }

    void forEachRawInRange(std::int64_t from, std::int64_t to, const RawFn& fn) override
    {
        Pg::Result r = _s.exec("SELECT rollup_id, id, ts, value FROM " MC "metrics_raw WHERE ts >= $1::bigint AND ts < "
                               "$2::bigint ORDER BY ts, id",
                               {from, to});
        for (int i = 0; i < r.rows(); ++i)
            fn(r.integer(i, 0), r.integer(i, 1), r.integer(i, 2), toDouble(r, i, 3));
    }

    std::int64_t pointsSince(std::int64_t since) override
    {
        Watermarks w = watermarks();
        Pg::Result r = _s.exec("SELECT (SELECT COALESCE(SUM(count), 0) FROM " MC "metrics_rollup WHERE resolution = 60 "
                               "AND bucket >= $1::bigint AND bucket < $2::bigint) + (SELECT COUNT(*) FROM " MC
                               "metrics_raw WHERE ts >= $3::bigint)",
                               {since, w.minute, std::max(since, w.minute)});
        return r.integer(0, 0);
    }

    std::int64_t rawCount() override { return _s.exec("SELECT COUNT(*) FROM " MC "metrics_raw").integer(0, 0); }

private:
    Pg::Session& _s;
};

} // namespace

std::unique_ptr<PgMetricStore> PgMetricStore::open(std::shared_ptr<Pg::PgDatabase> db,
                                                   const std::vector<std::string>& migrations,
                                                   std::vector<std::string> dropLabels)
{
    db->migrate(SCHEMA, migrations, "metrics-collector");
    return std::make_unique<PgMetricStore>(std::move(db), std::move(dropLabels));
}

PgMetricStore::PgMetricStore(std::shared_ptr<Pg::PgDatabase> db, std::vector<std::string> dropLabels)
    : _db(std::move(db)), _dropLabels(std::move(dropLabels)),
      _host(Poco::Environment::nodeName() + ":" + std::to_string(Poco::Process::id()))
{
}

void PgMetricStore::initWatermarks(std::int64_t nowMs)
{
    _db->transaction([&](Pg::Session& s) {
        s.exec("INSERT INTO " MC "meta (key, value) VALUES ('minute_watermark', $1::bigint), ('hour_watermark', "
               "$2::bigint) ON CONFLICT (key) DO NOTHING",
               {floorTo(nowMs, MINUTE_MS), floorTo(nowMs, HOUR_MS)});
    });
}

MetricStorage::InsertResult PgMetricStore::insert(const std::vector<MetricPoint>& points)
{
    InsertResult result;
    if (points.empty())
        return result;
    // The distinct series of the batch in key order (rows are created in that order on every host, so two batches
    // creating the same series never wait for each other crosswise), and each point's (raw, rollup) key index.
    std::vector<SeriesKey> keys;
    std::vector<std::pair<std::size_t, std::size_t>> pointKeys;
    {
        std::map<SeriesKey, std::size_t> index;
        std::vector<std::pair<const SeriesKey*, std::size_t>> pending;
        std::vector<std::pair<SeriesKey, SeriesKey>> perPoint;
        perPoint.reserve(points.size());
        for (const auto& p : points)
        {
            std::string raw = p.labels.toJson();
            std::string rollup = _dropLabels.empty() ? raw : p.labels.without(_dropLabels).toJson();
            perPoint.push_back({SeriesKey{p.name, p.type, p.project, std::move(raw), 0},
                                SeriesKey{p.name, p.type, p.project, std::move(rollup), 1}});
            index.emplace(perPoint.back().first, 0);
            index.emplace(perPoint.back().second, 0);
        }
        for (auto& [key, i] : index)
        {
            i = keys.size();
            keys.push_back(key);
        }
        for (const auto& [raw, rollup] : perPoint)
            pointKeys.emplace_back(index.at(raw), index.at(rollup));
    }

    for (int attempt = 1;; ++attempt)
    {
        try
        {
            _db->transaction([&](Pg::Session& s) {
                result = InsertResult();
                // Ordered against a minute step (which holds the lock exclusively): the watermark is read by a
                // statement after the lock is granted, so it is the one the step committed, if it came first.
                s.exec(INGEST_SHARED);
                std::int64_t wm = watermark(s, "minute_watermark", "");
                std::vector<std::int64_t> ids(keys.size(), 0);
                std::vector<std::size_t> all(keys.size());
                for (std::size_t i = 0; i < all.size(); ++i)
                    all[i] = i;
                findSeries(s, keys, all, ids);

                // The series limit, as the SQLite store applies it, against the raw series of every host.
                std::vector<bool> admitted(points.size(), true);
                if (_seriesLimit > 0)
                {
                    std::vector<std::string> projects;
                    for (std::size_t i = 0; i < keys.size(); ++i)
                        if (!keys[i].isRollup && ids[i] == 0)
                            projects.push_back(keys[i].project);
                    std::sort(projects.begin(), projects.end());
                    projects.erase(std::unique(projects.begin(), projects.end()), projects.end());
                    std::map<std::string, std::size_t> counts;
                    if (!projects.empty())
                    {
                        std::vector<Pg::Param> params(projects.begin(), projects.end());
                        Pg::Result r = s.exec("SELECT v.p, (SELECT count(*) FROM " MC "series WHERE is_rollup = 0 "
                                              "AND project = v.p) FROM (VALUES " +
                                                  valuesList(projects.size(), {"text"}) + ") v(p)",
                                              params);
                        for (int i = 0; i < r.rows(); ++i)
                            counts[r.text(i, 0)] = static_cast<std::size_t>(r.integer(i, 1));
                    }
                    std::vector<bool> known(keys.size());
                    for (std::size_t i = 0; i < keys.size(); ++i)
                        known[i] = ids[i] != 0;
                    for (std::size_t i = 0; i < points.size(); ++i)
                    {
                        std::size_t raw = pointKeys[i].first;
                        if (known[raw])
                            continue;
                        std::size_t& count = counts[points[i].project];
                        if (count >= _seriesLimit)
                        {
                            admitted[i] = false;
                            if (result.droppedForSeriesLimit++ == 0)
                                result.limitedProject = points[i].project;
                            continue;
                        }
                        ++count;
                        known[raw] = true;
                    }
                }

                // Series still missing, in key order.
                std::set<std::size_t> missing;
                for (std::size_t i = 0; i < points.size(); ++i)
                    if (admitted[i])
                        for (std::size_t k : {pointKeys[i].first, pointKeys[i].second})
                            if (ids[k] == 0)
                                missing.insert(k);
                if (!missing.empty())
                {
                    std::vector<std::size_t> which(missing.begin(), missing.end());
                    for (std::size_t start = 0; start < which.size(); start += ROWS_PER_STATEMENT)
                    {
                        std::size_t n = std::min(ROWS_PER_STATEMENT, which.size() - start);
                        std::vector<Pg::Param> params;
                        for (std::size_t i = start; i < start + n; ++i)
                        {
                            const SeriesKey& k = keys[which[i]];
                            params.emplace_back(k.name);
                            params.emplace_back(k.type);
                            params.emplace_back(k.project);
                            params.emplace_back(k.labels);
                            params.emplace_back(k.isRollup);
                        }
                        s.exec("INSERT INTO " MC "series (name, type, project, labels, is_rollup, last_seen) VALUES " +
                                   valuesList(n, {"text", "text", "text", "text", "integer", "=0"}) +
                                   " ON CONFLICT DO NOTHING",
                               params);
                    }
                    findSeries(s, keys, which, ids);
                    for (std::size_t k : which)
                        if (ids[k] == 0)
                            throw Poco::IllegalStateException("series row not found after insert");
                }

                // Raw rows in batch order, dirty marks, last_seen.
                std::set<std::int64_t> dirty;
                std::map<std::int64_t, std::int64_t> newest;
                std::vector<Pg::Param> params;
                std::size_t rows = 0;
                auto flush = [&] {
                    if (rows == 0)
                        return;
                    s.exec("INSERT INTO " MC "metrics_raw (ts, series_id, rollup_id, value) VALUES " +
                               valuesList(rows, {"bigint", "bigint", "bigint", "double precision"}),
                           params);
                    params.clear();
                    rows = 0;
                };
                for (std::size_t i = 0; i < points.size(); ++i)
                {
                    if (!admitted[i])
                        continue;
                    const auto& p = points[i];
                    std::int64_t rawId = ids[pointKeys[i].first];
                    std::int64_t rollupId = ids[pointKeys[i].second];
                    params.emplace_back(p.ts);
                    params.emplace_back(rawId);
                    params.emplace_back(rollupId);
                    params.emplace_back(number(p.value));
                    if (++rows == ROWS_PER_STATEMENT)
                        flush();
                    if (p.ts < wm)
                        dirty.insert(floorTo(p.ts, MINUTE_MS));
                    for (std::int64_t id : {rawId, rollupId})
                    {
                        auto [it, added] = newest.emplace(id, p.ts);
                        if (!added && p.ts > it->second)
                            it->second = p.ts;
                    }
                }
                flush();
                if (!dirty.empty())
                {
                    std::vector<Pg::Param> d(dirty.begin(), dirty.end());
                    s.exec("INSERT INTO " MC "dirty_buckets (resolution, bucket) VALUES " +
                               valuesList(d.size(), {"=60", "bigint"}) + " ON CONFLICT DO NOTHING",
                           d);
                }
                if (!newest.empty())
                {
                    std::vector<Pg::Param> seen;
                    for (const auto& [id, ts] : newest)
                    {
                        seen.emplace_back(id);
                        seen.emplace_back(ts);
                    }
                    s.exec("UPDATE " MC "series s SET last_seen = v.ts FROM (VALUES " +
                               valuesList(newest.size(), {"bigint", "bigint"}) +
                               ") v(id, ts) WHERE s.id = v.id AND s.last_seen < v.ts",
                           seen);
                }
            });
            return result;
        }
        catch (const Pg::Error& e)
        {
            // two hosts updating `last_seen` of the same series in different orders: PostgreSQL cancels one
            if (!retryable(e) || attempt >= DEADLOCK_RETRIES)
                throw;
        }
    }
}

void PgMetricStore::aggregateMinutes(std::int64_t end)
{
    _db->transaction([&](Pg::Session& s) {
        if (!lead(s))
            return;
        excludeIngest(s);
        Pg::Result r = s.exec("SELECT value, (extract(epoch FROM clock_timestamp()) * 1000)::bigint FROM " MC
                              "meta WHERE key = 'minute_watermark' FOR UPDATE");
        if (r.rows() == 0)
            return;
        std::int64_t wm = r.integer(0, 0);
        // windows close by the database's clock, whichever host's clock asked
        std::int64_t to = std::min(end, floorTo(r.integer(0, 1) - MetricAggregator::GRACE_MS, MINUTE_MS));
        if (to <= wm)
            return;
        upsert(s, 60, foldRaw(s, wm, to));
        s.exec("UPDATE " MC "meta SET value = $1::bigint WHERE key = 'minute_watermark'", {to});
        s.exec("INSERT INTO " MC "aggregation_runs (resolution, from_ms, to_ms, host, at_ms) VALUES (60, $1::bigint, "
               "$2::bigint, $3, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)",
               {wm, to, _host});
    });
}

std::size_t PgMetricStore::recomputeDirtyMinutes()
{
    return _db->transactionResult<std::size_t>([&](Pg::Session& s) -> std::size_t {
        if (!lead(s))
            return 0;
        excludeIngest(s);
        std::int64_t wm = watermark(s, "minute_watermark", " FOR UPDATE");
        std::int64_t wh = watermark(s, "hour_watermark", "");
        Pg::Result list = s.exec("SELECT bucket FROM " MC "dirty_buckets WHERE resolution = 60 ORDER BY bucket");
        std::size_t done = 0;
        std::set<std::int64_t> hours;
        for (int i = 0; i < list.rows(); ++i)
        {
            std::int64_t d = list.integer(i, 0);
            if (d < wm) // a minute at or after W_m is folded by the next regular step
            {
                s.exec("DELETE FROM " MC "metrics_rollup WHERE resolution = 60 AND bucket = $1::bigint", {d});
                upsert(s, 60, foldRaw(s, d, d + MINUTE_MS));
                ++done;
                if (floorTo(d, HOUR_MS) < wh)
                    hours.insert(floorTo(d, HOUR_MS));
            }
            s.exec("DELETE FROM " MC "dirty_buckets WHERE resolution = 60 AND bucket = $1::bigint", {d});
        }
        for (std::int64_t h : hours)
            s.exec("INSERT INTO " MC "dirty_buckets (resolution, bucket) VALUES (3600, $1::bigint) ON CONFLICT DO "
                   "NOTHING",
                   {h});
        return done;
    });
}

void PgMetricStore::aggregateHours(std::int64_t end)
{
    _db->transaction([&](Pg::Session& s) {
        if (!lead(s))
            return;
        std::int64_t wh = watermark(s, "hour_watermark", " FOR UPDATE");
        if (end <= wh)
            return;
        upsert(s, 3600, foldMinutes(s, wh, end));
        s.exec("UPDATE " MC "meta SET value = $1::bigint WHERE key = 'hour_watermark'", {end});
        s.exec("INSERT INTO " MC "aggregation_runs (resolution, from_ms, to_ms, host, at_ms) VALUES (3600, "
               "$1::bigint, $2::bigint, $3, (extract(epoch FROM clock_timestamp()) * 1000)::bigint)",
               {wh, end, _host});
    });
}

std::size_t PgMetricStore::recomputeDirtyHours()
{
    return _db->transactionResult<std::size_t>([&](Pg::Session& s) -> std::size_t {
        if (!lead(s))
            return 0;
        Pg::Result list = s.exec("SELECT bucket FROM " MC "dirty_buckets WHERE resolution = 3600 ORDER BY bucket");
        for (int i = 0; i < list.rows(); ++i)
        {
            std::int64_t h = list.integer(i, 0);
            s.exec("DELETE FROM " MC "metrics_rollup WHERE resolution = 3600 AND bucket = $1::bigint", {h});
            upsert(s, 3600, foldMinutes(s, h, h + HOUR_MS));
            s.exec("DELETE FROM " MC "dirty_buckets WHERE resolution = 3600 AND bucket = $1::bigint", {h});
        }
        return static_cast<std::size_t>(list.rows());
    });
}

std::size_t PgMetricStore::deleteChunked(const std::string& sql, std::int64_t cutoff, bool exclusiveWithIngest)
{
    std::size_t total = 0;
    for (;;)
    {
        std::int64_t changed = -1;
        _db->transaction([&](Pg::Session& s) {
            changed = -1;
            if (!lead(s))
                return;
            if (exclusiveWithIngest)
                excludeIngest(s);
            changed = s.exec(sql, {cutoff, static_cast<std::int64_t>(DELETE_CHUNK)}).affected();
        });
        if (changed < 0) // another host is aggregating or pruning; it or a later tick finishes the job
            return total;
        total += static_cast<std::size_t>(changed);
        if (static_cast<std::size_t>(changed) < DELETE_CHUNK || (_stopping && _stopping()))
            return total;
    }
}

std::size_t PgMetricStore::deleteRawBefore(std::int64_t cutoff)
{
    return deleteChunked("DELETE FROM " MC "metrics_raw WHERE id IN (SELECT id FROM " MC "metrics_raw WHERE ts < "
                         "$1::bigint LIMIT $2::bigint)",
                         cutoff, false);
}

std::size_t PgMetricStore::deleteRollupsBefore(int resolutionSeconds, std::int64_t cutoff)
{
    std::string res = resolutionSeconds == 60 ? "60" : "3600";
    std::size_t n = deleteChunked("DELETE FROM " MC "metrics_rollup WHERE (resolution, series_id, bucket) IN (SELECT "
                                  "resolution, series_id, bucket FROM " MC "metrics_rollup WHERE resolution = " +
                                      res + " AND bucket < $1::bigint LIMIT $2::bigint)",
                                  cutoff, false);
    deleteChunked("DELETE FROM " MC "aggregation_runs WHERE id IN (SELECT id FROM " MC "aggregation_runs WHERE "
                  "resolution = " +
                      res + " AND to_ms < $1::bigint LIMIT $2::bigint)",
                  cutoff, false);
    return n;
}

std::size_t PgMetricStore::deleteDirtyMinutesBefore(std::int64_t cutoff)
{
    return deleteChunked("DELETE FROM " MC "dirty_buckets WHERE (resolution, bucket) IN (SELECT resolution, bucket "
                         "FROM " MC "dirty_buckets WHERE resolution = 60 AND bucket < $1::bigint LIMIT $2::bigint)",
                         cutoff, false);
}

std::size_t PgMetricStore::deleteStaleSeries(std::int64_t cutoff, std::int64_t rawCutoff)
{
    // Exclusive with ingest: a batch never refers to a series deleted under it.
    std::size_t total = 0;
    for (;;)
    {
        std::int64_t changed = -1;
        _db->transaction([&](Pg::Session& s) {
            changed = -1;
            if (!lead(s))
                return;
            excludeIngest(s);
            changed = s.exec("DELETE FROM " MC "series WHERE id IN (SELECT id FROM " MC "series s WHERE s.last_seen < "
                             "$1::bigint AND ((s.is_rollup = 0 AND s.last_seen < $2::bigint) OR (s.is_rollup = 1 AND "
                             "NOT EXISTS (SELECT 1 FROM " MC "metrics_raw r WHERE r.rollup_id = s.id) AND NOT EXISTS "
                             "(SELECT 1 FROM " MC "metrics_rollup m WHERE m.resolution IN (60, 3600) AND m.series_id "
                             "= s.id))) LIMIT $3::bigint)",
                             {cutoff, rawCutoff, static_cast<std::int64_t>(DELETE_CHUNK)})
                          .affected();
        });
        if (changed < 0)
            return total;
        total += static_cast<std::size_t>(changed);
        if (static_cast<std::size_t>(changed) < DELETE_CHUNK || (_stopping && _stopping()))
            return total;
    }
}

bool PgMetricStore::claimRetention(std::int64_t nowMs, std::int64_t intervalMs)
{
    return _db->transactionResult<bool>([&](Pg::Session& s) {
        return s.exec("INSERT INTO " MC "meta (key, value) VALUES ('retention_next', $1::bigint + $2::bigint) ON "
                      "CONFLICT (key) DO UPDATE SET value = EXCLUDED.value WHERE " MC "meta.value <= $1::bigint "
                      "RETURNING 1",
                      {nowMs, intervalMs})
                   .rows() == 1;
    });
}

void PgMetricStore::snapshot(const std::function<void(MetricReader&)>& fn)
{
    _db->transaction([&](Pg::Session& s) {
        s.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
        PgMetricReader r(s);
        fn(r);
    });
}

void PgMetricStore::read(const std::function<void(MetricReader&)>& fn)
{
    _db->read([&](Pg::Session& s) {
        PgMetricReader r(s);
        fn(r);
    });
}

} // namespace MetricsCollector
} // namespace Monlight
