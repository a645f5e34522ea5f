#pragma once

#include "Aggregate.h"
#include "MetricStorage.h"
#include "Monlight/Http.h"
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace Monlight
{
namespace MetricsCollector
{

/// The read API of SPEC §4.6–§4.8. Each method takes the decoded query string and returns the JSON body;
/// invalid parameters throw HttpError 400 with the documented `detail`. Not yet aggregated time is read
/// from raw points, so fresh points show at once. `GET /api/metrics` and the dashboard (MetricDashboard.cpp)
/// each go parse (check the parameters) → collect (read the store) → render (write the body).
class MetricQueries
{
public:
    using Clock = std::function<std::int64_t()>;

    MetricQueries(MetricStorage& store, Clock clock) : _store(store), _clock(std::move(clock)) {}

    /// `GET /api/metrics` (§4.6).
    std::string metrics(const QueryParams& q);
    /// `GET /api/metrics/names` (§4.7).
    std::string names(const QueryParams& q);
    /// `GET /api/metrics/labels` (§4.7).
    std::string labels(const QueryParams& q);
    /// `GET /api/projects` (§4.7).
    std::string projects();
    /// `GET /api/dashboard` (§4.8).
    std::string dashboard(const QueryParams& q);

    /// `<n><unit>` (n 1–999999, unit s/m/h/d, at most 366 days) in ms; nothing when invalid.
    static std::optional<std::int64_t> parsePeriod(const std::string& text);
    /// `good`, `needs-improvement` or `poor` for a web vital (`lcp`, `inp`, `cls`, `fcp`, `ttfb`).
    static std::string rating(const std::string& vital, double p75);
    /// A Web Vital's (good, poor) thresholds: good ≤ the first, poor > the second.
    static std::pair<double, double> thresholds(const std::string& vital);

    /// Feeds every rollup row and raw point of [from, end) of the selected series into `onRow`/`onRaw`, with
    /// bucket starts floored to `resolutionMs`: rollup rows below the watermarks, raw points after them. With
    /// hour resolution and a `from` inside an hour, that first partial hour is read from minute rows.
    using RowFn = std::function<void(std::int64_t seriesId, std::int64_t bucket, const Aggregate& row)>;
    using PointFn =
        std::function<void(std::int64_t seriesId, std::int64_t bucket, std::int64_t id, std::int64_t ts, double v)>;
    void collect(MetricReader& reader, const Watermarks& w, std::int64_t resolutionMs, std::int64_t from,
                 std::int64_t end, const std::unordered_map<std::int64_t, std::size_t>& selected,
                 const RowFn& onRow, const PointFn& onRaw);

private:
    struct MetricsRequest;
    struct MetricsData;
    static MetricsRequest parseMetrics(const QueryParams& q, std::int64_t now);
    MetricsData collectMetrics(const MetricsRequest& r);
    static std::string renderMetrics(const MetricsRequest& r, const MetricsData& d, std::int64_t now);

    struct DashboardRequest;
    struct DashboardData;
    static DashboardRequest parseDashboard(const QueryParams& q, std::int64_t now);
    DashboardData collectDashboard(const DashboardRequest& r);
    DashboardData collectDashboard(const DashboardRequest& r, MetricReader& reader);
    static std::string renderDashboard(const DashboardRequest& r, const DashboardData& d);

    MetricStorage& _store;
    Clock _clock;
};

} // namespace MetricsCollector
} // namespace Monlight
