#include "RelaySettings.h"

#include "DsnSeedList.h"
#include <Poco/Exception.h>
#include <Poco/URI.h>
#include <algorithm>
#include <limits>

namespace Monlight
{
namespace BrowserRelay
{

std::vector<ConfigKey> RelaySettings::schema()
{
    return {
        ConfigKey::string("admin_api_key", "",
                          "Admin key(s) for the DSN key and source map API, comma-separated")
            .isRequired()
            .isSecret()
            .env("ADMIN_API_KEY"),
        ConfigKey::choice("forward_mode", "auto", {"auto", "in-process", "http"},
                          "auto = in-process for each target plugin loaded in this host, HTTP otherwise"),
        ConfigKey::string("error_tracker_url", "", "Error tracker base URL for HTTP forwarding")
            .env("ERROR_TRACKER_URL"),
        ConfigKey::string("error_tracker_api_key", "", "Error tracker API key for HTTP forwarding")
            .isSecret()
            .env("ERROR_TRACKER_API_KEY"),
        ConfigKey::string("metrics_collector_url", "", "Metrics collector base URL for HTTP forwarding")
            .env("METRICS_COLLECTOR_URL"),
        ConfigKey::string("metrics_collector_api_key", "", "Metrics collector API key for HTTP forwarding")
            .isSecret()
            .env("METRICS_COLLECTOR_API_KEY"),
        ConfigKey::integer("forward_timeout_ms", 5000, 100, 60000, "Whole HTTP forwarding exchange timeout"),
        ConfigKey::integer("forward_pool_size", 8, 1, 256, "Keep-alive connections per upstream"),
        ConfigKey::boolean("forward_tls_verify", true,
                           "Check an https:// upstream's certificate against the system CAs and its host name"),
        ConfigKey::list("cors_origins", "", "Allowed browser origins (exact, https://*.example.com, or *)")
            .env("CORS_ORIGINS"),
        ConfigKey::bytes("max_source_map_size", 5242880, 65536, 67108864, "Source map upload body cap"),
        ConfigKey::integer("dsn_rate_limit", 0, 0, std::numeric_limits<std::int64_t>::max(),
                           "Requests per minute per DSN key over all client IPs; 0 = unlimited"),
        ConfigKey::integer("admin_rate_limit", 300, 0, std::numeric_limits<std::int64_t>::max(),
                           "Requests per minute per admin key; 0 = unlimited"),
        ConfigKey::integer("retention_days", 90, 0, 3650,
                           "Source maps neither uploaded nor used for this long are deleted; 0 = never")
            .env("RETENTION_DAYS"),
        ConfigKey::string("dsn_keys", "", "Seed DSN keys: project:key,project2:key2").env("DSN_KEYS"),
        ConfigKey::string("default_environment", "prod", "Environment of browser errors that have none"),
        ConfigKey::integer("source_map_cache_mb", 64, 1, 4096, "LRU budget for parsed source maps"),
        ConfigKey::boolean("normalize_page_ids", true, "Replace id-like segments of page labels with {id}"),
        ConfigKey::string("public_url", "",
                          "Base URL printed in Sentry DSNs (http(s)://host[:port][/prefix]); empty = from the request"),
        ConfigKey::bytes("sentry_max_body", 2097152, 1024, 1073741824, "Sentry ingest body cap on the wire"),
        ConfigKey::bytes("sentry_max_decompressed", 20971520, 1024, 1073741824,
                         "Sentry ingest body cap after Content-Encoding is undone"),
    };
}

RelaySettings RelaySettings::from(const PluginConfig& c)
{
    RelaySettings s;
    s.forwardMode = c.getString("forward_mode");
    std::transform(s.forwardMode.begin(), s.forwardMode.end(), s.forwardMode.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    s.errorTrackerUrl = c.getString("error_tracker_url");
    s.errorTrackerApiKey = c.getString("error_tracker_api_key");
    s.metricsCollectorUrl = c.getString("metrics_collector_url");
    s.metricsCollectorApiKey = c.getString("metrics_collector_api_key");
    s.forwardTimeoutMs = static_cast<int>(c.getInt("forward_timeout_ms"));
    s.forwardPoolSize = static_cast<std::size_t>(c.getInt("forward_pool_size"));
    s.forwardTlsVerify = c.getBool("forward_tls_verify");
    s.corsOrigins = c.getList("cors_origins");
    s.maxSourceMapSize = static_cast<std::size_t>(c.getInt("max_source_map_size"));
    s.rateLimit = c.getInt("rate_limit");
    s.dsnRateLimit = c.getInt("dsn_rate_limit");
    s.adminRateLimit = c.getInt("admin_rate_limit");
    s.retentionDays = static_cast<int>(c.getInt("retention_days"));
    s.dsnKeys = c.getString("dsn_keys");
    s.defaultEnvironment = c.getString("default_environment");
    s.sourceMapCacheMb = static_cast<std::size_t>(c.getInt("source_map_cache_mb"));
    s.normalizePageIds = c.getBool("normalize_page_ids");
    s.publicUrl = c.getString("public_url");
    s.sentryMaxBody = static_cast<std::size_t>(c.getInt("sentry_max_body"));
    s.sentryMaxDecompressed = static_cast<std::size_t>(c.getInt("sentry_max_decompressed"));
    return s;
}

bool RelaySettings::inProcess(const std::string& forwardMode, const std::string& target,
                              const std::vector<std::string>& loadedPlugins)
{
    if (forwardMode == "http")
        return false;
    if (forwardMode == "in-process")
        return true;
    return std::find(loadedPlugins.begin(), loadedPlugins.end(), target) != loadedPlugins.end();
}

void RelaySettings::validate(const PluginConfig& c, const std::vector<std::string>& loadedPlugins,
                             std::vector<std::pair<std::string, std::string>>& problems)
{
    std::vector<DsnSeedList::Entry> seeds;
    std::string error;
    if (c.has("dsn_keys") && !DsnSeedList::parse(c.getString("dsn_keys"), seeds, error))
        problems.emplace_back("dsn_keys", error);

    if (c.has("default_environment"))
    {
        const std::string& env = c.getString("default_environment");
        std::size_t chars = 0;
        for (unsigned char ch : env)
            if ((ch & 0xC0) != 0x80)
                ++chars;
        if (chars < 1 || chars > 50)
            problems.emplace_back("default_environment",
                                  "invalid value \"" + env + "\": expected 1-50 characters");
    }

    std::string mode = c.has("forward_mode") ? c.getString("forward_mode") : "auto";
    std::transform(mode.begin(), mode.end(), mode.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    struct Target
    {
        const char* plugin;
        const char* urlKey;
        const char* apiKey;
    };
    for (const Target t : {Target{"error-tracker", "error_tracker_url", "error_tracker_api_key"},
                           Target{"metrics-collector", "metrics_collector_url", "metrics_collector_api_key"}})
    {
        const bool loaded =
            std::find(loadedPlugins.begin(), loadedPlugins.end(), t.plugin) != loadedPlugins.end();
        if (mode == "in-process")
        {
            if (!loaded)
                problems.emplace_back("forward_mode", std::string("in-process forwarding needs ") + t.plugin +
                                                          ", which is not loaded in this host");
            continue;
        }
        if (inProcess(mode, t.plugin, loadedPlugins))
            continue;
        const std::string because = loaded ? std::string("forward_mode is http")
                                           : std::string(t.plugin) + " is not loaded in this host";
        const std::string url = c.has(t.urlKey) ? c.getString(t.urlKey) : std::string();
        const std::string key = c.has(t.apiKey) ? c.getString(t.apiKey) : std::string();
        if (url.empty())
        {
            problems.emplace_back(t.urlKey, "required key is not set (needed because " + because + ")");
        }
        else
        {
            bool ok = false;
            try
            {
                Poco::URI uri(url);
                ok = (uri.getScheme() == "http" || uri.getScheme() == "https") && !uri.getHost().empty();
            }
            catch (const Poco::Exception&)
            {
            }
            if (!ok)
                problems.emplace_back(t.urlKey, "invalid value \"" + url + "\": expected an http:// or https:// URL");
        }
        if (key.empty())
            problems.emplace_back(t.apiKey, "required key is not set (needed because " + because + ")");
    }
}

} // namespace BrowserRelay
} // namespace Monlight
