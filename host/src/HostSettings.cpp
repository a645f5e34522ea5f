#include "HostSettings.h"

#include <Poco/Path.h>
#include <Poco/String.h>

namespace Monlight
{
namespace Host
{

HostSettings HostSettings::from(const PluginConfig& host)
{
    HostSettings s;
    Poco::Path dd(host.getString("data_dir"));
    dd.makeAbsolute();
    s.dataDir = dd.toString();
    if (s.dataDir.size() > 1 && s.dataDir.back() == '/')
        s.dataDir.pop_back();
    s.keepAliveTimeout = static_cast<int>(host.getInt("keep_alive_timeout_seconds"));
    s.maxKeepAliveRequests = static_cast<int>(host.getInt("max_keep_alive_requests"));
    s.requestTimeout = static_cast<int>(host.getInt("request_timeout_seconds"));
    s.requestHeadTimeout = static_cast<int>(host.getInt("request_head_timeout_seconds"));
    s.maxPendingHeadsPerIp = static_cast<int>(host.getInt("max_pending_heads_per_ip"));
    s.shutdownGrace = static_cast<int>(host.getInt("shutdown_grace_seconds"));
    s.accessLog = host.getBool("access_log");
    s.ipRateLimit = host.getInt("ip_rate_limit");
    s.authFailureLimit = host.getInt("auth_failure_limit");
    s.selfMetrics = Poco::toLower(host.getString("self_metrics"));
    s.fullSync = Poco::toLower(host.getString("sqlite_synchronous")) == "full";
    s.cacheMb = static_cast<int>(host.getInt("sqlite_cache_mb"));
    s.proxies = TrustedProxies(host.getList("trusted_proxies"));
    return s;
}

} // namespace Host
} // namespace Monlight
