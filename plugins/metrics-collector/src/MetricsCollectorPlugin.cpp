#include "EmbeddedFiles.h"
#include "MetricAggregator.h"
#include "MetricIngestor.h"
#include "MetricQueries.h"
#include "MetricStore.h"
#include "MetricsConfig.h"
#include "MetricsIngestService.h"
#include "PgMetricStore.h"
#include "Monlight/Migrations.h"
#include "Monlight/HttpError.h"
#include "Monlight/Plugin.h"
#include "Monlight/Time.h"
#include <memory>
#include <mutex>

namespace Monlight
{
namespace MetricsCollector
{

/// The metrics collector (SPEC §4): lifecycle only; logic lives in the store, ingestor, aggregator and queries.
class MetricsCollectorPlugin : public Plugin
{
public:
    PluginInfo info() const override
    {
        PluginInfo i;
        i.name = "metrics-collector";
        i.version = MONLIGHT_VERSION;
        i.description = "Metrics ingest, rollups with mergeable percentiles, queries and Web Vitals";
        i.dependencies = {"common"};
        i.service = true;
        i.defaults.listen = "0.0.0.0:5012";
        i.defaults.databasePath = "metrics.db";
        i.defaults.maxBodySize = 524288;
        i.defaults.rateLimit = 200;
        i.defaults.envPrefix = "METRICS_COLLECTOR";
        i.config = MetricsConfig::schema();
        return i;
    }

    void validateConfig(const PluginConfig& config, const std::vector<std::string>&,
                        std::vector<std::pair<std::string, std::string>>& problems) const override
    {
        MetricsConfig::crossCheck(config, problems);
    }

    void initialize(PluginContext& context) override
    {
        _context = &context;
        MetricsConfig cfg = MetricsConfig::from(context.config());
        if (auto pg = context.postgres())
        {
            std::vector<std::string> migrations;
            try
            {
                migrations = sqlMigrations(embeddedFiles(), "sql/postgresql/");
            }
            catch (const Poco::DataFormatException& e)
            {
                throw StartupError(70, "plugin error", "metrics-collector", e.message());
            }
            _pg = pg;
            _store = PgMetricStore::open(pg, migrations, cfg.dropLabels);
        }
        else
        {
            _db = context.openDatabase();
            _store = std::make_unique<MetricStore>(_db, cfg.dropLabels);
        }
        _store->initWatermarks(Time::nowMs());
        _store->setStopping([&context] { return context.isStopping(); });
        _store->setSeriesLimit(static_cast<std::size_t>(cfg.maxSeriesPerProject));
        _store->loadSeriesIndex();

        auto& m = context.metrics();
        const std::string owner = "metrics-collector";
        MetricIngestor::Counters counters;
        counters.stored = &m.counter(owner, "monlight_metric_points_total", "MC points stored");
        const std::string droppedHelp = "Items accepted on the wire but not stored";
        counters.tooOld = &m.counter(owner, "monlight_dropped_items_total", droppedHelp,
                                     {{"plugin", owner}, {"reason", "metric_too_old"}});
        counters.inFuture = &m.counter(owner, "monlight_dropped_items_total", droppedHelp,
                                       {{"plugin", owner}, {"reason", "metric_in_future"}});
        counters.seriesLimit = &m.counter(owner, "monlight_dropped_items_total", droppedHelp,
                                          {{"plugin", owner}, {"reason", "series_limit"}});

        MetricIngestor::Settings settings;
        settings.maxBatchItems = static_cast<std::size_t>(cfg.maxBatchItems);
        settings.maxLabels = static_cast<std::size_t>(cfg.maxLabels);
        settings.retentionRawHours = cfg.retentionRawHours;
        settings.futureToleranceSeconds = cfg.futureToleranceSeconds;
        settings.maxSeriesPerProject = static_cast<std::size_t>(cfg.maxSeriesPerProject);
        _ingestor = std::make_unique<MetricIngestor>(*_store, settings, &Time::nowMs, counters);
        _ingestor->setLogger(&context.logger());
        _queries = std::make_unique<MetricQueries>(*_store, &Time::nowMs);
        MetricAggregator::Retention retention{cfg.retentionRawHours, cfg.retentionMinuteHours,
                                              cfg.retentionHourlyDays};
        PluginContext* ctx = &context;
        _aggregator = std::make_unique<MetricAggregator>(*_store, retention, &Time::nowMs,
                                                         [ctx] { return ctx->isStopping(); });
        MetricAggregator* aggregator = _aggregator.get();
        m.gaugeFn(owner, "monlight_aggregation_duration_seconds", "Duration of the last MC aggregation pass", {},
                  [aggregator] { return aggregator->lastPassSeconds(); });

        auto& router = context.router();
        router.add(Route::post("/api/metrics").auth(AuthPolicy::ApiKey).handle([this](Request& req, Response& res) {
            res.json(202, MetricIngestor::replyJson(_ingestor->ingest(req.body())));
        }));
        router.add(Route::get("/api/metrics").auth(AuthPolicy::ApiKey).handle(
            [this](Request& req, Response& res) { res.json(200, _queries->metrics(req.query())); }));
        router.add(Route::get("/api/metrics/names").auth(AuthPolicy::ApiKey).handle(
            [this](Request& req, Response& res) { res.json(200, _queries->names(req.query())); }));
        router.add(Route::get("/api/metrics/labels").auth(AuthPolicy::ApiKey).handle(
            [this](Request& req, Response& res) { res.json(200, _queries->labels(req.query())); }));
        router.add(Route::get("/api/projects").auth(AuthPolicy::ApiKey).handle(
            [this](Request&, Response& res) { res.json(200, _queries->projects()); }));
        router.add(Route::get("/api/dashboard").auth(AuthPolicy::ApiKey).handle(
            [this](Request& req, Response& res) { res.json(200, _queries->dashboard(req.query())); }));

        _service = std::make_shared<MetricsIngestService>(*_ingestor);
        context.services().add("metrics-collector.ingest", _service);
        context.schedule(
            "aggregation", static_cast<long>(cfg.aggregationIntervalSeconds * 1000),
            [aggregator] { aggregator->tick(); }, 5000);
    }

    void shutdown() override
    {
        try
        {
            if (_context && _service)
                _context->services().remove("metrics-collector.ingest");
            if (_db)
                _db->close();
            _pg.reset();
        }
        catch (...)
        {
            // shutdown() must not throw; the database closes itself on destruction.
        }
        _service.reset();
    }

    Health health(Json::Writer& fields) override
    {
        if (!_store)
            return {};
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
        std::int64_t now = Time::nowMs();
        std::int64_t received = 0;
        {
            std::lock_guard<std::mutex> lock(_healthMutex);
            if (!_receivedAt || now - *_receivedAt > 60000)
            {
                _store->snapshot([&](MetricReader& r) { _received = r.pointsSince(now - 24 * HOUR_MS); });
                _receivedAt = now;
            }
            received = _received;
        }
        auto last = _aggregator->lastAggregation();
        fields.field("metrics_received_24h", received);
        if (last)
            fields.field("last_aggregation", Time::formatSeconds(*last));
        else
            fields.fieldNull("last_aggregation");
        return {};
    }

private:
    PluginContext* _context = nullptr;
    std::shared_ptr<Database> _db;        ///< SQLite (the default)
    std::shared_ptr<Pg::PgDatabase> _pg; ///< host.storage = postgresql
    std::unique_ptr<MetricStorage> _store;
    std::unique_ptr<MetricIngestor> _ingestor;
    std::unique_ptr<MetricQueries> _queries;
    std::unique_ptr<MetricAggregator> _aggregator;
    std::shared_ptr<MetricsIngestService> _service;
    std::mutex _healthMutex;
    std::optional<std::int64_t> _receivedAt;
    std::int64_t _received = 0;
};

} // namespace MetricsCollector
} // namespace Monlight

MONLIGHT_PLUGIN(Monlight::MetricsCollector::MetricsCollectorPlugin)
