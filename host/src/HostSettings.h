#pragma once

#include "TrustedProxies.h"
#include "Monlight/Config.h"
#include <cstdint>
#include <string>

namespace Monlight
{
namespace Host
{

/// Host settings parsed once from the resolved `host.*` configuration.
struct HostSettings
{
    std::string dataDir; ///< absolute, without a trailing `/`
    int keepAliveTimeout = 15;
    int maxKeepAliveRequests = 1000;
    int requestTimeout = 30;
    int requestHeadTimeout = 10;
    int maxPendingHeadsPerIp = 4;
    int shutdownGrace = 8;
    bool accessLog = false;
    std::int64_t ipRateLimit = 600;
    std::int64_t authFailureLimit = 20;
    std::string selfMetrics = "key";
    bool fullSync = false;
    int cacheMb = 16;
    TrustedProxies proxies;

    /// Reads every setting from `host` (already validated against the host schema).
    static HostSettings from(const PluginConfig& host);
};

} // namespace Host
} // namespace Monlight
