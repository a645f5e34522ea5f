#include "MetricAggregator.h"
#include <algorithm>
#include <chrono>

namespace Monlight
{
namespace MetricsCollector
{

MetricAggregator::MetricAggregator(MetricStorage& store, Retention retention, Clock clock,
                                   std::function<bool()> stopping)
    : _store(store), _retention(retention), _clock(std::move(clock)), _stopping(std::move(stopping)),
      _nextRetention(_clock() + 10 * MINUTE_MS)
{
}

Watermarks MetricAggregator::runPass()
{
    auto started = std::chrono::steady_clock::now();
    std::int64_t closed = floorTo(_clock() - GRACE_MS, MINUTE_MS);
    Watermarks w = _store.watermarks();
    // A long catch-up is split so each transaction holds at most an hour of raw data.
    while (closed > w.minute && !stopping())
    {
        const std::int64_t before = w.minute;
        _store.aggregateMinutes(std::min(closed, w.minute + MAX_MINUTES_PER_TX * MINUTE_MS));
        w = _store.watermarks();
        if (w.minute == before)
            break; // another host sharing the store holds the aggregation now; its next tick continues
    }
    _store.recomputeDirtyMinutes();
    std::int64_t hour = floorTo(w.minute, HOUR_MS);
    while (hour > w.hour && !stopping())
    {
        const std::int64_t before = w.hour;
        _store.aggregateHours(std::min(hour, w.hour + MAX_HOURS_PER_TX * HOUR_MS));
        w = _store.watermarks();
        if (w.hour == before)
            break;
    }
    _store.recomputeDirtyHours();
    {
        std::lock_guard<std::mutex> lock(_mutex);
        _lastAggregation = w.minute - MINUTE_MS;
    }
    _lastPassSeconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return w;
}

void MetricAggregator::runRetention()
{
    std::int64_t now = _clock();
    Watermarks w = _store.watermarks();
    std::int64_t rawCutoff = std::min(w.minute, floorTo(now - _retention.rawHours * HOUR_MS, MINUTE_MS));
    std::int64_t hourlyCutoff = now - _retention.hourlyDays * 24 * HOUR_MS;
    // Each step may stop early at shutdown; the later ones rely on the earlier ones having completed.
    _store.deleteRawBefore(rawCutoff);
    if (stopping())
        return;
    _store.deleteRollupsBefore(60, std::min(w.hour, now - _retention.minuteHours * HOUR_MS));
    _store.deleteRollupsBefore(3600, hourlyCutoff);
    _store.deleteDirtyMinutesBefore(rawCutoff);
    if (stopping())
        return;
    _store.deleteStaleSeries(hourlyCutoff, rawCutoff);
}

void MetricAggregator::tick()
{
    runPass();
    std::int64_t now = _clock();
    if (now >= _nextRetention && !stopping())
    {
        if (_store.claimRetention(now, HOUR_MS))
            runRetention();
        _nextRetention = now + HOUR_MS;
    }
}

std::optional<std::int64_t> MetricAggregator::lastAggregation() const
{
    std::lock_guard<std::mutex> lock(_mutex);
    return _lastAggregation;
}

} // namespace MetricsCollector
} // namespace Monlight
