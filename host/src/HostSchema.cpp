#include "HostSchema.h"

namespace Monlight
{
namespace Host
{

std::vector<ConfigKey> hostSchema()
{
    std::vector<ConfigKey> k;
    k.push_back(ConfigKey::list("plugins", "error-tracker,log-viewer,metrics-collector,browser-relay",
                                "Plugins to load, in the order of the index page and first listener; a plugin's declared "
                                "dependencies found on plugin_path are loaded before it without being listed"));
    k.push_back(ConfigKey::string("plugin_path", MONLIGHT_DEFAULT_PLUGIN_PATH,
                                  "Colon-separated directories searched for <name>.so (relative to the config file; "
                                  "$ORIGIN = the directory of monlight-host)"));
    k.push_back(ConfigKey::string("data_dir", "/var/lib/monlight", "Database directory, created (0750) if missing"));
    k.push_back(ConfigKey::listen("listen", "", "Combined listener serving every plugin under /<plugin>/; empty = off"));
    k.push_back(ConfigKey::integer("max_threads", COMBINED_LISTENER_THREADS, 1, 256, "Combined listener worker threads"));
    k.push_back(ConfigKey::integer("max_queued", 256, 1, 10000, "Combined listener queued connections"));
    k.push_back(ConfigKey::integer("keep_alive_timeout_seconds", 15, 1, 3600, "Idle keep-alive timeout"));
    k.push_back(ConfigKey::integer("max_keep_alive_requests", 1000, 1, 1000000, "Requests per connection"));
    k.push_back(ConfigKey::integer("request_timeout_seconds", 30, 1, 3600, "Socket receive/send timeout"));
    k.push_back(ConfigKey::integer("request_head_timeout_seconds", 10, 1, 3600,
                                   "Total time for a request head, from connection start or the first byte of "
                                   "the next request; then the connection is closed"));
    k.push_back(ConfigKey::integer("max_pending_heads_per_ip", 4, 0, 256,
                                   "Workers of one listener a client IP may hold for over 1 s while they wait for "
                                   "request heads (0 = no cap; trusted proxies exempt)"));
    k.push_back(ConfigKey::integer("shutdown_grace_seconds", 8, 1, 9, "In-flight grace on shutdown"));
    k.push_back(ConfigKey::level("log_level", "info", "Default log level (error|warning|info|debug)").env("LOG_LEVEL"));
    k.push_back(ConfigKey::choice("log_format", "text", {"text", "json"}, "Log line format"));
    k.push_back(ConfigKey::boolean("access_log", false, "Log one line per request at info level"));
    k.push_back(ConfigKey::list("trusted_proxies", "", "IPs/CIDRs whose X-Forwarded-For/X-Real-IP is honoured"));
    k.push_back(ConfigKey::integer("ip_rate_limit", 600, 0, std::numeric_limits<std::int64_t>::max(),
                                   "Per-IP limit per minute for open routes (0 = off)"));
    k.push_back(ConfigKey::integer("auth_failure_limit", 20, 0, std::numeric_limits<std::int64_t>::max(),
                                   "Failed authentications per IP per 60 s before 429 (0 = off)"));
    k.push_back(ConfigKey::choice("self_metrics", "key", {"public", "key", "off"}, "/metrics exposure"));
    k.push_back(ConfigKey::string("metrics_api_key", "", "Extra key accepted by /metrics").isSecret());
    k.push_back(ConfigKey::choice("sqlite_synchronous", "normal", {"normal", "full"}, "SQLite synchronous mode"));
    k.push_back(ConfigKey::integer("sqlite_cache_mb", 16, 1, 1024, "SQLite page cache per connection (MB)"));
    k.push_back(ConfigKey::choice("storage", "sqlite", {"sqlite", "postgresql"},
                                  "Storage backend: sqlite (a file per plugin under data_dir) or postgresql (shared "
                                  "by several hosts; the error tracker only in this version)"));
    k.push_back(ConfigKey::string("postgresql_dsn", "",
                                  "libpq connection string (key=value pairs or a postgresql:// URI) when storage = "
                                  "postgresql; a password is better given by PGPASSWORD or a PGPASSFILE"));
    k.push_back(ConfigKey::integer("postgresql_pool_size", 8, 1, 100, "PostgreSQL connections of this host at most"));
    k.push_back(ConfigKey::choice("postgresql_synchronous_commit", "on", {"on", "off"},
                                  "off: a write is acknowledged before PostgreSQL flushed it (faster; a server crash "
                                  "loses the last moments)"));
    return k;
}

std::vector<ConfigKey> serviceKeys(const ServiceDefaults& d)
{
    std::vector<ConfigKey> k;
    k.push_back(ConfigKey::listen("listen", d.listen, "Own listener address; empty = combined listener only"));
    k.push_back(ConfigKey::string("database_path", d.databasePath,
                                  "Database file; relative paths are resolved against host.data_dir")
                    .env("DATABASE_PATH"));
    auto body = ConfigKey::bytes("max_body_size", d.maxBodySize, 1024, 67108864, "Request body cap (bytes)");
    auto rate = ConfigKey::integer("rate_limit", d.rateLimit, 0, std::numeric_limits<std::int64_t>::max(),
                                   "Per-principal requests per minute (0 = unlimited)");
    if (d.bodyEnvNames)
    {
        body.env("MAX_BODY_SIZE");
        rate.env("RATE_LIMIT");
    }
    k.push_back(body);
    k.push_back(rate);
    k.push_back(ConfigKey::integer("max_threads", LISTENER_THREADS, 1, 256, "Listener worker threads"));
    k.push_back(ConfigKey::integer("max_queued", 128, 1, 10000, "Listener queued connections"));
    k.push_back(ConfigKey::integer("write_queue_size", 10000, 100, 1000000, "Database writer queue bound (items)"));
    auto level = ConfigKey::level("log_level", "", "Log level of this plugin (default host.log_level)").env("LOG_LEVEL");
    level.envPrefixedOnly = true;
    k.push_back(level);
    k.push_back(ConfigKey::boolean("ui_enabled", true, "Serve the web UI"));
    return k;
}

std::vector<ConfigKey> pluginSchema(const PluginInfo& info)
{
    std::vector<ConfigKey> keys;
    if (info.service)
        keys = serviceKeys(info.defaults);
    for (const auto& k : info.config)
    {
        bool replaced = false;
        for (auto& existing : keys)
            if (existing.name == k.name)
            {
                existing = k;
                replaced = true;
            }
        if (!replaced)
            keys.push_back(k);
    }
    return keys;
}

} // namespace Host
} // namespace Monlight
