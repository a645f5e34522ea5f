// The browser relay plugin (§5): lifecycle only. Logic lives in AdminApi, BrowserApi, the caches and the
// store.
#include "AdminApi.h"
#include "BrowserApi.h"
#include "BrowserRelayStore.h"
#include "EmbeddedFiles.h"
#include "PgRelayStore.h"
#include "DsnKeyCache.h"
#include "DsnSeedList.h"
#include "ForwardTarget.h"
#include "RelayJobs.h"
#include "RelaySettings.h"
#include "SentryIngest.h"
#include "SdkAssets.h"
#include "SourceMapCache.h"
#include <Monlight/ExceptionText.h>
#include <Monlight/HttpError.h>
#include <Monlight/Migrations.h>
#include <Monlight/Plugin.h>
#include <Monlight/Time.h>
#include <map>
#include <string_view>

namespace Monlight
{
namespace BrowserRelay
{

class BrowserRelayPlugin : public Plugin
{
public:
    PluginInfo info() const override
    {
        PluginInfo i;
        i.name = "browser-relay";
        i.version = MONLIGHT_VERSION;
        i.description = "Browser relay: DSN keys, CORS, source maps, forwarding to the error tracker and "
                        "metrics collector";
        i.dependencies = {"common"};
        i.service = true;
        i.defaults.listen = "0.0.0.0:5013";
        i.defaults.databasePath = "browser-relay.db";
        i.defaults.maxBodySize = 65536;
        i.defaults.rateLimit = 300;
        i.defaults.envPrefix = "BROWSER_RELAY";
        i.defaults.bodyEnvNames = true;
        i.defaults.apiKeyName = "";
        i.config = RelaySettings::schema();
        return i;
    }

    void validateConfig(const PluginConfig& config, const std::vector<std::string>& loadedPlugins,
                        std::vector<std::pair<std::string, std::string>>& problems) const override
    {
        RelaySettings::validate(config, loadedPlugins, problems);
    }

    void initialize(PluginContext& ctx) override
    {
        _ctx = &ctx;
        _settings = RelaySettings::from(ctx.config());
        if (auto pg = ctx.postgres())
        {
            std::vector<std::string> migrations;
            try
            {
                migrations = sqlMigrations(embeddedFiles(), "sql/postgresql/");
            }
            catch (const Poco::DataFormatException& e)
            {
                throw StartupError(70, "plugin error", "browser-relay", e.message());
            }
            _pg = pg;
            _store = PgRelayStore::open(pg, migrations);
        }
        else
        {
            _db = ctx.openDatabase();
            _store = std::make_shared<BrowserRelayStore>(_db);
        }

        // DSN keys: seed, then load everything into memory; the host asks the resolver on every browser
        // request.
        std::vector<DsnSeedList::Entry> seeds;
        std::string error;
        if (!DsnSeedList::parse(_settings.dsnKeys, seeds, error))
            throw StartupError(78, "config error", "browser-relay.dsn_keys", error);
        for (const auto& s : seeds)
            if (_store->seedDsnKey(s.project, s.key, Time::nowMs()))
                ctx.logger().information("seeded DSN key " + s.key.substr(0, 6) + "… for project " +
                                         s.project);
        _seenVersion = _store->changeVersion(); // read before the lists: a change in between is read again
        _dsnKeys.load(_store->dsnKeys());

        auto* store = _store.get();
        _maps = std::make_unique<SourceMapCache>(_settings.sourceMapCacheMb * 1024 * 1024,
                                                 [store](std::int64_t id)
                                                 { return store->sourceMapContent(id); });
        _maps->loadIndex(_store->sourceMaps());

        const auto auth = ctx.services().get<AuthService>("auth");
        if (!auth)
            throw StartupError(70, "plugin error", "browser-relay", "service auth (common) is not available");
        auto* keys = &_dsnKeys;
        auth->setDsnResolver([keys](const std::string& key) { return keys->resolve(key, Time::nowMs()); });

        _errors = makeTarget("error-tracker", "error-tracker.ingest", _settings.errorTrackerUrl,
                             _settings.errorTrackerApiKey, "/api/errors", {200, 201});
        _metrics = makeTarget("metrics-collector", "metrics-collector.ingest", _settings.metricsCollectorUrl,
                              _settings.metricsCollectorApiKey, "/api/metrics", {200, 201, 202});

        Router& router = ctx.router();
        const auto cors = ctx.services().get<CorsService>("cors");
        if (!cors)
            throw StartupError(70, "plugin error", "browser-relay", "service cors (common) is not available");
        std::shared_ptr<CorsPolicy> corsPolicy;
        try
        {
            corsPolicy = cors->makePolicy(_settings.corsOrigins);
        }
        catch (const Poco::InvalidArgumentException& e)
        {
            throw StartupError(78, "config error", "browser-relay.cors_origins", e.message());
        }

        _admin = std::make_unique<AdminApi>(*_store, _dsnKeys, *_maps);
        _admin->setPublicUrl(_settings.publicUrl);
        _admin->addRoutes(router, _settings.maxSourceMapSize, _settings.adminRateLimit);
        _browser = std::make_unique<BrowserApi>(_settings, *_maps, *_errors, *_metrics);
        _browser->addRoutes(router, corsPolicy);
        _sentry = std::make_unique<SentryIngest>(_settings, _dsnKeys, *_maps, *_errors, *_metrics, ctx.services(),
                                                 ctx.metrics(), corsPolicy);
        _sentry->addRoutes(router); // §11
        SdkAssets::addRoutes(router, sdkBundle());
        if (sdkBundle().js.empty())
            ctx.logger().information("browser SDK not embedded (" + sdkBundle().missing +
                                     "): /sdk/monlight.min.js answers 404");

        _jobs = std::make_unique<RelayJobs>(*_store, _dsnKeys, *_maps, _settings.retentionDays);
        ctx.schedule("usage-flush", 60 * 1000, [this] { flushUsage(); });
        ctx.schedule("source-map-retention", 24L * 3600 * 1000, [this] { applyRetention(); }, 60 * 1000);
        if (_seenVersion)
            ctx.schedule("shared-store-sync", SYNC_PERIOD_MS, [this] { followSharedStore(); });
        ctx.logger().information(std::string("forwarding: error-tracker ") + _errors->modeName() +
                                 ", metrics-collector " + _metrics->modeName());
    }

    void shutdown() override
    {
        try
        {
            flushUsage();
        }
        catch (...)
        {
            if (_ctx)
                _ctx->logger().error("DSN key usage not flushed at shutdown: " + currentExceptionText());
        }
        _jobs.reset();
        _sentry.reset();
        _browser.reset();
        _admin.reset();
        _metrics.reset();
        _errors.reset();
        _maps.reset();
        _store.reset();
        _db.reset();
        _pg.reset();
    }

    Health health(Json::Writer& fields) override
    {
        if (_pg)
        {
            std::string why;
            if (!_pg->healthy(why))
            {
                Health h;
                h.ok = false;
                h.detail = why;
                return h;
            }
        }
        if (_errors && _metrics)
            fields.key("forwarding")
                .beginObject()
                .field("error-tracker", _errors->modeName())
                .field("metrics-collector", _metrics->modeName())
                .endObject();
        return {};
    }

private:
    std::unique_ptr<ForwardTarget> makeTarget(const std::string& name, const std::string& service,
                                              const std::string& url, const std::string& apiKey,
                                              const std::string& path, std::set<int> ok)
    {
        const bool inProcess = RelaySettings::inProcess(_settings.forwardMode, name, _ctx->loadedPlugins());
        std::unique_ptr<HttpUpstream> upstream;
        if (!inProcess)
        {
            try
            {
                upstream = std::make_unique<HttpUpstream>(url, path, apiKey, _settings.forwardTimeoutMs,
                                                          _settings.forwardPoolSize, _settings.forwardTlsVerify);
            }
            catch (const Poco::Exception& e)
            {
                const std::string key =
                    name == "error-tracker" ? "error_tracker_url" : "metrics_collector_url";
                throw StartupError(78, "config error", "browser-relay." + key, e.displayText());
            }
        }
        return std::make_unique<ForwardTarget>(
            name, service, inProcess ? ForwardTarget::Mode::InProcess : ForwardTarget::Mode::Http,
            std::move(upstream), std::move(ok), _ctx->services(), _ctx->metrics(), _ctx->logger());
    }

    /// A store shared with other hosts (PostgreSQL): when its change version moved, DSN keys and the source-map
    /// index are read again, so a key created or deactivated, or a map uploaded, replaced or deleted on another
    /// host, applies here within SYNC_PERIOD_MS. The parsed maps are dropped with the index (a map replaced
    /// elsewhere keeps its id); they are parsed again on their next use.
    void followSharedStore()
    {
        const auto version = _store->changeVersion();
        if (!version || version == _seenVersion)
            return;
        auto keys = _store->dsnKeys();
        auto maps = _store->sourceMaps();
        _dsnKeys.load(keys);
        _maps->loadIndex(maps);
        _seenVersion = version;
    }

    void flushUsage()
    {
        if (_jobs)
            _jobs->flushUsage();
    }

    void applyRetention()
    {
        if (!_jobs)
            return;
        const std::size_t deleted = _jobs->applyRetention(Time::nowMs());
        if (deleted)
            _ctx->logger().information("source-map retention deleted " + std::to_string(deleted) + " maps");
    }

    PluginContext* _ctx = nullptr;
    RelaySettings _settings;
    std::shared_ptr<Database> _db;
    std::shared_ptr<Pg::PgDatabase> _pg; ///< host.storage = postgresql
    std::shared_ptr<RelayStore> _store;
    std::optional<std::int64_t> _seenVersion; ///< of a shared store (nothing for SQLite)
    static constexpr long SYNC_PERIOD_MS = 1000;
    DsnKeyCache _dsnKeys;
    std::unique_ptr<SourceMapCache> _maps;
    std::unique_ptr<ForwardTarget> _errors;
    std::unique_ptr<ForwardTarget> _metrics;
    std::unique_ptr<AdminApi> _admin;
    std::unique_ptr<BrowserApi> _browser;
    std::unique_ptr<SentryIngest> _sentry;
    std::unique_ptr<RelayJobs> _jobs;
};

} // namespace BrowserRelay
} // namespace Monlight

MONLIGHT_PLUGIN(Monlight::BrowserRelay::BrowserRelayPlugin)
