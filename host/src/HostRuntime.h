#pragma once

#include "HostSettings.h"
#include "PluginLoader.h"
#include "RouteTable.h"
#include "TrustedProxies.h"
#include "Monlight/Plugin.h"
#include <Poco/Logger.h>
#include <Poco/Util/Timer.h>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace Monlight
{
namespace Host
{

class HostRuntime;

/// Everything the host keeps about one loaded plugin; also the plugin's PluginContext and Router.
class PluginRuntime : public PluginContext, public Router
{
public:
    PluginRuntime(HostRuntime& host, LoadedPlugin loaded, PluginConfig config);
    ~PluginRuntime() override;

    // PluginContext
    const std::string& pluginName() const override { return _loaded.name; }
    const PluginConfig& config() const override { return _config; }
    Poco::Logger& logger() override { return *_logger; }
    const std::string& dataDir() const override;
    Router& router() override { return *this; }
    std::shared_ptr<Database> openDatabase() override;
    void schedule(const std::string& name, long periodMs, std::function<void()> task, long firstDelayMs) override;
    ServiceRegistry& services() override;
    MetricsRegistry& metrics() override;
    bool isStopping() const override;
    const std::vector<std::string>& loadedPlugins() const override;
    const PluginConfig& hostConfig() const override;
    std::shared_ptr<Pg::PgDatabase> postgres() override;

    // Router
    void add(Route route) override;

    Plugin& plugin() { return *_loaded.plugin; }
    const PluginInfo& info() const { return _loaded.info; }
    const RouteTable& routes() const { return _routes; }
    /// The plugin declared routes: it is listed on the combined index page and in the combined `/health`, and
    /// served under `/<name>/`. A plugin that only provides services to the others has none.
    bool servesHttp() const { return !_routes.empty(); }
    /// The default limit of a limiter on this plugin's routes: the plugin's `rate_limit` for Key and DsnIp,
    /// else unlimited (0). Limiter::Ip is the host's (HostSettings::ipRateLimit).
    std::int64_t rateLimit(Limiter limiter) const;
    std::size_t bodyCap() const { return _bodyCap; }
    /// Non-empty `listen` value of the plugin's own listener.
    std::string listen() const;
    /// Database health of this plugin (every database answers SELECT 1 and its writer is alive).
    bool databasesHealthy(std::string& detail);
    /// Databases healthy and the plugin's own health() ok (an exception counts as unhealthy and is logged).
    /// `fields` receives the plugin's health fields (an open object); `detail` the reason when unhealthy.
    bool healthy(Json::Writer& fields, std::string& detail);
    /// healthy() without the fields and the reason.
    bool healthy();
    /// Cancels timers (waiting for running tasks), then closes databases (draining their writers).
    void stopTimers();
    void closeDatabases();
    bool initialized = false; ///< initialize() returned
    bool started = false;     ///< start() returned
    /// Requests of this plugin being handled (own or combined listener): `monlight_http_inflight_requests`.
    std::atomic<int> inflight{0};
    /// The plugin's own listener is starved (Listener::starved()); empty without an own listener. Set before that
    /// listener starts, never changed afterwards.
    std::function<bool()> listenerStarved;

private:
    HostRuntime& _host;
    LoadedPlugin _loaded;
    PluginConfig _config;
    Poco::Logger* _logger;
    RouteTable _routes;
    std::int64_t _rateLimit = 0;
    std::size_t _bodyCap = 65536;
    std::vector<std::shared_ptr<Database>> _databases;
    std::unique_ptr<Poco::Util::Timer> _timer;
};

/// Host-wide state shared by the dispatchers and plugin contexts.
class HostRuntime
{
public:
    HostSettings settings;
    PluginConfig hostConfig;
    /// `host.storage = postgresql`: the pool every plugin shares (null on SQLite).
    std::shared_ptr<Pg::PgDatabase> postgres;
    std::vector<std::string> pluginOrder; ///< `host.plugins` order, unlisted dependencies before their dependents
    std::vector<std::unique_ptr<PluginRuntime>> plugins; ///< in initialization order
    ServiceRegistry services;
    MetricsRegistry metrics;
    std::atomic<bool> stopping{false};
    std::atomic<int> inflight{0};
    std::int64_t startTimeMs = 0;
    /// The combined listener is starved (Listener::starved()); empty without one. Set before it starts.
    std::function<bool()> combinedStarved;

    PluginRuntime* plugin(const std::string& name) const;
    AuthService* auth() const { return _auth.get(); }
    RateLimitService* limits() const { return _limits.get(); }
    /// Looks up the services `auth` and `ratelimit` (registered by a plugin, `common` in a standard install);
    /// false, binding nothing, until both are registered.
    bool bindSecurityServices();

private:
    std::shared_ptr<AuthService> _auth;
    std::shared_ptr<RateLimitService> _limits;
};

} // namespace Host
} // namespace Monlight
