#pragma once

#include "Monlight/Config.h"
#include "Monlight/Database.h"
#include "Monlight/Http.h"
#include "Monlight/Json.h"
#include "Monlight/Metrics.h"
#include "Monlight/PgDatabase.h"
#include "Monlight/Services.h"
#include "Monlight/Version.h"
#include <Poco/ClassLibrary.h>
#include <Poco/Logger.h>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace Monlight
{

/// Defaults of the keys every service plugin (one with its own listener and database) has: `listen`,
/// `database_path`, `max_body_size`, `rate_limit`, `max_threads` (32), `max_queued` (128), `write_queue_size`
/// (10000), `log_level` (host.log_level) and `ui_enabled` (true).
struct ServiceDefaults
{
    std::string listen;             ///< `0.0.0.0:5010`; empty = reachable only on the combined listener
    std::string databasePath;       ///< `errors.db`
    std::int64_t maxBodySize = 65536;
    std::int64_t rateLimit = 60;
    std::string envPrefix;          ///< `ERROR_TRACKER`: a key with short env name `API_KEY` is also read from
                                    ///< `ERROR_TRACKER_API_KEY` (after `MONLIGHT_<SECTION>_<KEY>`, before bare `API_KEY`)
    bool bodyEnvNames = false;      ///< `MAX_BODY_SIZE`/`RATE_LIMIT` short env names (browser relay)
    std::string apiKeyName = "api_key"; ///< the key that API_KEY routes check; empty if none
};

/// What a plugin declares about itself before anything is created.
struct PluginInfo
{
    std::string name;                      ///< `[a-z][a-z0-9-]{1,31}`, equals the file name without `.so`
    std::string version;
    std::string description;
    /// Plugins initialized before this one. A dependency not listed in `host.plugins` is loaded from
    /// `host.plugin_path` when found there (before this plugin); one found nowhere stops the start. The default
    /// is `common`, which provides the `auth`, `ratelimit` and `cors` services every route relies on; a plugin
    /// that needs none of them (such as `common` itself) clears it.
    std::vector<std::string> dependencies{"common"};
    std::vector<ConfigKey> config;         ///< plugin-specific keys (the service keys above are added for services;
                                           ///< a key of the same name here replaces them)
    bool service = false;                  ///< has a listener, a database and the service keys
    ServiceDefaults defaults;
};

/// Result of a plugin's health check (see Plugin::health()).
struct Health
{
    bool ok = true;
    std::string detail; ///< reason when not ok, answered as `detail` with 503
};

/// Everything a plugin gets from the host. Plugins never reach for globals.
class MONLIGHT_API PluginContext
{
public:
    virtual ~PluginContext();
    virtual const std::string& pluginName() const = 0;
    virtual const PluginConfig& config() const = 0;
    /// The plugin's logger (named after the plugin, level from config).
    virtual Poco::Logger& logger() = 0;
    virtual const std::string& dataDir() const = 0;
    virtual Router& router() = 0;
    /// Opens the plugin's database (`<plugin>.database_path`, or `<data_dir>/<name>.db` for plugins without
    /// the key) with pragmas and writer, and applies the plugin's own embedded `sql/<N>_<name>.sql` files in
    /// order (see sqlMigrations()). Throws StartupError: 65/73 from the database, 70 for misnumbered files.
    virtual std::shared_ptr<Database> openDatabase() = 0;
    /// Runs `task` every `periodMs` (fixed rate) on the plugin's timer thread, first after `firstDelayMs`
    /// (negative = one period). Exceptions are logged; tasks are cancelled and waited for at shutdown.
    virtual void schedule(const std::string& name, long periodMs, std::function<void()> task,
                          long firstDelayMs = -1) = 0;
    virtual ServiceRegistry& services() = 0;
    virtual MetricsRegistry& metrics() = 0;
    /// True once SIGTERM/SIGINT has been received: long loops must end.
    virtual bool isStopping() const = 0;
    /// Names of all loaded plugins in `host.plugins` order.
    virtual const std::vector<std::string>& loadedPlugins() const = 0;
    /// Host-level settings a plugin may need (`host.data_dir`, `host.trusted_proxies`, ...), resolved.
    virtual const PluginConfig& hostConfig() const = 0;
    /// The host's PostgreSQL pool when `host.storage = postgresql`, shared by every plugin of the host (each keeps
    /// its tables in its own schema, migrated with Pg::PgDatabase::migrate()); null on SQLite (the default), where
    /// the plugin uses openDatabase().
    virtual std::shared_ptr<Pg::PgDatabase> postgres() = 0;
};

/// Base class of every plugin. Lifecycle: info() → validateConfig() → initialize() (dependency order) →
/// start() → [serving] → stopping() → shutdown() (reverse order).
class MONLIGHT_API Plugin
{
public:
    virtual ~Plugin();
    virtual PluginInfo info() const = 0;
    /// Cross-key rules beyond the schema; appends `key: reason` problems (key without section).
    virtual void validateConfig(const PluginConfig& config, const std::vector<std::string>& loadedPlugins,
                                std::vector<std::pair<std::string, std::string>>& problems) const;
    /// Opens the database, declares routes, services and timers. Throw StartupError for fatal problems.
    virtual void initialize(PluginContext& context) = 0;
    /// Called after every plugin is initialized, before the listeners open (start watcher threads here).
    virtual void start();
    /// SIGTERM received: wake long-lived work (SSE streams). Called before listeners drain.
    virtual void stopping();
    /// Stops threads and releases everything, in reverse order of initialize(). Must not throw.
    virtual void shutdown() = 0;
    /// Plugin-specific health, answered on `GET /health` (the host checks the plugin's databases itself). Must be
    /// cheap: in-memory or cached values, no table scans. `fields` is the answer's object, open after `status`,
    /// `service` and `version`: write the plugin's own members into it (`fields.field("logs_indexed", n)`) and
    /// leave it open. The host composes the answer (and discards the fields where it only needs `ok`).
    virtual Health health(Json::Writer& fields);
};

} // namespace Monlight

#if defined(__GNUC__)
#define MONLIGHT_PLUGIN_EXPORT extern "C" __attribute__((visibility("default")))
#else
#define MONLIGHT_PLUGIN_EXPORT extern "C"
#endif

/// Exports `ClassName` as the library's plugin: the Poco ClassLoader manifest (base Monlight::Plugin, one class),
/// the library init hooks, and `monlightPluginSignature()` (checked by the host before anything is created).
#define MONLIGHT_PLUGIN(ClassName)                                                                           \
    POCO_BEGIN_MANIFEST(Monlight::Plugin)                                                                    \
    POCO_EXPORT_CLASS(ClassName)                                                                             \
    POCO_END_MANIFEST                                                                                        \
    MONLIGHT_PLUGIN_EXPORT const char* monlightPluginSignature() { return MONLIGHT_BUILD_SIGNATURE; }         \
    MONLIGHT_PLUGIN_EXPORT const char* monlightPluginClass() { return #ClassName; }                           \
    MONLIGHT_PLUGIN_EXPORT void pocoInitializeLibrary() {}                                                   \
    MONLIGHT_PLUGIN_EXPORT void pocoUninitializeLibrary() {}
