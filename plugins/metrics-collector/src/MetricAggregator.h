#pragma once

#include "MetricStorage.h"
#include "Watermarks.h"
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>

namespace Monlight
{
namespace MetricsCollector
{

/// The aggregation pass of SPEC §4.4 and the retention of §4.10, driven by an injectable clock.
/// Every step is idempotent (UPSERT or delete+recompute), so re-running or restarting never double counts.
class MetricAggregator
{
public:
    using Clock = std::function<std::int64_t()>;

    struct Retention
    {
        std::int64_t rawHours = 1;
        std::int64_t minuteHours = 24;
        std::int64_t hourlyDays = 30;
    };

    static constexpr std::int64_t GRACE_MS = 5000;
    static constexpr std::int64_t MAX_MINUTES_PER_TX = 60;
    static constexpr std::int64_t MAX_HOURS_PER_TX = 24;

    /// `stopping` is polled between transactions of a long catch-up (may be empty).
    MetricAggregator(MetricStorage& store, Retention retention, Clock clock, std::function<bool()> stopping = {});

    /// One pass: closed minutes since W_m, dirty minutes, closed hours since W_h, dirty hours. Returns the
    /// watermarks afterwards. Throws what the store throws (the scheduler logs it).
    Watermarks runPass();
    /// Deletes raw points, minute rows, hour rows, dirty marks and series past their retention.
    void runRetention();
    /// The scheduled job: a pass, then retention when due (first 10 min after construction, then hourly) and not run
    /// by another host sharing the store within the hour.
    void tick();

    /// Start of the latest aggregated minute (W_m − 60 s), once a pass has completed since start.
    std::optional<std::int64_t> lastAggregation() const;
    /// Wall duration of the last pass in seconds.
    double lastPassSeconds() const { return _lastPassSeconds.load(); }

private:
    bool stopping() const { return _stopping && _stopping(); }

    MetricStorage& _store;
    Retention _retention;
    Clock _clock;
    std::function<bool()> _stopping;
    std::int64_t _nextRetention;
    mutable std::mutex _mutex;
    std::optional<std::int64_t> _lastAggregation;
    std::atomic<double> _lastPassSeconds{0};
};

} // namespace MetricsCollector
} // namespace Monlight
