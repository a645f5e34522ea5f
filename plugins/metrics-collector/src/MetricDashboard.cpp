#include "MetricQueries.h"
#include "QueryOutput.h"
#include "Monlight/Time.h"
#include <algorithm>
#include <array>
#include <set>

namespace Monlight
{
namespace MetricsCollector
{

namespace
{
const std::array<const char*, 5> VITALS = {"lcp", "inp", "cls", "fcp", "ttfb"};
using Vitals = std::array<Aggregate, 5>; // one per VITALS entry
} // namespace

/// `GET /api/dashboard` parameters, checked.
struct MetricQueries::DashboardRequest
{
    std::string period;
    std::optional<std::string> project;
    std::optional<std::string> page; ///< Web Vitals of this page only
    std::int64_t res = 0;  ///< bucket size of the web-vitals timeseries
    std::int64_t from = 0; ///< totals cover [from, end), from floored to the minute
    std::int64_t end = 0;
};

/// What the dashboard shows, read from the store.
struct MetricQueries::DashboardData
{
    std::int64_t total = 0;
    std::int64_t seriesWithData = 0;
    std::size_t distinctMetrics = 0;
    /// (name, type) → (count, sum), the 10 largest counts first.
    std::vector<std::pair<std::pair<std::string, std::string>, std::pair<std::int64_t, double>>> top;
    Vitals vitalTotals;
    std::map<std::int64_t, Vitals> vitalBuckets;
    std::map<std::string, Vitals> vitalPages;
};

std::string MetricQueries::dashboard(const QueryParams& q)
{
    DashboardRequest r = parseDashboard(q, _clock());
    return renderDashboard(r, collectDashboard(r));
}

MetricQueries::DashboardRequest MetricQueries::parseDashboard(const QueryParams& q, std::int64_t now)
{
    DashboardRequest r;
    r.period = q.get("period").value_or("24h");
    auto span = parsePeriod(r.period);
    if (!span)
        invalidParameter("period");
    r.project = q.get("project");
    r.page = q.get("page");
    // `since`/`until` (absolute or relative, as on /api/metrics) replace the period when given.
    std::int64_t until = now;
    if (auto u = q.get("until"))
    {
        auto t = Time::parseQueryTimestamp(*u, now);
        if (!t)
            invalidParameter("until");
        until = std::min(*t, now);
    }
    std::int64_t since = until - *span;
    if (auto sn = q.get("since"))
    {
        auto t = Time::parseQueryTimestamp(*sn, now);
        if (!t)
            invalidParameter("since");
        since = *t;
    }
    if (since >= until)
        throw HttpError(400, "since must be before until");
    r.res = until - since <= 6 * HOUR_MS ? MINUTE_MS : HOUR_MS;
    // Totals cover the range to the minute; timeseries buckets are still floored to `res`.
    r.from = floorTo(since, MINUTE_MS);
    r.end = until == now ? floorTo(now, r.res) + r.res : floorTo(until, MINUTE_MS);
    return r;
}

MetricQueries::DashboardData MetricQueries::collectDashboard(const DashboardRequest& r)
{
    DashboardData d;
    _store.snapshot([&](MetricReader& reader) { d = collectDashboard(r, reader); });
    return d;
}

MetricQueries::DashboardData MetricQueries::collectDashboard(const DashboardRequest& r, MetricReader& reader)
{
    std::vector<SeriesInfo> all = reader.rollupSeries(std::nullopt, r.project, std::nullopt);
    std::unordered_map<std::int64_t, std::size_t> selected;
    std::vector<int> vitalOf(all.size(), -1);
    for (std::size_t i = 0; i < all.size(); ++i)
    {
        selected.emplace(all[i].id, i);
        const auto& s = all[i];
        const std::string* source = s.labels.find("source");
        const std::string* page = s.labels.find("page");
        if (r.page && *r.page != (page ? *page : std::string("/")))
            continue;
        if (s.type == "histogram" && source && *source == "browser" && s.name.rfind("web_vitals_", 0) == 0)
            for (std::size_t v = 0; v < VITALS.size(); ++v)
                if (s.name == std::string("web_vitals_") + VITALS[v])
                    vitalOf[i] = static_cast<int>(v);
    }
    std::vector<Aggregate> perSeries(all.size());
    for (std::size_t i = 0; i < all.size(); ++i)
        perSeries[i].histogram = vitalOf[i] >= 0;
    DashboardData d;
    auto vitalSlot = [](Vitals& arr, int v) -> Aggregate& {
        arr[static_cast<std::size_t>(v)].histogram = true;
        return arr[static_cast<std::size_t>(v)];
    };
    auto pageOf = [&](std::size_t i) {
        const std::string* page = all[i].labels.find("page");
        return page ? *page : std::string("/");
    };
    collect(
        reader, reader.watermarks(), r.res, r.from, r.end, selected,
        [&](std::int64_t id, std::int64_t bucket, const Aggregate& a) {
            std::size_t i = selected.at(id);
            perSeries[i].merge(a);
            if (vitalOf[i] >= 0)
            {
                vitalSlot(d.vitalBuckets[bucket], vitalOf[i]).merge(a);
                vitalSlot(d.vitalPages[pageOf(i)], vitalOf[i]).merge(a);
            }
        },
        [&](std::int64_t id, std::int64_t bucket, std::int64_t rid, std::int64_t ts, double v) {
            std::size_t i = selected.at(id);
            perSeries[i].addPoint(v, ts, rid);
            if (vitalOf[i] >= 0)
            {
                vitalSlot(d.vitalBuckets[bucket], vitalOf[i]).addPoint(v, ts, rid);
                vitalSlot(d.vitalPages[pageOf(i)], vitalOf[i]).addPoint(v, ts, rid);
            }
        });

    std::set<std::string> names;
    std::map<std::pair<std::string, std::string>, std::pair<std::int64_t, double>> byMetric;
    for (auto& a : d.vitalTotals)
        a.histogram = true;
    for (std::size_t i = 0; i < all.size(); ++i)
    {
        const Aggregate& a = perSeries[i];
        if (a.count == 0)
            continue;
        d.total += a.count;
        ++d.seriesWithData;
        names.insert(all[i].name);
        auto& m = byMetric[{all[i].name, all[i].type}];
        m.first += a.count;
        m.second += a.sum;
        if (vitalOf[i] >= 0)
            d.vitalTotals[static_cast<std::size_t>(vitalOf[i])].merge(a);
    }
    d.distinctMetrics = names.size();
    d.top.assign(byMetric.begin(), byMetric.end());
    std::stable_sort(d.top.begin(), d.top.end(),
                     [](const auto& a, const auto& b) { return a.second.first > b.second.first; });
    if (d.top.size() > 10)
        d.top.resize(10);
    return d;
}

std::string MetricQueries::renderDashboard(const DashboardRequest& r, const DashboardData& d)
{
    Json::Writer w;
    w.beginObject().field("period", r.period).field("project", r.project);
    w.key("summary")
        .beginObject()
        .field("total_datapoints", d.total)
        .field("distinct_metrics", static_cast<std::int64_t>(d.distinctMetrics))
        .field("series", d.seriesWithData)
        .endObject();
    w.key("top_metrics").beginArray();
    for (const auto& [key, m] : d.top)
    {
        w.beginObject().field("name", key.first).field("type", key.second).field("count", m.first);
        w.key("total");
        writeNumberOrNull(w, m.second);
        w.endObject();
    }
    w.endArray();
    w.key("web_vitals");
    bool anyVitals =
        std::any_of(d.vitalTotals.begin(), d.vitalTotals.end(), [](const Aggregate& a) { return a.count > 0; });
    if (!anyVitals)
        w.null();
    else
    {
        w.beginObject().key("summary").beginObject();
        for (std::size_t v = 0; v < VITALS.size(); ++v)
        {
            const Aggregate& a = d.vitalTotals[v];
            w.key(VITALS[v]).beginObject();
            if (a.count == 0)
                w.fieldNull("p75").field("count", std::int64_t(0)).field("rating", "unknown");
            else
            {
                double p75 = a.quantile(0.75);
                w.key("p75");
                writeNumberOrNull(w, p75);
                w.field("count", a.count).field("rating", rating(VITALS[v], p75));
                // how many samples rate good / needs improvement / poor (from the sketch, to its 1 % accuracy)
                auto [good, poor] = thresholds(VITALS[v]);
                auto atMostGood = static_cast<std::int64_t>(a.sketch.countAtMost(good));
                auto atMostPoor = static_cast<std::int64_t>(a.sketch.countAtMost(poor));
                w.field("good_threshold", good).field("poor_threshold", poor);
                w.key("distribution")
                    .beginObject()
                    .field("good", atMostGood)
                    .field("needs_improvement", atMostPoor - atMostGood)
                    .field("poor", a.count - atMostPoor)
                    .endObject();
            }
            w.endObject();
        }
        w.endObject();
        auto writeVitals = [&](const Vitals& arr) {
            std::int64_t samples = 0;
            for (std::size_t v = 0; v < VITALS.size(); ++v)
            {
                w.key(VITALS[v]);
                if (arr[v].count == 0)
                    w.null();
                else
                    writeNumberOrNull(w, arr[v].quantile(0.75));
                samples += arr[v].count;
            }
            return samples;
        };
        w.key("timeseries").beginArray();
        for (const auto& [bucket, arr] : d.vitalBuckets)
        {
            w.beginObject().field("bucket", Time::formatSeconds(bucket));
            std::int64_t samples = writeVitals(arr);
            w.field("count", samples).endObject();
        }
        w.endArray();
        std::vector<std::pair<std::int64_t, const std::string*>> pages;
        for (const auto& [page, arr] : d.vitalPages)
        {
            std::int64_t samples = 0;
            for (const auto& a : arr)
                samples += a.count;
            pages.emplace_back(samples, &page);
        }
        std::stable_sort(pages.begin(), pages.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
        if (pages.size() > 20)
            pages.resize(20);
        w.key("by_page").beginArray();
        for (const auto& [samples, page] : pages)
        {
            w.beginObject().field("page", *page);
            writeVitals(d.vitalPages.at(*page));
            w.field("samples", samples).endObject();
        }
        w.endArray();
        w.endObject();
    }
    // after the documented fields: the range read and the bucket size of the timeseries
    w.field("from", Time::formatSeconds(r.from)).field("to", Time::formatSeconds(r.end));
    w.field("resolution", r.res == MINUTE_MS ? "minute" : "hour");
    if (r.page)
        w.field("page", *r.page);
    w.endObject();
    return w.take();
}

std::pair<double, double> MetricQueries::thresholds(const std::string& vital)
{
    if (vital == "lcp")
        return {2500, 4000};
    if (vital == "inp")
        return {200, 500};
    if (vital == "cls")
        return {0.1, 0.25};
    if (vital == "fcp")
        return {1800, 3000};
    return {800, 1800};
}

std::string MetricQueries::rating(const std::string& vital, double p75)
{
    auto [good, poor] = thresholds(vital);
    if (p75 <= good)
        return "good";
    return p75 > poor ? "poor" : "needs-improvement";
}

} // namespace MetricsCollector
} // namespace Monlight
