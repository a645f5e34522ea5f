#pragma once

#include "Monlight/Config.h"
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace Monlight
{
namespace MetricsCollector
{

/// The `metrics-collector.*` settings of SPEC §1.8, parsed once at initialize().
struct MetricsConfig
{
    std::int64_t retentionRawHours = 1;
    std::int64_t retentionMinuteHours = 24;
    std::int64_t retentionHourlyDays = 30;
    std::int64_t aggregationIntervalSeconds = 60;
    std::int64_t maxBatchItems = 1000;
    std::int64_t maxLabels = 32;
    std::vector<std::string> dropLabels{"session_id"};
    std::int64_t futureToleranceSeconds = 300;
    std::int64_t maxSeriesPerProject = 10000;

    /// The plugin-specific schema (the §1.5 common keys are added by the host).
    static std::vector<ConfigKey> schema();
    /// Reads validated values.
    static MetricsConfig from(const PluginConfig& config);
    /// The §1.8 cross-key rules: appends (`key`, reason) problems.
    static void crossCheck(const PluginConfig& config, std::vector<std::pair<std::string, std::string>>& problems);
};

} // namespace MetricsCollector
} // namespace Monlight
