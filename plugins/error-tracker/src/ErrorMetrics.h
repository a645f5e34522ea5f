#pragma once

#include "Monlight/Metrics.h"
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace Monlight
{
namespace ErrorTracker
{

/// The error tracker's metric families (§0.14), owned by `error-tracker`. Without a registry (unit tests) the
/// counters live here, because the SDK's MetricsRegistry cannot be created outside the host.
class ErrorMetrics
{
public:
    explicit ErrorMetrics(MetricsRegistry* registry);

    /// `monlight_errors_ingested_total{status}`: created, incremented, reopened.
    Counter& ingested(const std::string& status);
    /// `monlight_alerts_total{channel,result}`: result sent, failed, suppressed.
    Counter& alerts(const std::string& channel, const std::string& result);
    /// `monlight_dropped_items_total{plugin="error-tracker",reason}`.
    Counter& dropped(const std::string& reason);

private:
    Counter& local(const std::string& key);

    MetricsRegistry* _registry;
    std::mutex _mutex;
    std::map<std::string, std::unique_ptr<Counter>> _local;
};

} // namespace ErrorTracker
} // namespace Monlight
