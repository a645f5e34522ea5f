#include "MetricQueries.h"
#include "QueryOutput.h"
#include "Monlight/Config.h"
#include "Monlight/HttpError.h"
#include "Monlight/Json.h"
#include "Monlight/Time.h"
#include <Poco/String.h>
#include <algorithm>
#include <array>
#include <cmath>
#include <set>

namespace Monlight
{
namespace MetricsCollector
{

namespace
{

constexpr std::int64_t DAY_MS = 24 * HOUR_MS;
constexpr std::size_t PER_SERIES_LIMIT = 64; // above this many series one range scan is cheaper

std::optional<std::string> typeParam(const QueryParams& q)
{
    auto type = q.get("type");
    if (type && *type != "counter" && *type != "histogram" && *type != "gauge")
        invalidParameter("type");
    return type;
}

std::vector<std::pair<std::string, std::string>> labelFilter(const QueryParams& q)
{
    std::vector<std::pair<std::string, std::string>> out;
    auto raw = q.get("labels");
    if (!raw)
        return out;
    for (const auto& pair : ConfigValue::splitList(*raw))
    {
        auto colon = pair.find(':');
        if (colon == std::string::npos || colon == 0)
            invalidParameter("labels");
        out.emplace_back(pair.substr(0, colon), pair.substr(colon + 1));
    }
    return out;
}

void writeBucket(Json::Writer& w, std::int64_t bucket, const Aggregate& a, std::int64_t resolutionMs,
                 std::int64_t now)
{
    w.beginObject();
    w.field("bucket", Time::formatSeconds(bucket));
    w.field("count", a.count);
    w.key("sum");
    writeNumberOrNull(w, a.sum);
    w.key("min");
    writeNumberOrNull(w, a.min);
    w.key("max");
    writeNumberOrNull(w, a.max);
    w.key("avg");
    writeNumberOrNull(w, a.avg());
    w.key("last");
    writeNumberOrNull(w, a.last);
    for (auto [key, q] : {std::pair<const char*, double>{"p50", 0.50}, {"p95", 0.95}, {"p99", 0.99}})
    {
        w.key(key);
        writeNumberOrNull(w, a.quantile(q));
    }
    w.field("partial", bucket + resolutionMs > now);
    w.endObject();
}

/// The time range of a query: `from`/`to` floored to the resolution, `end` exclusive.
struct Range
{
    std::int64_t start = 0; ///< since or now − period, unfloored
    std::int64_t until = 0;
    std::optional<std::string> period;
};

Range parseRange(const QueryParams& q, std::int64_t now)
{
    Range r;
    r.until = now;
    if (auto until = q.get("until"))
    {
        auto t = Time::parseQueryTimestamp(*until, now);
        if (!t)
            invalidParameter("until");
        r.until = *t;
    }
    if (auto since = q.get("since"))
    {
        auto t = Time::parseQueryTimestamp(*since, now);
        if (!t)
            invalidParameter("since");
        r.start = *t;
        // `since` replaces `period`, which is still checked when given.
        if (auto period = q.get("period"); period && !MetricQueries::parsePeriod(*period))
            invalidParameter("period");
    }
    else
    {
        std::string period = q.get("period").value_or("24h");
        auto span = MetricQueries::parsePeriod(period);
        if (!span)
            invalidParameter("period");
        r.start = now - *span;
        r.period = period;
    }
    return r;
}

} // namespace

std::optional<std::int64_t> MetricQueries::parsePeriod(const std::string& text)
{
    if (text.size() < 2 || text.size() > 7)
        return std::nullopt;
    char unit = text.back();
    std::int64_t n = 0;
    for (std::size_t i = 0; i + 1 < text.size(); ++i)
    {
        if (text[i] < '0' || text[i] > '9')
            return std::nullopt;
        n = n * 10 + (text[i] - '0');
    }
    if (n < 1 || n > 999999)
        return std::nullopt;
    std::int64_t mult = unit == 's' ? 1000 : unit == 'm' ? MINUTE_MS : unit == 'h' ? HOUR_MS : unit == 'd' ? DAY_MS : 0;
    if (mult == 0 || n * mult > 366 * DAY_MS)
        return std::nullopt;
    return n * mult;
}

void MetricQueries::collect(MetricReader& reader, const Watermarks& w, std::int64_t res, std::int64_t from,
                            std::int64_t end, const std::unordered_map<std::int64_t, std::size_t>& selected,
                            const RowFn& onRow, const PointFn& onRaw)
{
    if (selected.empty() || end <= from)
        return;
    auto row = [&](std::int64_t id, std::int64_t bucket, const Aggregate& a) {
        if (selected.count(id))
            onRow(id, floorTo(bucket, res), a);
    };
    auto raw = [&](std::int64_t id, std::int64_t rid, std::int64_t ts, double v) {
        if (selected.count(id))
            onRaw(id, floorTo(ts, res), rid, ts, v);
    };
    // Sources by age: hour rows (hour resolution only), minute rows, raw points.
    struct Source
    {
        int resolution; // 3600, 60 or 0 (raw)
        std::int64_t lo, hi;
    };
    std::vector<Source> sources;
    if (res == HOUR_MS)
    {
        // A start inside an hour (dashboard periods) takes that hour's head from minute rows.
        std::int64_t firstFullHour = floorTo(from + HOUR_MS - 1, HOUR_MS);
        sources.push_back({60, from, std::min({firstFullHour, w.minute, end})});
        sources.push_back({3600, firstFullHour, std::min(w.hour, end)});
        sources.push_back({60, std::max(w.hour, firstFullHour), std::min(w.minute, end)});
    }
    else
        sources.push_back({60, from, std::min(w.minute, end)});
    sources.push_back({0, std::max(w.minute, from), end});

    bool perSeries = selected.size() <= PER_SERIES_LIMIT;
    std::vector<std::int64_t> ids;
    for (const auto& entry : selected)
        ids.push_back(entry.first);
    std::sort(ids.begin(), ids.end());
    for (const auto& s : sources)
    {
        if (s.hi <= s.lo)
            continue;
        if (perSeries)
            for (std::int64_t id : ids)
            {
                if (s.resolution)
                    reader.forEachRollup(s.resolution, id, s.lo, s.hi, row);
                else
                    reader.forEachRaw(id, s.lo, s.hi, raw);
            }
        else if (s.resolution)
            reader.forEachRollupInRange(s.resolution, s.lo, s.hi, row);
        else
            reader.forEachRawInRange(s.lo, s.hi, raw);
    }
}

std::string MetricQueries::metrics(const QueryParams& q)
{
    auto name = q.get("name");
    if (!name)
        throw HttpError(400, "Missing required parameter: name");
    std::int64_t now = _clock();
    Range range = parseRange(q, now);
    std::string resolution = q.get("resolution").value_or("auto");
    if (resolution != "auto" && resolution != "minute" && resolution != "hour")
        invalidParameter("resolution");
    if (resolution == "auto")
        resolution = range.until - range.start <= DAY_MS ? "minute" : "hour";
    std::int64_t res = resolution == "minute" ? MINUTE_MS : HOUR_MS;
    auto filter = labelFilter(q);
    auto project = q.get("project");
    auto type = typeParam(q);
    std::vector<std::string> groupBy;
    if (auto g = q.get("group_by"))
        groupBy = ConfigValue::splitList(*g);
    std::int64_t seriesLimit = q.limit("series_limit", 20, 100);

    std::int64_t from = floorTo(range.start, res);
    std::int64_t to = floorTo(range.until, res);

    // Groups of matching series: one group without group_by, else one per combination of values.
    std::map<std::vector<std::string>, std::size_t> groupIndex;
    std::vector<std::vector<std::string>> groupKeys;
    std::unordered_map<std::int64_t, std::size_t> selected;
    std::vector<std::map<std::int64_t, Aggregate>> groups;
    const std::optional<std::string> askedType = type;
    _store.snapshot([&](MetricReader& reader) {
        groupIndex.clear();
        groupKeys.clear();
        selected.clear();
        type = askedType;
        // An unknown name answers `"type":null` even when a type was asked for.
        auto latest = reader.latestType(*name, project);
        if (!latest)
            type.reset();
        else if (!type)
            type = latest;

        if (type)
            for (const auto& s : reader.rollupSeries(*name, project, type))
            {
                if (!s.labels.contains(filter))
                    continue;
                std::vector<std::string> key;
                for (const auto& k : groupBy)
                {
                    const std::string* v = s.labels.find(k);
                    key.push_back(v ? *v : "");
                }
                auto [it, added] = groupIndex.emplace(key, groupKeys.size());
                if (added)
                    groupKeys.push_back(key);
                selected.emplace(s.id, it->second);
            }
        bool histogram = type && *type == "histogram";
        groups.assign(groupKeys.size(), {});
        auto slot = [&](std::int64_t seriesId, std::int64_t bucket) -> Aggregate& {
            auto [it, added] = groups[selected.at(seriesId)].try_emplace(bucket);
            if (added)
                it->second.histogram = histogram;
            return it->second;
        };
        collect(
            reader, reader.watermarks(), res, from, to + res, selected,
            [&](std::int64_t id, std::int64_t bucket, const Aggregate& a) { slot(id, bucket).merge(a); },
            [&](std::int64_t id, std::int64_t bucket, std::int64_t rid, std::int64_t ts, double v) {
                slot(id, bucket).addPoint(v, ts, rid);
            });
    });

    Json::Writer w;
    w.beginObject().field("name", *name).field("type", type).field("resolution", resolution);
    w.field("period", range.period);
    w.field("from", Time::formatSeconds(from)).field("to", Time::formatSeconds(to));
    auto writeData = [&](const std::map<std::int64_t, Aggregate>& buckets) {
        w.beginArray();
        for (const auto& [bucket, a] : buckets)
            writeBucket(w, bucket, a, res, now);
        w.endArray();
    };
    if (groupBy.empty())
    {
        w.key("data");
        writeData(groups.empty() ? std::map<std::int64_t, Aggregate>{} : groups[0]);
    }
    else
    {
        w.key("group_by").beginArray();
        for (const auto& k : groupBy)
            w.value(k);
        w.endArray();
        std::vector<std::pair<std::int64_t, std::size_t>> order; // (total count, group)
        for (std::size_t i = 0; i < groups.size(); ++i)
        {
            std::int64_t total = 0;
            for (const auto& entry : groups[i])
                total += entry.second.count;
            if (total > 0)
                order.emplace_back(total, i);
        }
        std::sort(order.begin(), order.end(), [&](const auto& a, const auto& b) {
            return a.first != b.first ? a.first > b.first : groupKeys[a.second] < groupKeys[b.second];
        });
        if (order.size() > static_cast<std::size_t>(seriesLimit))
            order.resize(static_cast<std::size_t>(seriesLimit));
        w.key("series").beginArray();
        for (const auto& entry : order)
        {
            w.beginObject().key("labels").beginObject();
            for (std::size_t k = 0; k < groupBy.size(); ++k)
                w.field(groupBy[k], groupKeys[entry.second][k]);
            w.endObject().key("data");
            writeData(groups[entry.second]);
            w.endObject();
        }
        w.endArray();
    }
    w.endObject();
    return w.take();
}

std::string MetricQueries::names(const QueryParams& q)
{
    std::vector<SeriesInfo> series;
    _store.read([&](MetricReader& r) { series = r.rollupSeries(std::nullopt, q.get("project"), std::nullopt); });
    std::map<std::pair<std::string, std::string>, std::pair<std::int64_t, std::int64_t>> byName; // series, seen
    for (const auto& s : series)
    {
        auto& entry = byName[{s.name, s.type}];
        ++entry.first;
        entry.second = std::max(entry.second, s.lastSeen);
    }
    Json::Writer w;
    w.beginObject().key("metrics").beginArray();
    for (const auto& [key, entry] : byName)
        w.beginObject()
            .field("name", key.first)
            .field("type", key.second)
            .field("series", entry.first)
            .field("last_seen", Time::formatMs(entry.second))
            .endObject();
    w.endArray().endObject();
    return w.take();
}

std::string MetricQueries::labels(const QueryParams& q)
{
    auto name = q.get("name");
    if (!name)
        throw HttpError(400, "Missing required parameter: name");
    std::vector<SeriesInfo> series;
    _store.read([&](MetricReader& r) { series = r.rollupSeries(*name, q.get("project"), std::nullopt); });
    std::map<std::string, std::set<std::string>> values;
    for (const auto& s : series)
        for (const auto& [k, v] : s.labels.values())
            values[k].insert(v);
    Json::Writer w;
    w.beginObject().field("name", *name).key("labels").beginObject();
    for (const auto& [k, set] : values)
    {
        w.key(k).beginArray();
        std::size_t n = 0;
        for (auto it = set.begin(); it != set.end() && n < 100; ++it, ++n)
            w.value(*it);
        w.endArray();
    }
    w.endObject().endObject();
    return w.take();
}

std::string MetricQueries::projects()
{
    std::vector<std::string> projects;
    _store.read([&](MetricReader& r) { projects = r.projects(); });
    Json::Writer w;
    w.beginObject().key("projects").beginArray();
    for (const auto& p : projects)
        w.value(p);
    w.endArray().endObject();
    return w.take();
}

} // namespace MetricsCollector
} // namespace Monlight
