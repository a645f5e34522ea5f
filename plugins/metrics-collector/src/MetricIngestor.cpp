#include "MetricIngestor.h"
#include "Watermarks.h"
#include "Monlight/Json.h"

namespace Monlight
{
namespace MetricsCollector
{

MetricIngestor::Result MetricIngestor::ingest(std::string_view body)
{
    std::int64_t now = _clock();
    std::vector<MetricPoint> points = _parser.parse(body, now);
    std::int64_t oldest = floorTo(now - _settings.retentionRawHours * HOUR_MS, MINUTE_MS);
    std::int64_t newest = now + _settings.futureToleranceSeconds * 1000;
    Result r;
    std::size_t tooOld = 0, inFuture = 0;
    std::vector<MetricPoint> accepted;
    accepted.reserve(points.size());
    for (auto& p : points)
    {
        if (floorTo(p.ts, MINUTE_MS) < oldest)
            ++tooOld;
        else if (p.ts > newest)
            ++inFuture;
        else
            accepted.push_back(std::move(p));
    }
    const MetricStorage::InsertResult stored = _store.insert(accepted);
    const std::size_t overLimit = stored.droppedForSeriesLimit;
    r.count = accepted.size() - overLimit;
    r.dropped = tooOld + inFuture + overLimit;
    if (_counters.stored)
        _counters.stored->inc(r.count);
    if (_counters.tooOld && tooOld)
        _counters.tooOld->inc(tooOld);
    if (_counters.inFuture && inFuture)
        _counters.inFuture->inc(inFuture);
    if (overLimit)
    {
        if (_counters.seriesLimit)
            _counters.seriesLimit->inc(overLimit);
        std::lock_guard<std::mutex> lock(_warnMutex);
        _unreported += overLimit;
        if (_logger && now - _lastWarnMs >= 60000)
        {
            _logger->warning(std::to_string(_unreported) + " metric point(s) of new series dropped: project '" +
                             stored.limitedProject + "' has reached max_series_per_project (" +
                             std::to_string(_settings.maxSeriesPerProject) + ")");
            _lastWarnMs = now;
            _unreported = 0;
        }
    }
    return r;
}

std::string MetricIngestor::replyJson(const Result& r)
{
    Json::Writer w;
    w.beginObject()
        .field("status", "accepted")
        .field("count", static_cast<std::int64_t>(r.count))
        .field("dropped", static_cast<std::int64_t>(r.dropped))
        .endObject();
    return w.take();
}

} // namespace MetricsCollector
} // namespace Monlight
