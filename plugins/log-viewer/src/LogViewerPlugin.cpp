#include "Monlight/ExceptionText.h"
#include "Monlight/Plugin.h"

#include "LogIngestor.h"
#include "LogRoutes.h"
#include "LogStore.h"
#include "LogTailer.h"
#include "LogViewerConfig.h"
#include "LogWriter.h"
#include "EmbeddedFiles.h"
#include "Monlight/Migrations.h"
#include "Monlight/PgDatabase.h"
#include "PgLogStore.h"
#include "PgTailWatcher.h"
#include "ReadSearchCapability.h"
#include "Monlight/HttpError.h"
#include "Monlight/Json.h"
#include "Monlight/Time.h"
#include "SseHub.h"
#include <memory>

namespace Monlight
{
namespace LogViewer
{

/// The `log-viewer` plugin: Docker json-file logs into FTS5, search API and live tail (SPEC §3).
/// Lifecycle only; the work lives in LogTailer, LogWriter, LogStore, LogRoutes and SseHub.
class LogViewerPlugin : public Plugin
{
public:
    PluginInfo info() const override
    {
        PluginInfo i;
        i.name = "log-viewer";
        i.version = MONLIGHT_VERSION;
        i.description = "Docker log viewer: json-file tailing, full-text search and live tail";
        i.dependencies = {"common"};
        i.service = true;
        i.defaults.listen = "0.0.0.0:5011";
        i.defaults.databasePath = "logs.db";
        i.defaults.maxBodySize = 65536;
        i.defaults.rateLimit = 60;
        i.defaults.envPrefix = "LOG_VIEWER";
        i.config = LogViewerConfig::schema();
        return i;
    }

    void validateConfig(const PluginConfig& config, const std::vector<std::string>&,
                        std::vector<std::pair<std::string, std::string>>& problems) const override
    {
        if (config.has("log_sources"))
        {
            const std::string& s = config.getString("log_sources");
            if (s.empty() || s[0] != '/')
                problems.emplace_back("log_sources",
                                      "invalid value \"" + s + "\": expected an absolute path");
        }
    }

    void initialize(PluginContext& context) override
    {
        _context = &context;
        _config = LogViewerConfig::from(context.config());
        // Before any thread of this plugin starts, so that they inherit it (capabilities are per thread).
        const auto capability = ReadSearchCapability::raise();
        if (capability == ReadSearchCapability::State::Raised)
            context.logger().information("CAP_DAC_READ_SEARCH raised to read Docker logs");
        if (!ReadSearchCapability::canRead(_config.logSources))
            context.logger().warning("cannot read Docker logs: add cap_add: [DAC_READ_SEARCH] or run as root (" +
                                     _config.logSources + " is not readable)");
        if (auto pg = context.postgres())
        {
            std::vector<std::string> migrations;
            try
            {
                migrations = sqlMigrations(embeddedFiles(), "sql/postgresql/");
            }
            catch (const Poco::DataFormatException& e)
            {
                throw StartupError(70, "plugin error", "log-viewer", e.message());
            }
            _pgStore = PgLogStore::open(pg, migrations);
            _store = _pgStore;
        }
        else
        {
            _db = context.openDatabase();
        }

        MetricsRegistry& m = context.metrics();
        _linesTotal = &m.counter("log-viewer", "monlight_log_lines_total", "LV Docker lines consumed");
        _entriesTotal = &m.counter("log-viewer", "monlight_log_entries_total", "LV entries stored");
        _sseClients = &m.gauge("log-viewer", "monlight_sse_clients", "LV open SSE streams");
        _invalidLines =
            &m.counter("log-viewer", "monlight_dropped_items_total", "Items accepted but not stored",
                       {{"plugin", "log-viewer"}, {"reason", "log_line_invalid"}});
        _sseOverflow =
            &m.counter("log-viewer", "monlight_dropped_items_total", "Items accepted but not stored",
                       {{"plugin", "log-viewer"}, {"reason", "sse_overflow"}});

        SseHub::Options hubOptions;
        hubOptions.maxConnections = static_cast<std::size_t>(_config.sseMaxConnections);
        hubOptions.stream.maxDurationMs = _config.sseMaxDurationSeconds * 1000;
        hubOptions.stream.heartbeatMs = _config.sseHeartbeatSeconds * 1000;
        hubOptions.stream.queueSize = static_cast<std::size_t>(_config.sseQueueSize);
        Gauge* clients = _sseClients;
        Counter* overflow = _sseOverflow;
        _hub = std::make_unique<SseHub>(
            hubOptions, [clients](std::size_t n) { clients->set(static_cast<double>(n)); },
            [overflow] { overflow->inc(); });

        auto counts = std::make_shared<CountCache>();
        if (!_store)
            _store = std::make_shared<LogStore>(_db, counts);
        std::function<void()> sharedCommitted;
        if (_pgStore)
        {
            _watcher = std::make_unique<PgTailWatcher>(_pgStore, *_hub, 1000);
            PgTailWatcher* watcher = _watcher.get();
            sharedCommitted = [watcher] { watcher->committed(); };
        }
        _writer = std::make_unique<LogWriter>(_store, *_hub, _config.maxEntries, _entriesTotal, counts,
                                              std::move(sharedCommitted));
        _writer->load();

        _routes = std::make_unique<LogRoutes>(
            _store, *_hub, [this] { return _tailer ? _tailer->watchedNames() : std::vector<std::string>(); });
        _routes->registerRoutes(context.router());

        LogIngestor::Options ingestOptions;
        ingestOptions.maxMessageBytes = static_cast<std::size_t>(_config.maxLineBytes);
        ingestOptions.stderrDefault = _config.stderrDefaultLevel;
        _ingestor = std::make_unique<LogIngestor>(*_writer, ingestOptions);
        _routes->registerIngest(context.router(), *_ingestor,
                                static_cast<std::size_t>(_config.maxIngestBodySize));
        _service = std::make_shared<LogIngestService>(*_ingestor);
        context.services().add("log-viewer.logs", _service);

        if (_config.retentionDays > 0)
        {
            std::int64_t days = _config.retentionDays;
            context.schedule(
                "log-retention", 3600 * 1000L,
                [this, days] { _writer->deleteOlderThan(Time::nowMs() - days * 86400000LL); }, 60000);
        }
        context.schedule("cursor-cleanup", 86400 * 1000L,
                         [this]
                         {
                             _writer->cleanupCursors(Time::nowMs() - 7 * 86400000LL,
                                                     _tailer ? _tailer->watchedIds()
                                                             : std::vector<std::string>());
                         });
    }

    void start() override
    {
        LogTailer::Options o;
        o.sources = _config.logSources;
        o.containers = _config.containers;
        o.pollIntervalMs = _config.pollIntervalSeconds * 1000;
        o.rescanIntervalMs = _config.rescanIntervalSeconds * 1000;
        o.tailBuffer = _config.tailBuffer;
        o.maxLineBytes = static_cast<std::size_t>(_config.maxLineBytes);
        o.assembler.multiline = _config.multiline;
        o.assembler.flushMs = _config.multilineFlushMs;
        o.assembler.maxEntryBytes = static_cast<std::size_t>(_config.maxEntryBytes);
        o.assembler.stripAnsi = _config.stripAnsi;
        o.assembler.stderrDefault = _config.stderrDefaultLevel;

        LogTailer::Hooks hooks;
        hooks.submit = [this](std::shared_ptr<IngestBatch> b, std::shared_ptr<WriteSequence> s)
        { return _writer->submit(std::move(b), std::move(s)); };
        hooks.committed = [this] { _writer->pruneIfNeeded(); };
        Counter* lines = _linesTotal;
        Counter* invalid = _invalidLines;
        hooks.linesConsumed = [lines](std::uint64_t n) { lines->inc(n); };
        hooks.invalidLine = [invalid] { invalid->inc(); };

        _tailer =
            std::make_unique<LogTailer>(std::move(o), std::move(hooks), _store->cursors(), _context->logger());
        _tailer->start();
    }

    void stopping() override
    {
        if (_hub)
            _hub->stopping();
    }

    void shutdown() override
    {
        try
        {
            if (_context && _service)
                _context->services().remove("log-viewer.logs");
            if (_hub)
                _hub->stopping(500);
            if (_tailer)
                _tailer->stop();
            if (_hub)
                _hub->shutdown();
            if (_watcher)
                _watcher->stop();
            if (_pgStore)
                _pgStore->close(); // its last commits call back into the writer: before it goes
        }
        catch (...)
        {
            if (_context)
                _context->logger().error("shutdown: " + currentExceptionText());
        }
        _tailer.reset();
        _routes.reset();
        _service.reset();
        _ingestor.reset();
        _writer.reset();
        _watcher.reset();
        _hub.reset();
        _store.reset();
        _pgStore.reset();
        _db.reset();
    }

    Health health(Json::Writer& fields) override
    {
        Health h;
        if (!_tailer || !_tailer->alive())
        {
            h.ok = false;
            h.detail = "log watcher not running";
        }
        else if (auto why = _tailer->stalled(_config.stallSeconds * 1000))
        {
            h.ok = false;
            h.detail = *why;
        }
        fields.field("logs_indexed", _writer ? _writer->rowCount() : std::int64_t(0))
            .field("containers_watched", static_cast<std::int64_t>(_tailer ? _tailer->watchedCount() : 0));
        fields.field("newest_log", Time::formatMs(_writer ? _writer->newestLog() : std::nullopt));
        fields.field("last_ingest", Time::formatMs(_writer ? _writer->lastIngest() : std::nullopt));
        return h;
    }

private:
    PluginContext* _context = nullptr;
    LogViewerConfig _config;
    std::shared_ptr<Database> _db;            ///< host.storage = sqlite
    std::shared_ptr<PgLogStore> _pgStore;     ///< host.storage = postgresql
    std::shared_ptr<LogStoreApi> _store;
    std::unique_ptr<PgTailWatcher> _watcher;  ///< the live tail's wake-up on PostgreSQL
    Counter* _linesTotal = nullptr;
    Counter* _entriesTotal = nullptr;
    Counter* _invalidLines = nullptr;
    Counter* _sseOverflow = nullptr;
    Gauge* _sseClients = nullptr;
    std::unique_ptr<SseHub> _hub;
    std::unique_ptr<LogWriter> _writer;
    std::unique_ptr<LogRoutes> _routes;
    std::unique_ptr<LogIngestor> _ingestor;
    std::shared_ptr<LogIngestService> _service;
    std::unique_ptr<LogTailer> _tailer;
};

} // namespace LogViewer
} // namespace Monlight

MONLIGHT_PLUGIN(Monlight::LogViewer::LogViewerPlugin)
