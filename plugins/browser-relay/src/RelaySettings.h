#pragma once

#include <Monlight/Config.h>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace Monlight
{
namespace BrowserRelay
{

/// The `browser-relay.*` values (§1.9), parsed once at initialize() and immutable afterwards.
struct RelaySettings
{
    std::string forwardMode; ///< `auto`, `in-process` or `http`
    std::string errorTrackerUrl;
    std::string errorTrackerApiKey;
    std::string metricsCollectorUrl;
    std::string metricsCollectorApiKey;
    int forwardTimeoutMs = 5000;
    std::size_t forwardPoolSize = 8;
    bool forwardTlsVerify = true; ///< https:// upstreams: verify the certificate
    std::vector<std::string> corsOrigins;
    std::size_t maxSourceMapSize = 5242880;
    std::int64_t rateLimit = 300;
    std::int64_t dsnRateLimit = 0;
    std::int64_t adminRateLimit = 300;
    int retentionDays = 90;
    std::string dsnKeys;
    std::string defaultEnvironment = "prod";
    std::size_t sourceMapCacheMb = 64;
    bool normalizePageIds = true;
    std::string publicUrl;                        ///< §11.1 base of printed Sentry DSNs, empty = from the request
    std::size_t sentryMaxBody = 2097152;          ///< §11.3 wire cap
    std::size_t sentryMaxDecompressed = 20971520; ///< §11.3 decoded cap

    /// The plugin-specific keys of §1.9 (the §1.5 common keys are added by the host).
    static std::vector<ConfigKey> schema();
    static RelaySettings from(const PluginConfig& config);
    /// Cross-key rules of §1.9 (and the `dsn_keys` syntax); appends (key, reason) problems.
    static void validate(const PluginConfig& config, const std::vector<std::string>& loadedPlugins,
                         std::vector<std::pair<std::string, std::string>>& problems);
    /// Whether `target` (`error-tracker`, `metrics-collector`) is reached in-process under `forwardMode`.
    static bool inProcess(const std::string& forwardMode, const std::string& target,
                          const std::vector<std::string>& loadedPlugins);
};

} // namespace BrowserRelay
} // namespace Monlight
