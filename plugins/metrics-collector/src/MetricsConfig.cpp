#include "MetricsConfig.h"

namespace Monlight
{
namespace MetricsCollector
{

std::vector<ConfigKey> MetricsConfig::schema()
{
    return {
        ConfigKey::string("api_key", "", "API key(s) for /api/* (comma-separated for rotation)")
            .env("API_KEY")
            .isRequired()
            .isSecret(),
        ConfigKey::integer("retention_raw_hours", 1, 1, 168, "Raw points kept (hours)").env("RETENTION_RAW"),
        ConfigKey::integer("retention_minute_hours", 24, 2, 2160, "Minute rollups kept (hours)")
            .env("RETENTION_MINUTE"),
        ConfigKey::integer("retention_hourly_days", 30, 1, 3650, "Hour rollups kept (days)").env("RETENTION_HOURLY"),
        ConfigKey::integer("aggregation_interval", 60, 1, 3600,
                           "Seconds between aggregation passes (latency only; never duplicates)")
            .env("AGGREGATION_INTERVAL"),
        ConfigKey::integer("max_batch_items", 1000, 1, 100000, "Items per POST"),
        ConfigKey::integer("max_labels", 32, 1, 256, "Labels per point"),
        ConfigKey::list("aggregation_drop_labels", "session_id",
                        "Label keys removed from the series identity of rollups (raw points keep them)"),
        ConfigKey::integer("future_tolerance_seconds", 300, 0, 86400, "Points further in the future are dropped"),
        ConfigKey::integer("max_series_per_project", 10000, 1, 10000000,
                           "Raw series a project may have; points of further new series are dropped and counted"),
    };
}

MetricsConfig MetricsConfig::from(const PluginConfig& config)
{
    MetricsConfig c;
    c.retentionRawHours = config.getInt("retention_raw_hours");
    c.retentionMinuteHours = config.getInt("retention_minute_hours");
    c.retentionHourlyDays = config.getInt("retention_hourly_days");
    c.aggregationIntervalSeconds = config.getInt("aggregation_interval");
    c.maxBatchItems = config.getInt("max_batch_items");
    c.maxLabels = config.getInt("max_labels");
    c.dropLabels = config.getList("aggregation_drop_labels");
    c.futureToleranceSeconds = config.getInt("future_tolerance_seconds");
    c.maxSeriesPerProject = config.getInt("max_series_per_project");
    return c;
}

void MetricsConfig::crossCheck(const PluginConfig& config, std::vector<std::pair<std::string, std::string>>& problems)
{
    std::int64_t raw = 0, minute = 0, interval = 0;
    if (!ConfigValue::parseInt(config.has("retention_raw_hours") ? config.getString("retention_raw_hours") : "1", raw) ||
        !ConfigValue::parseInt(
            config.has("retention_minute_hours") ? config.getString("retention_minute_hours") : "24", minute) ||
        !ConfigValue::parseInt(config.has("aggregation_interval") ? config.getString("aggregation_interval") : "60",
                               interval))
        return; // the schema check reports unparsable values
    if (minute < raw + 1)
        problems.emplace_back("retention_minute_hours",
                              "invalid value \"" + std::to_string(minute) +
                                  "\": must be at least retention_raw_hours + 1 (" + std::to_string(raw + 1) + ")");
    if (interval >= raw * 3600)
        problems.emplace_back("aggregation_interval", "invalid value \"" + std::to_string(interval) +
                                                          "\": must be less than retention_raw_hours x 3600 (" +
                                                          std::to_string(raw * 3600) + ")");
}

} // namespace MetricsCollector
} // namespace Monlight
