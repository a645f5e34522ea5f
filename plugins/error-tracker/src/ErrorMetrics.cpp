#include "ErrorMetrics.h"

namespace Monlight
{
namespace ErrorTracker
{

ErrorMetrics::ErrorMetrics(MetricsRegistry* registry) : _registry(registry) {}

Counter& ErrorMetrics::local(const std::string& key)
{
    std::lock_guard<std::mutex> lock(_mutex);
    auto& slot = _local[key];
    if (!slot)
        slot = std::make_unique<Counter>();
    return *slot;
}

Counter& ErrorMetrics::ingested(const std::string& status)
{
    if (!_registry)
        return local("ingested/" + status);
    return _registry->counter("error-tracker", "monlight_errors_ingested_total",
                              "Error reports stored, by result.", {{"status", status}});
}

Counter& ErrorMetrics::alerts(const std::string& channel, const std::string& result)
{
    if (!_registry)
        return local("alerts/" + channel + "/" + result);
    return _registry->counter("error-tracker", "monlight_alerts_total",
                              "Alert deliveries by channel and result.",
                              {{"channel", channel}, {"result", result}});
}

Counter& ErrorMetrics::dropped(const std::string& reason)
{
    if (!_registry)
        return local("dropped/" + reason);
    return _registry->counter("error-tracker", "monlight_dropped_items_total",
                              "Items accepted on the wire but not stored.",
                              {{"plugin", "error-tracker"}, {"reason", reason}});
}

} // namespace ErrorTracker
} // namespace Monlight
