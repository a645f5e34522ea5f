#include "AlertDispatcher.h"
#include "ErrorIngestService.h"
#include "ErrorRoutes.h"
#include "EmbeddedFiles.h"
#include "ErrorTrackerConfig.h"
#include "PgErrorStoreModule.h"
#include "SqliteErrorStore.h"
#include "Monlight/ExceptionText.h"
#include "Monlight/HttpError.h"
#include "Monlight/Plugin.h"
#include "Monlight/Time.h"
#include "Monlight/Tls.h"
#include <Poco/File.h>
#include <Poco/Path.h>
#include <dlfcn.h>
#include <memory>

namespace Monlight
{
namespace ErrorTracker
{

namespace
{
/// PgErrorStore::open() from error-tracker-postgresql.so, found next to this plugin's own file; loaded once and
/// never unloaded (the store's code lives as long as the process). Throws StartupError 70 when it is missing or
/// was built for another SDK.
std::shared_ptr<ErrorStore> openPgStore(const std::shared_ptr<Pg::PgDatabase>& db,
                                        const std::vector<std::string>& migrations)
{
    Dl_info info{};
    std::string dir = "./";
    if (dladdr(reinterpret_cast<void*>(&openPgStore), &info) != 0 && info.dli_fname != nullptr)
        dir = Poco::Path(info.dli_fname).parent().toString();
    const std::string path = dir + MONLIGHT_ET_PG_MODULE;
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle)
    {
        const char* err = dlerror();
        throw StartupError(70, "plugin error", "error-tracker",
                           "the PostgreSQL store cannot be loaded: " + std::string(err ? err : path));
    }
    auto signature = reinterpret_cast<PgSignatureFn>(dlsym(handle, MONLIGHT_ET_PG_SIGNATURE_SYMBOL));
    auto open = reinterpret_cast<PgOpenFn>(dlsym(handle, MONLIGHT_ET_PG_OPEN_SYMBOL));
    if (!signature || !open || std::string(signature()) != MONLIGHT_BUILD_SIGNATURE)
        throw StartupError(70, "plugin error", "error-tracker",
                           path + " is not the PostgreSQL store of this build of the error tracker");
    std::shared_ptr<ErrorStore> store;
    open(db, migrations, store);
    return store;
}
} // namespace

/// The error tracker (SPEC §2): wires config, store, ingest service, routes, alerts and retention.
class ErrorTrackerPlugin : public Plugin
{
public:
    PluginInfo info() const override
    {
        PluginInfo i;
        i.name = "error-tracker";
        i.version = MONLIGHT_VERSION;
        i.description = "Error tracker: ingest, dedup, triage API, alerts, retention";
        i.dependencies = {"common"};
        i.service = true;
        i.defaults.listen = "0.0.0.0:5010";
        i.defaults.databasePath = "errors.db";
        i.defaults.maxBodySize = 262144;
        i.defaults.rateLimit = 100;
        i.defaults.envPrefix = "ERROR_TRACKER";
        i.config = ErrorTrackerConfig::schema();
        return i;
    }

    void validateConfig(const PluginConfig& config, const std::vector<std::string>&,
                        std::vector<std::pair<std::string, std::string>>& problems) const override
    {
        ErrorTrackerConfig::validate(config, problems);
    }

    void initialize(PluginContext& ctx) override
    {
        _ctx = &ctx;
        _config = ErrorTrackerConfig::fromConfig(ctx.config());
        std::vector<std::pair<std::string, std::string>> ignored;
        std::vector<std::string> warnings;
        ErrorTrackerConfig::validate(ctx.config(), ignored, &warnings);
        for (const auto& w : warnings)
            ctx.logger().warning(w);
        // TLS is loaded on the first alert that needs it (Monlight/Tls.h); say now if it would not be found.
        bool mayNeedTls = (_config.postmarkEnabled() && _config.postmarkApiUrl.rfind("https:", 0) == 0) ||
                          (_config.smtpEnabled() && _config.smtpTls != "none") ||
                          (_config.webhookEnabled() && _config.alertWebhookUrl.rfind("https:", 0) == 0);
        if (mayNeedTls && !Poco::File(Tls::modulePath()).exists())
            ctx.logger().warning("TLS alert delivery is unavailable: " + Tls::modulePath() + " is missing");

        if (auto pg = ctx.postgres())
        {
            std::vector<std::string> migrations;
            try
            {
                migrations = sqlMigrations(embeddedFiles(), "sql/postgresql/");
            }
            catch (const Poco::DataFormatException& e)
            {
                throw StartupError(70, "plugin error", "error-tracker", e.message());
            }
            _pg = pg;
            _store = openPgStore(pg, migrations);
        }
        else
        {
            _db = ctx.openDatabase();
            _store = std::make_shared<SqliteErrorStore>(_db);
        }
        _metrics = std::make_unique<ErrorMetrics>(&ctx.metrics());
        _alerts = std::make_shared<AlertDispatcher>(_config, _store, *_metrics, ctx.logger());
        std::weak_ptr<AlertDispatcher> alerts = _alerts;
        _ingest = std::make_shared<ErrorIngestService>(_store, _config.defaultEnvironment,
                                                       _config.maxOccurrences, *_metrics,
                                                       [alerts](AlertEvent ev)
                                                       {
                                                           if (auto a = alerts.lock())
                                                               a->enqueue(std::move(ev));
                                                       });
        _routes = std::make_unique<ErrorRoutes>(_store, _ingest, _alerts);
        _routes->install(ctx.router());
        ctx.services().add("error-tracker.ingest", _ingest);
        _serviceRegistered = true;

        if (_config.retentionDays > 0)
        {
            std::shared_ptr<ErrorStore> store = _store;
            int days = _config.retentionDays;
            Poco::Logger* logger = &ctx.logger();
            ctx.schedule(
                "retention", 24L * 3600 * 1000,
                [store, days, logger]
                {
                    std::int64_t cutoff = Time::nowMs() - static_cast<std::int64_t>(days) * 86400000;
                    std::int64_t n = store->deleteResolvedBefore(cutoff);
                    logger->information("retention: deleted " + std::to_string(n) + " resolved error groups");
                },
                1000);
        }
    }

    void start() override { _alerts->start(); }

    void shutdown() override
    {
        try
        {
            if (_serviceRegistered && _ctx)
                _ctx->services().remove("error-tracker.ingest");
            _serviceRegistered = false;
            if (_alerts)
                _alerts->stop();
        }
        catch (...)
        {
            if (_ctx)
                _ctx->logger().error("shutdown: " + currentExceptionText());
        }
        _routes.reset();
        _ingest.reset();
        _alerts.reset();
        _store.reset();
        _metrics.reset();
        if (_db)
            _db->close();
        _db.reset();
        _pg.reset();
    }

    Health health(Json::Writer&) override
    {
        Health h;
        if (_pg)
        {
            std::string why;
            if (!_pg->healthy(why))
            {
                h.ok = false;
                h.detail = why;
                return h;
            }
        }
        if (_alerts && !_alerts->alive())
        {
            h.ok = false;
            h.detail = "alert worker stopped";
        }
        return h;
    }

private:
    PluginContext* _ctx = nullptr;
    ErrorTrackerConfig _config;
    std::shared_ptr<Database> _db;        ///< SQLite (the default)
    std::shared_ptr<Pg::PgDatabase> _pg; ///< host.storage = postgresql
    std::shared_ptr<ErrorStore> _store;
    std::unique_ptr<ErrorMetrics> _metrics;
    std::shared_ptr<AlertDispatcher> _alerts;
    std::shared_ptr<ErrorIngestService> _ingest;
    std::unique_ptr<ErrorRoutes> _routes;
    bool _serviceRegistered = false;
};

} // namespace ErrorTracker
} // namespace Monlight

MONLIGHT_PLUGIN(Monlight::ErrorTracker::ErrorTrackerPlugin)
