#include "MetricStore.h"
#include <Poco/NumberParser.h>
#include <algorithm>

namespace Monlight
{
namespace MetricsCollector
{

namespace
{
constexpr std::size_t DELETE_CHUNK = 10000;
} // namespace

struct MetricStore::Pending
{
    std::unordered_map<std::string, std::int64_t> created;
};

MetricStore::MetricStore(std::shared_ptr<Database> db, std::vector<std::string> dropLabels)
    : _db(std::move(db)), _dropLabels(std::move(dropLabels))
{
}

std::int64_t MetricStore::readMeta(Sql::Connection& c, const std::string& key)
{
    auto s = c.cached("SELECT value FROM _meta WHERE key = ?");
    s.bind(1, key);
    std::int64_t v = 0;
    if (s.step())
        v = Poco::NumberParser::parse64(s.getText(0));
    return v;
}

void MetricStore::writeMeta(Sql::Connection& c, const std::string& key, std::int64_t value)
{
    auto s = c.cached("INSERT INTO _meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = "
                      "excluded.value");
    s.bind(1, key).bind(2, std::to_string(value)).run();
}

void MetricStore::initWatermarks(std::int64_t nowMs)
{
    _db->write([&](WriteTx& tx) {
        auto s = tx.db().cached("INSERT OR IGNORE INTO _meta(key, value) VALUES (?, ?)");
        s.bind(1, "minute_watermark").bind(2, std::to_string(floorTo(nowMs, MINUTE_MS))).run();
        s.reset();
        s.bind(1, "hour_watermark").bind(2, std::to_string(floorTo(nowMs, HOUR_MS))).run();
    });
}

std::int64_t MetricStore::seriesId(Sql::Connection& c, Pending& pending, const std::string& name,
                                   const std::string& type, const std::string& project, const std::string& labels,
                                   int isRollup)
{
    std::string key;
    key.reserve(name.size() + project.size() + labels.size() + 16);
    key.append(name).push_back('\0');
    key.append(type).push_back('\0');
    key.append(project).push_back('\0');
    key.append(labels).push_back('\0');
    key.push_back(static_cast<char>('0' + isRollup));
    {
        std::lock_guard<std::mutex> lock(_cacheMutex);
        auto it = _seriesCache.find(key);
        if (it != _seriesCache.end())
            return it->second;
    }
    auto found = pending.created.find(key);
    if (found != pending.created.end())
        return found->second;
    auto sel = c.cached("SELECT id FROM series WHERE name = ? AND type = ? AND project = ? AND labels = ? AND "
                        "is_rollup = ?");
    sel.bind(1, name).bind(2, type).bind(3, project).bind(4, labels).bind(5, isRollup);
    std::int64_t id = 0;
    if (sel.step())
        id = sel.getInt(0);
    if (id == 0)
    {
        auto ins = c.cached("INSERT INTO series(name, type, project, labels, is_rollup, last_seen) VALUES "
                            "(?, ?, ?, ?, ?, 0)");
        ins.bind(1, name).bind(2, type).bind(3, project).bind(4, labels).bind(5, isRollup).run();
        id = c.lastInsertId();
    }
    pending.created.emplace(std::move(key), id);
    return id;
}

namespace
{
std::string seriesIndexKey(const std::string& name, const std::string& type, const std::string& labels)
{
    std::string key;
    key.reserve(name.size() + type.size() + labels.size() + 2);
    key.append(name).push_back('\0');
    key.append(type).push_back('\0');
    key.append(labels);
    return key;
}

// Takes back the series keys a write added when its savepoint rolls back (the rows were never stored).
class SeriesIndexUndo
{
public:
    ~SeriesIndexUndo()
    {
        if (!_kept)
            for (auto& [set, key] : _added)
                set->erase(key);
    }
    void added(std::unordered_set<std::string>& set, const std::string& key) { _added.emplace_back(&set, key); }
    void keep() { _kept = true; }

private:
    std::vector<std::pair<std::unordered_set<std::string>*, std::string>> _added;
    bool _kept = false;
};
} // namespace

void MetricStore::loadSeriesIndex()
{
    _db->write([&](WriteTx& tx) { loadSeriesIndex(tx.db()); });
}

void MetricStore::loadSeriesIndex(Sql::Connection& c)
{
    _knownSeries.clear();
    auto s = c.cached("SELECT name, type, project, labels FROM series WHERE is_rollup = 0");
    while (s.step())
        _knownSeries[s.getText(2)].insert(seriesIndexKey(s.getText(0), s.getText(1), s.getText(3)));
    _knownSeriesLoaded = true;
}

MetricStore::InsertResult MetricStore::insert(const std::vector<MetricPoint>& points)
{
    InsertResult result;
    if (points.empty())
        return result;
    // Canonical JSON is computed before entering the writer so the writer thread only does SQL.
    std::vector<std::pair<std::string, std::string>> labelJson;
    labelJson.reserve(points.size());
    for (const auto& p : points)
    {
        std::string raw = p.labels.toJson();
        std::string rollup = _dropLabels.empty() ? raw : p.labels.without(_dropLabels).toJson();
        labelJson.emplace_back(std::move(raw), std::move(rollup));
    }
    _db->write([&](WriteTx& tx) {
        auto& c = tx.db();
        auto pending = std::make_shared<Pending>();
        if (_seriesLimit > 0 && !_knownSeriesLoaded)
            loadSeriesIndex(c);
        SeriesIndexUndo undo;
        result = InsertResult();
        std::int64_t wm = readMeta(c, "minute_watermark");
        std::unordered_map<std::int64_t, std::int64_t> newest;
        auto ins = c.cached("INSERT INTO metrics_raw(ts, series_id, rollup_id, value) VALUES (?, ?, ?, ?)");
        auto dirty = c.cached("INSERT OR IGNORE INTO dirty_buckets(resolution, bucket) VALUES (60, ?)");
        for (std::size_t i = 0; i < points.size(); ++i)
        {
            const auto& p = points[i];
            if (_seriesLimit > 0)
            {
                auto& known = _knownSeries[p.project];
                std::string key = seriesIndexKey(p.name, p.type, labelJson[i].first);
                if (known.find(key) == known.end())
                {
                    if (known.size() >= _seriesLimit)
                    {
                        if (result.droppedForSeriesLimit++ == 0)
                            result.limitedProject = p.project;
                        continue;
                    }
                    auto added = known.insert(std::move(key)).first;
                    undo.added(known, *added);
                }
            }
            std::int64_t rawId = seriesId(c, *pending, p.name, p.type, p.project, labelJson[i].first, 0);
            std::int64_t rollupId = seriesId(c, *pending, p.name, p.type, p.project, labelJson[i].second, 1);
            ins.bind(1, p.ts).bind(2, rawId).bind(3, rollupId).bind(4, p.value).run();
            ins.reset();
            if (p.ts < wm)
            {
                dirty.bind(1, floorTo(p.ts, MINUTE_MS)).run();
                dirty.reset();
            }
            for (std::int64_t id : {rawId, rollupId})
            {
                auto [it, added] = newest.emplace(id, p.ts);
                if (!added && p.ts > it->second)
                    it->second = p.ts;
            }
        }
        auto seen = c.cached("UPDATE series SET last_seen = ? WHERE id = ? AND last_seen < ?");
        for (const auto& [id, ts] : newest)
        {
            seen.bind(1, ts).bind(2, id).bind(3, ts).run();
            seen.reset();
        }
        if (!pending->created.empty())
            tx.afterCommit([this, pending] {
                std::lock_guard<std::mutex> lock(_cacheMutex);
                for (auto& [key, id] : pending->created)
                    _seriesCache.emplace(key, id);
            });
        undo.keep();
    });
    return result;
}

Aggregate MetricStore::readRollup(Sql::Statement& s, int col)
{
    Aggregate a;
    a.count = s.getInt(col);
    a.sum = s.getDouble(col + 1);
    a.min = s.getDouble(col + 2);
    a.max = s.getDouble(col + 3);
    a.last = s.getDouble(col + 4);
    a.lastTs = s.getInt(col + 5);
    if (!s.isNull(col + 6))
    {
        a.histogram = true;
        a.sketch = PercentileSketch::deserialize(s.getBlob(col + 6));
    }
    return a;
}

std::map<std::pair<std::int64_t, std::int64_t>, Aggregate>
MetricStore::foldRaw(Sql::Connection& c, std::int64_t from, std::int64_t to)
{
    std::map<std::pair<std::int64_t, std::int64_t>, Aggregate> rows;
    std::unordered_map<std::int64_t, bool> isHistogram;
    auto type = c.cached("SELECT type FROM series WHERE id = ?");
    auto s = c.cached("SELECT id, ts, rollup_id, value FROM metrics_raw WHERE ts >= ? AND ts < ? ORDER BY ts, id");
    s.bind(1, from).bind(2, to);
    while (s.step())
    {
        std::int64_t rollupId = s.getInt(2);
        auto h = isHistogram.find(rollupId);
        if (h == isHistogram.end())
        {
            type.bind(1, rollupId);
            bool hist = type.step() && type.getText(0) == "histogram";
            type.reset();
            h = isHistogram.emplace(rollupId, hist).first;
        }
        std::int64_t ts = s.getInt(1);
        auto [it, added] = rows.try_emplace({rollupId, floorTo(ts, MINUTE_MS)});
        if (added)
            it->second.histogram = h->second;
        it->second.addPoint(s.getDouble(3), ts, s.getInt(0));
    }
    return rows;
}

std::map<std::pair<std::int64_t, std::int64_t>, Aggregate>
MetricStore::foldMinutes(Sql::Connection& c, std::int64_t from, std::int64_t to)
{
    std::map<std::pair<std::int64_t, std::int64_t>, Aggregate> rows;
    auto s = c.cached("SELECT series_id, bucket, count, sum, min, max, last, last_ts, sketch FROM metrics_rollup "
                      "WHERE resolution = 60 AND bucket >= ? AND bucket < ? ORDER BY series_id, bucket");
    s.bind(1, from).bind(2, to);
    while (s.step())
    {
        Aggregate minute = readRollup(s, 2);
        auto [it, added] = rows.try_emplace({s.getInt(0), floorTo(s.getInt(1), HOUR_MS)});
        if (added)
            it->second.histogram = minute.histogram;
        it->second.merge(minute);
    }
    return rows;
}

void MetricStore::upsert(Sql::Connection& c, int resolutionSeconds,
                         const std::map<std::pair<std::int64_t, std::int64_t>, Aggregate>& rows)
{
    auto s = c.cached("INSERT INTO metrics_rollup(resolution, series_id, bucket, count, sum, min, max, last, "
                      "last_ts, sketch) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(resolution, series_id, "
                      "bucket) DO UPDATE SET count = excluded.count, sum = excluded.sum, min = excluded.min, "
                      "max = excluded.max, last = excluded.last, last_ts = excluded.last_ts, sketch = "
                      "excluded.sketch");
    for (const auto& [key, a] : rows)
    {
        s.bind(1, resolutionSeconds).bind(2, key.first).bind(3, key.second).bind(4, a.count).bind(5, a.sum);
        s.bind(6, a.min).bind(7, a.max).bind(8, a.last).bind(9, a.lastTs);
        if (a.histogram)
        {
            std::string blob = a.sketch.serialize();
            s.bindBlob(10, blob.data(), blob.size());
            s.run();
        }
        else
        {
            s.bind(10, nullptr);
            s.run();
        }
        s.reset();
    }
}

void MetricStore::aggregateMinutes(std::int64_t end)
{
    _db->write([&](WriteTx& tx) {
        auto& c = tx.db();
        std::int64_t wm = readMeta(c, "minute_watermark");
        if (end <= wm)
            return;
        upsert(c, 60, foldRaw(c, wm, end));
        writeMeta(c, "minute_watermark", end);
    });
}

std::size_t MetricStore::recomputeDirtyMinutes()
{
    std::size_t done = 0;
    _db->write([&](WriteTx& tx) {
        auto& c = tx.db();
        std::int64_t wm = readMeta(c, "minute_watermark");
        std::int64_t wh = readMeta(c, "hour_watermark");
        std::vector<std::int64_t> minutes;
        auto list = c.cached("SELECT bucket FROM dirty_buckets WHERE resolution = 60 ORDER BY bucket");
        while (list.step())
            minutes.push_back(list.getInt(0));
        auto del = c.cached("DELETE FROM metrics_rollup WHERE resolution = 60 AND bucket = ?");
        auto clean = c.cached("DELETE FROM dirty_buckets WHERE resolution = 60 AND bucket = ?");
        auto markHour = c.cached("INSERT OR IGNORE INTO dirty_buckets(resolution, bucket) VALUES (3600, ?)");
        for (std::int64_t d : minutes)
        {
            if (d < wm) // a minute at or after W_m is folded by the next regular step
            {
                del.bind(1, d).run();
                del.reset();
                upsert(c, 60, foldRaw(c, d, d + MINUTE_MS));
                ++done;
                if (floorTo(d, HOUR_MS) < wh)
                {
                    markHour.bind(1, floorTo(d, HOUR_MS)).run();
                    markHour.reset();
                }
            }
            clean.bind(1, d).run();
            clean.reset();
        }
    });
    return done;
}

void MetricStore::aggregateHours(std::int64_t end)
{
    _db->write([&](WriteTx& tx) {
        auto& c = tx.db();
        std::int64_t wh = readMeta(c, "hour_watermark");
        if (end <= wh)
            return;
        upsert(c, 3600, foldMinutes(c, wh, end));
        writeMeta(c, "hour_watermark", end);
    });
}

std::size_t MetricStore::recomputeDirtyHours()
{
    std::size_t done = 0;
    _db->write([&](WriteTx& tx) {
        auto& c = tx.db();
        std::vector<std::int64_t> hours;
        auto list = c.cached("SELECT bucket FROM dirty_buckets WHERE resolution = 3600 ORDER BY bucket");
        while (list.step())
            hours.push_back(list.getInt(0));
        auto del = c.cached("DELETE FROM metrics_rollup WHERE resolution = 3600 AND bucket = ?");
        auto clean = c.cached("DELETE FROM dirty_buckets WHERE resolution = 3600 AND bucket = ?");
        for (std::int64_t h : hours)
        {
            del.bind(1, h).run();
            del.reset();
            upsert(c, 3600, foldMinutes(c, h, h + HOUR_MS));
            clean.bind(1, h).run();
            clean.reset();
            ++done;
        }
    });
    return done;
}

std::size_t MetricStore::deleteChunked(const std::string& sql, std::int64_t cutoff)
{
    std::size_t total = 0;
    for (;;)
    {
        int changed = 0;
        _db->write([&](WriteTx& tx) {
            auto s = tx.db().cached(sql);
            s.bind(1, cutoff).bind(2, static_cast<std::int64_t>(DELETE_CHUNK));
            changed = s.run();
        });
        total += static_cast<std::size_t>(changed);
        if (static_cast<std::size_t>(changed) < DELETE_CHUNK || (_stopping && _stopping()))
            return total;
    }
}

std::size_t MetricStore::deleteRawBefore(std::int64_t cutoff)
{
    return deleteChunked("DELETE FROM metrics_raw WHERE id IN (SELECT id FROM metrics_raw WHERE ts < ? LIMIT ?)",
                         cutoff);
}

std::size_t MetricStore::deleteRollupsBefore(int resolutionSeconds, std::int64_t cutoff)
{
    if (resolutionSeconds == 60)
        return deleteChunked("DELETE FROM metrics_rollup WHERE (resolution, series_id, bucket) IN (SELECT "
                             "resolution, series_id, bucket FROM metrics_rollup WHERE resolution = 60 AND bucket "
                             "< ? LIMIT ?)",
                             cutoff);
    return deleteChunked("DELETE FROM metrics_rollup WHERE (resolution, series_id, bucket) IN (SELECT resolution, "
                         "series_id, bucket FROM metrics_rollup WHERE resolution = 3600 AND bucket < ? LIMIT ?)",
                         cutoff);
}

std::size_t MetricStore::deleteDirtyMinutesBefore(std::int64_t cutoff)
{
    return deleteChunked("DELETE FROM dirty_buckets WHERE (resolution, bucket) IN (SELECT resolution, bucket FROM "
                         "dirty_buckets WHERE resolution = 60 AND bucket < ? LIMIT ?)",
                         cutoff);
}

std::size_t MetricStore::deleteStaleSeries(std::int64_t cutoff, std::int64_t rawCutoff)
{
    // A raw series seen last before the raw cutoff has no raw rows left (retention deleted them first), so
    // only rollup series need the index-backed existence checks.
    std::size_t total = 0;
    for (;;)
    {
        int changed = 0;
        _db->write([&](WriteTx& tx) {
            auto s = tx.db().cached(
                "DELETE FROM series WHERE id IN (SELECT id FROM series s WHERE s.last_seen < ?1 AND ((s.is_rollup "
                "= 0 AND s.last_seen < ?2) OR (s.is_rollup = 1 AND NOT EXISTS (SELECT 1 FROM metrics_raw r WHERE "
                "r.rollup_id = s.id) AND NOT EXISTS (SELECT 1 FROM metrics_rollup m WHERE m.resolution IN (60, "
                "3600) AND m.series_id = s.id))) LIMIT ?3)");
            s.bind(1, cutoff).bind(2, rawCutoff).bind(3, static_cast<std::int64_t>(DELETE_CHUNK));
            changed = s.run();
            if (changed > 0)
            {
                // Ids of deleted series must never come from the cache again; it refills on the next ingest.
                std::lock_guard<std::mutex> lock(_cacheMutex);
                _seriesCache.clear();
                _knownSeriesLoaded = false; // the deleted series no longer count against the limit
            }
        });
        total += static_cast<std::size_t>(changed);
        if (static_cast<std::size_t>(changed) < DELETE_CHUNK || (_stopping && _stopping()))
            return total;
    }
}

Watermarks MetricStore::watermarks(Sql::Connection& c)
{
    Watermarks w;
    w.minute = readMeta(c, "minute_watermark");
    w.hour = readMeta(c, "hour_watermark");
    return w;
}

std::vector<SeriesInfo> MetricStore::rollupSeries(Sql::Connection& c, const std::optional<std::string>& name,
                                                  const std::optional<std::string>& project,
                                                  const std::optional<std::string>& type)
{
    auto s = name ? c.cached("SELECT id, name, type, project, labels, last_seen FROM series WHERE is_rollup = 1 "
                             "AND name = ?1 AND (?2 IS NULL OR project = ?2) AND (?3 IS NULL OR type = ?3) "
                             "ORDER BY id")
                   : c.cached("SELECT id, name, type, project, labels, last_seen FROM series WHERE is_rollup = 1 "
                              "AND (?2 IS NULL OR project = ?2) AND (?3 IS NULL OR type = ?3) ORDER BY id");
    if (name)
        s.bind(1, *name);
    s.bind(2, project).bind(3, type);
    std::vector<SeriesInfo> out;
    while (s.step())
    {
        SeriesInfo info;
        std::string labels;
        s.columns(info.id, info.name, info.type, info.project, labels, info.lastSeen);
        info.labels = LabelSet::fromJson(labels);
        out.push_back(std::move(info));
    }
    return out;
}

std::optional<std::string> MetricStore::latestType(Sql::Connection& c, const std::string& name,
                                                   const std::optional<std::string>& project)
{
    auto s = c.cached("SELECT type FROM series WHERE is_rollup = 1 AND name = ?1 AND (?2 IS NULL OR project = ?2) "
                      "ORDER BY last_seen DESC, id DESC LIMIT 1");
    s.bind(1, name).bind(2, project);
    std::optional<std::string> out;
    if (s.step())
        out = s.getText(0);
    return out;
}

std::vector<std::string> MetricStore::projects(Sql::Connection& c)
{
    auto s = c.cached("SELECT DISTINCT project FROM series WHERE is_rollup = 1 AND project <> '' ORDER BY project");
    std::vector<std::string> out;
    while (s.step())
        out.push_back(s.getText(0));
    return out;
}

void MetricStore::forEachRollup(Sql::Connection& c, int resolutionSeconds, std::int64_t seriesId, std::int64_t from,
                                std::int64_t to, const RollupFn& fn)
{
    auto s = c.cached("SELECT bucket, count, sum, min, max, last, last_ts, sketch FROM metrics_rollup WHERE "
                      "resolution = ? AND series_id = ? AND bucket >= ? AND bucket < ? ORDER BY bucket");
    s.bind(1, resolutionSeconds).bind(2, seriesId).bind(3, from).bind(4, to);
    while (s.step())
        fn(seriesId, s.getInt(0), readRollup(s, 1));
}

void MetricStore::forEachRollupInRange(Sql::Connection& c, int resolutionSeconds, std::int64_t from,
                                       std::int64_t to, const RollupFn& fn)
{
    auto s = c.cached("SELECT series_id, bucket, count, sum, min, max, last, last_ts, sketch FROM metrics_rollup "
                      "WHERE resolution = ? AND bucket >= ? AND bucket < ? ORDER BY bucket, series_id");
    s.bind(1, resolutionSeconds).bind(2, from).bind(3, to);
    while (s.step())
        fn(s.getInt(0), s.getInt(1), readRollup(s, 2));
}

void MetricStore::forEachRaw(Sql::Connection& c, std::int64_t rollupId, std::int64_t from, std::int64_t to,
                             const RawFn& fn)
{
    auto s = c.cached("SELECT id, ts, value FROM metrics_raw WHERE rollup_id = ? AND ts >= ? AND ts < ? ORDER BY "
                      "ts, id");
    s.bind(1, rollupId).bind(2, from).bind(3, to);
    while (s.step())
        fn(rollupId, s.getInt(0), s.getInt(1), s.getDouble(2));
}

void MetricStore::forEachRawInRange(Sql::Connection& c, std::int64_t from, std::int64_t to, const RawFn& fn)
{
    auto s = c.cached("SELECT rollup_id, id, ts, value FROM metrics_raw WHERE ts >= ? AND ts < ? ORDER BY ts, id");
    s.bind(1, from).bind(2, to);
    while (s.step())
        fn(s.getInt(0), s.getInt(1), s.getInt(2), s.getDouble(3));
}

std::int64_t MetricStore::pointsSince(Sql::Connection& c, std::int64_t since)
{
    Watermarks w = watermarks(c);
    auto rolled = c.cached("SELECT COALESCE(SUM(count), 0) FROM metrics_rollup WHERE resolution = 60 AND bucket >= "
                           "? AND bucket < ?");
    rolled.bind(1, since).bind(2, w.minute);
    std::int64_t total = rolled.step() ? rolled.getInt(0) : 0;
    auto raw = c.cached("SELECT COUNT(*) FROM metrics_raw WHERE ts >= ?");
    raw.bind(1, std::max(since, w.minute));
    total += raw.step() ? raw.getInt(0) : 0;
    return total;
}

std::int64_t MetricStore::rawCount(Sql::Connection& c)
{
    return c.queryInt("SELECT COUNT(*) FROM metrics_raw");
}

} // namespace MetricsCollector
} // namespace Monlight
