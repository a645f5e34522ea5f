#include "HostRuntime.h"

#include "Monlight/ExceptionText.h"
#include "Monlight/HttpError.h"
#include "Monlight/Migrations.h"
#include <Poco/File.h>
#include <Poco/Path.h>
#include <Poco/Util/TimerTask.h>

namespace Monlight
{
namespace Host
{

namespace
{
/// A fixed-rate plugin task: exceptions are logged, never propagated into Poco's timer thread.
class FunctionTask : public Poco::Util::TimerTask
{
public:
    FunctionTask(std::string name, std::function<void()> fn, Poco::Logger& log)
        : _name(std::move(name)), _fn(std::move(fn)), _log(log)
    {
    }
    void run() override
    {
        try
        {
            _fn();
        }
        catch (const Poco::Exception& e)
        {
            _log.error("task " + _name + " failed: " + e.displayText());
        }
        catch (const std::exception& e)
        {
            _log.error("task " + _name + " failed: " + e.what());
        }
        catch (...)
        {
            _log.error("task " + _name + " failed: unknown exception");
        }
    }

private:
    std::string _name;
    std::function<void()> _fn;
    Poco::Logger& _log;
};

std::int64_t fileSize(const std::string& path)
{
    try
    {
        Poco::File f(path);
        return f.exists() ? static_cast<std::int64_t>(f.getSize()) : 0;
    }
    catch (...)
    {
        return 0; // removed or unreadable between the check and the stat: reported as 0 bytes, like a missing file
    }
}
} // namespace

PluginRuntime::PluginRuntime(HostRuntime& host, LoadedPlugin loaded, PluginConfig config)
    : _host(host), _loaded(std::move(loaded)), _config(std::move(config)), _logger(&Poco::Logger::get(_loaded.name))
{
    if (_config.has("max_body_size"))
        _bodyCap = static_cast<std::size_t>(_config.getInt("max_body_size"));
    if (_config.has("rate_limit"))
        _rateLimit = _config.getInt("rate_limit");
}

PluginRuntime::~PluginRuntime() = default;

const std::string& PluginRuntime::dataDir() const
{
    return _host.settings.dataDir;
}

std::shared_ptr<Database> PluginRuntime::openDatabase()
{
    std::vector<std::string> migrations;
    try
    {
        if (_loaded.files)
            migrations = sqlMigrations(*_loaded.files);
    }
    catch (const Poco::DataFormatException& e)
    {
        throw StartupError(70, "plugin error", _loaded.name, e.message());
    }
    std::string file = _config.has("database_path") ? _config.getString("database_path") : _loaded.name + ".db";
    Poco::Path p(file);
    if (!p.isAbsolute())
        p = Poco::Path(Poco::Path(_host.settings.dataDir).makeDirectory(), file);
    Database::Options opt;
    opt.path = p.toString();
    opt.plugin = _loaded.name;
    opt.migrations = migrations;
    opt.fullSync = _host.settings.fullSync;
    opt.cacheMb = _host.settings.cacheMb;
    if (_config.has("write_queue_size"))
        opt.writeQueueSize = static_cast<std::size_t>(_config.getInt("write_queue_size"));
    auto db = Database::open(opt);
    _databases.push_back(db);
    std::weak_ptr<Database> weak = db;
    const std::string& owner = _loaded.name;
    Labels labels{{"plugin", owner}};
    _host.metrics.gaugeFn(owner, "monlight_write_queue_depth", "Items waiting for the database writer", labels,
                          [weak] {
                              auto d = weak.lock();
                              return d ? static_cast<double>(d->queueDepth()) : 0.0;
                          });
    _host.metrics.counterFn(owner, "monlight_write_batches_total", "Committed writer transactions", labels, [weak] {
        auto d = weak.lock();
        return d ? static_cast<double>(d->batchesCommitted()) : 0.0;
    });
    _host.metrics.gaugeFn(owner, "monlight_write_last_batch_size", "Items in the last committed writer batch",
                          labels, [weak] {
                              auto d = weak.lock();
                              return d ? static_cast<double>(d->lastBatchSize()) : 0.0;
                          });
    _host.metrics.gaugeFn(owner, "monlight_db_reader_connections",
                          "Read connections open (bounded by the threads reading at once)", labels, [weak] {
                              auto d = weak.lock();
                              return d ? static_cast<double>(d->readerConnections()) : 0.0;
                          });
    std::string path = opt.path;
    _host.metrics.gaugeFn(owner, "monlight_db_size_bytes", "Size of the database and its WAL",
                          {{"plugin", owner}, {"file", "db"}}, [path] { return static_cast<double>(fileSize(path)); });
    _host.metrics.gaugeFn(owner, "monlight_db_size_bytes", "Size of the database and its WAL",
                          {{"plugin", owner}, {"file", "wal"}},
                          [path] { return static_cast<double>(fileSize(path + "-wal")); });
    return db;
}

void PluginRuntime::schedule(const std::string& name, long periodMs, std::function<void()> task, long firstDelayMs)
{
    if (!_timer)
        _timer = std::make_unique<Poco::Util::Timer>();
    Poco::Util::TimerTask::Ptr t(new FunctionTask(name, std::move(task), *_logger));
    _timer->scheduleAtFixedRate(t, firstDelayMs < 0 ? periodMs : firstDelayMs, periodMs);
}

ServiceRegistry& PluginRuntime::services()
{
    return _host.services;
}

MetricsRegistry& PluginRuntime::metrics()
{
    return _host.metrics;
}

bool PluginRuntime::isStopping() const
{
    return _host.stopping.load();
}

const std::vector<std::string>& PluginRuntime::loadedPlugins() const
{
    return _host.pluginOrder;
}

const PluginConfig& PluginRuntime::hostConfig() const
{
    return _host.hostConfig;
}

std::shared_ptr<Pg::PgDatabase> PluginRuntime::postgres()
{
    return _host.postgres;
}

void PluginRuntime::add(Route route)
{
    _routes.add(std::move(route));
}

std::int64_t PluginRuntime::rateLimit(Limiter limiter) const
{
    return limiter == Limiter::Key || limiter == Limiter::DsnIp ? _rateLimit : 0;
}

std::string PluginRuntime::listen() const
{
    return _config.has("listen") ? _config.getString("listen") : std::string();
}

bool PluginRuntime::databasesHealthy(std::string& detail)
{
    for (auto& db : _databases)
        if (!db->healthy())
        {
            detail = "database unavailable";
            return false;
        }
    return true;
}

bool PluginRuntime::healthy(Json::Writer& fields, std::string& detail)
{
    bool ok = databasesHealthy(detail);
    try
    {
        Health h = _loaded.plugin->health(fields);
        if (!h.ok && ok)
        {
            ok = false;
            detail = h.detail.empty() ? "unhealthy" : h.detail;
        }
    }
    catch (...)
    {
        _logger->warning("health check failed: " + currentExceptionText());
        if (ok)
            detail = currentExceptionText();
        ok = false;
        fields = Json::Writer(); // whatever the plugin wrote before it threw may be unbalanced
        fields.beginObject();
    }
    return ok;
}

bool PluginRuntime::healthy()
{
    Json::Writer fields;
    fields.beginObject();
    std::string detail;
    return healthy(fields, detail);
}

void PluginRuntime::stopTimers()
{
    if (_timer)
        _timer->cancel(true);
}

void PluginRuntime::closeDatabases()
{
    for (auto& db : _databases)
        db->close();
}

PluginRuntime* HostRuntime::plugin(const std::string& name) const
{
    for (const auto& p : plugins)
        if (p->pluginName() == name)
            return p.get();
    return nullptr;
}

bool HostRuntime::bindSecurityServices()
{
    auto auth = services.get<AuthService>("auth");
    auto limits = services.get<RateLimitService>("ratelimit");
    if (!auth || !limits)
        return false;
    _auth = auth;
    _limits = limits;
    return true;
}

} // namespace Host
} // namespace Monlight
