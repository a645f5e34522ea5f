#pragma once

#include <cstdint>

namespace Monlight
{
namespace MetricsCollector
{

constexpr std::int64_t MINUTE_MS = 60000;
constexpr std::int64_t HOUR_MS = 3600000;

/// `minute(t)` / `hour(t)` of SPEC §4.4 (floor, also for negative times).
inline std::int64_t floorTo(std::int64_t t, std::int64_t step)
{
    std::int64_t r = t % step;
    return r < 0 ? t - r - step : t - r;
}

/// The persisted aggregation watermarks: every minute bucket before `minute` and every hour bucket before `hour`
/// has been aggregated.
struct Watermarks
{
    std::int64_t minute = 0;
    std::int64_t hour = 0;
};

} // namespace MetricsCollector
} // namespace Monlight
