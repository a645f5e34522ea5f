#include "HostApplication.h"

#include "HostSchema.h"
#include "PluginSet.h"
#include "StartupValidation.h"
#include "LogChannel.h"
#include "WebUi.h"
#include "Monlight/ExceptionText.h"
#include "Monlight/HttpError.h"
#include "Monlight/Time.h"
#include <Poco/AutoPtr.h>
#include <Poco/ErrorHandler.h>
#include <Poco/File.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Path.h>
#include <Poco/String.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/OptionException.h>
#include <Poco/Util/LayeredConfiguration.h>
#include <Poco/Util/PropertyFileConfiguration.h>
#include <Poco/Util/SystemConfiguration.h>
#include <atomic>
#include <chrono>
#include <csignal>
#include <fstream>
#include <iostream>
#include <sqlite3.h>
#include <sys/stat.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>
#include <unistd.h>

namespace Monlight
{
namespace Host
{

namespace
{
sigset_t terminationSignals()
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGQUIT);
    return set;
}

/// Logs exceptions that escape threads Poco runs (timers, pools) instead of losing them.
class LoggingErrorHandler : public Poco::ErrorHandler
{
public:
    void exception(const Poco::Exception& e) override { Poco::Logger::get("host").error("thread: " + e.displayText()); }
    void exception(const std::exception& e) override { Poco::Logger::get("host").error(std::string("thread: ") + e.what()); }
    void exception() override { Poco::Logger::get("host").error("thread: unknown exception"); }
};

std::string pocoVersion()
{
    unsigned v = POCO_VERSION;
    return std::to_string((v >> 24) & 0xFF) + "." + std::to_string((v >> 16) & 0xFF) + "." +
           std::to_string((v >> 8) & 0xFF);
}

std::string connectHost(const std::string& host)
{
    if (host.empty() || host == "0.0.0.0")
        return "127.0.0.1";
    if (host == "::")
        return "::1";
    return host;
}

double procStatmRss()
{
    std::ifstream f("/proc/self/statm");
    long size = 0, rss = 0;
    f >> size >> rss;
    return static_cast<double>(rss) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

double procOpenFds()
{
    try
    {
        std::vector<std::string> names;
        Poco::File("/proc/self/fd").list(names);
        return static_cast<double>(names.size());
    }
    catch (...)
    {
        Poco::Logger::get("host").warning("process_open_fds: cannot list /proc/self/fd: " + currentExceptionText());
        return 0;
    }
}
} // namespace

HostApplication::HostApplication()
{
    setUnixOptions(true);
}

HostApplication::~HostApplication() = default;

std::string HostApplication::usage()
{
    return "usage: monlight-host [--config PATH] [--check-config | --healthcheck | --version | --help]\n";
}

int HostApplication::run(int argc, char** argv)
{
    // Block the termination signals before any thread exists so that every thread inherits the mask and the
    // main thread alone receives them through sigwait().
    sigset_t set = terminationSignals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    std::signal(SIGPIPE, SIG_IGN);
    std::signal(SIGHUP, SIG_IGN);
    HostApplication app;
    try
    {
        app.init(argc, argv);
    }
    catch (const Poco::Exception& e)
    {
        std::cerr << "monlight-host: " << e.displayText() << "\n" << usage();
        return 64;
    }
    return app.Poco::Util::Application::run();
}

void HostApplication::defineOptions(Poco::Util::OptionSet& options)
{
    using Poco::Util::Option;
    options.addOption(Option("config", "c", "properties file (default /etc/monlight/monlight.properties)")
                          .required(false)
                          .repeatable(false)
                          .argument("PATH"));
    options.addOption(Option("check-config", "", "validate configuration and plugins, then exit"));
    options.addOption(Option("healthcheck", "", "GET /health on the first listener; exit 0 iff 200"));
    options.addOption(Option("version", "", "print version information"));
    options.addOption(Option("help", "h", "print usage and every configuration key"));
}

void HostApplication::handleOption(const std::string& name, const std::string& value)
{
    if (name == "config")
    {
        _configPath = value;
        _explicitConfig = true;
        return;
    }
    Mode m = name == "check-config" ? Mode::CheckConfig
             : name == "healthcheck" ? Mode::Healthcheck
             : name == "version"     ? Mode::Version
                                     : Mode::Help;
    if (_mode != Mode::Serve && _mode != m)
        throw Poco::Util::OptionException("only one of --check-config, --healthcheck, --version, --help");
    _mode = m;
    if (m == Mode::Help)
        stopOptionsProcessing();
}

void HostApplication::fatal(const std::string& line)
{
    std::cerr << line << std::endl;
}

bool HostApplication::loadConfigFile(std::string& error)
{
    bool exists = Poco::File(_configPath).exists(); // stat(); false for any failure, never throws
    if (!exists && !_explicitConfig)
    {
        _configDir = Poco::Path::current();
        return true;
    }
    try
    {
        std::ifstream probe(_configPath);
        if (!probe)
            throw Poco::FileNotFoundException(std::strerror(errno));
        Poco::AutoPtr<Poco::Util::PropertyFileConfiguration> file(
            new Poco::Util::PropertyFileConfiguration(_configPath));
        Poco::AutoPtr<Poco::Util::LayeredConfiguration> layered(new Poco::Util::LayeredConfiguration);
        layered->add(Poco::Util::AbstractConfiguration::Ptr(file.get(), true), 0, false);
        layered->add(Poco::Util::AbstractConfiguration::Ptr(new Poco::Util::SystemConfiguration), 100, false);
        _file = file;
        _values = layered;
        Poco::Path p(_configPath);
        p.makeAbsolute();
        _configDir = p.parent().toString();
    }
    catch (const Poco::Exception& e)
    {
        error = "monlight-host: config error: --config: cannot read " + _configPath + ": " +
                (e.message().empty() ? e.displayText() : e.message());
        return false;
    }
    return true;
}

int HostApplication::main(const std::vector<std::string>& args)
{
    if (!args.empty())
    {
        std::cerr << "monlight-host: unexpected argument " << args.front() << "\n" << usage();
        return 64;
    }
    if (_mode == Mode::Version)
    {
        std::cout << "monlight-host " << MONLIGHT_VERSION << "\n"
                  << "abi " << MONLIGHT_ABI_VERSION << "; poco " << pocoVersion() << "; sqlite " << sqlite3_libversion()
                  << std::endl;
        return 0;
    }
    std::string error;
    if (!loadConfigFile(error))
    {
        if (_mode == Mode::Help)
        {
            printHelp();
            return 0;
        }
        fatal(error);
        return 78;
    }
    if (_mode == Mode::Help)
    {
        printHelp();
        return 0;
    }
    if (_mode == Mode::Healthcheck)
        return healthcheck();
    Prepared prepared;
    int rc = prepare(prepared, false);
    if (rc != 0)
        return rc;
    if (_mode == Mode::CheckConfig)
    {
        std::string plugins, listeners;
        for (const auto& n : prepared.order)
            plugins += (plugins.empty() ? "" : ",") + n;
        std::string hl = prepared.host.getString("listen");
        if (!hl.empty())
            listeners = "host@" + hl;
        for (const auto& n : prepared.order)
        {
            auto it = prepared.configs.find(n);
            if (it != prepared.configs.end() && it->second.has("listen") && !it->second.getString("listen").empty())
                listeners += (listeners.empty() ? "" : ",") + n + "@" + it->second.getString("listen");
        }
        std::cout << "config ok: plugins=" << plugins << " listeners=" << listeners << std::endl;
        return 0;
    }
    return serve(prepared);
}

int HostApplication::healthcheck()
{
    std::map<std::string, std::string> env = ConfigResolver::processEnv();
    ConfigResolver resolver(_file, _values, env, _configPath);
    PluginConfig host = resolver.resolve("host", hostSchema(), "", {});
    std::string target = host.has("listen") ? host.getString("listen") : "";
    if (target.empty() && host.has("plugins"))
    {
        const auto dirs = pluginDirs(host.getString("plugin_path"), _configDir);
        for (const auto& name : host.getList("plugins"))
        {
            // The plugin's own `listen` key with its declared default.
            ConfigKey key = declaredListenKey(_loader, name, dirs);
            PluginConfig pc = resolver.resolve(name, {key}, "", {});
            if (pc.has("listen") && !pc.getString("listen").empty())
            {
                target = pc.getString("listen");
                break;
            }
        }
    }
    std::string h;
    int port = 0;
    if (target.empty() || !ConfigValue::parseListen(target, h, port))
    {
        std::cerr << "unhealthy: no listener configured" << std::endl;
        return 1;
    }
    try
    {
        Poco::Net::HTTPClientSession session(connectHost(h), static_cast<Poco::UInt16>(port));
        session.setTimeout(Poco::Timespan(3, 0));
        Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_GET, "/health", Poco::Net::HTTPMessage::HTTP_1_1);
        req.setHost("localhost");
        req.setKeepAlive(false);
        session.sendRequest(req);
        Poco::Net::HTTPResponse resp;
        std::istream& in = session.receiveResponse(resp);
        std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (resp.getStatus() == 200)
            return 0;
        std::cerr << "unhealthy: status " << resp.getStatus() << " " << body << std::endl;
    }
    catch (const Poco::Exception& e)
    {
        std::cerr << "unhealthy: " << e.displayText() << std::endl;
    }
    return 1;
}

int HostApplication::prepare(Prepared& out, bool forHelp)
{
    std::map<std::string, std::string> env = ConfigResolver::processEnv();
    ConfigResolver resolver(_file, _values, env, _configPath);
    out.host = resolver.resolve("host", hostSchema(), "", {});
    PluginSet set = PluginSet::load(_loader, out.host, _configDir, resolver);
    out.order = set.order;
    out.configs = StartupValidation::resolvePlugins(resolver, out.host, set);
    StartupValidation::checkListeners(resolver, out.host, out.order, out.configs, !forHelp);
    StartupValidation::checkTrustedProxies(resolver, out.host);
    StartupValidation::checkStorage(resolver, out.host);
    for (const auto& n : set.initOrder)
        out.plugins.push_back(set.loaded[n]);
    if (forHelp)
        return 0;
    for (const auto& w : resolver.warnings())
        std::cerr << "monlight-host: warning: " << w << std::endl;
    for (const auto& p : resolver.problems())
        fatal("monlight-host: config error: " + p.key + ": " + p.reason);
    for (const auto& e : set.errors)
        fatal(e.line());
    if (!resolver.problems().empty())
        return 78;
    if (!set.errors.empty())
        return set.errors.front().exitCode();
    std::string dataDirError = StartupValidation::checkDataDir(out.host);
    if (!dataDirError.empty())
    {
        fatal(dataDirError);
        return 73;
    }
    return 0;
}

void HostApplication::printHelp()
{
    std::cout << usage() << "\n"
              << "Options:\n"
              << "  --config PATH    properties file (default /etc/monlight/monlight.properties)\n"
              << "  --check-config   validate configuration and plugins, then exit (0 ok, 78/70/73 on problems)\n"
              << "  --healthcheck    GET /health on the first listener; exit 0 iff 200\n"
              << "  --version        print version, ABI, Poco and SQLite versions\n"
              << "  --help           this text\n\n"
              << "Configuration keys (file key, type, default; env MONLIGHT_<SECTION>_<KEY> overrides):\n";
    auto printKeys = [](const std::string& section, const std::vector<ConfigKey>& keys, const std::string& prefix) {
        std::cout << "\n[" << section << "]\n";
        for (const auto& k : keys)
        {
            std::cout << "  " << section << "." << k.name << "  (" << k.typeName() << "; default "
                      << (k.required ? std::string("required") : "\"" + k.defaultValue + "\"");
            if (!k.envName.empty())
                std::cout << "; env " << (section == "host" ? k.envName : prefix + "_" + k.envName);
            std::cout << ")\n      " << k.description << "\n";
        }
    };
    printKeys("host", hostSchema(), "");
    Prepared prepared;
    std::streambuf* old = std::cerr.rdbuf(nullptr);
    std::string failure;
    try
    {
        prepare(prepared, true);
    }
    catch (...)
    {
        failure = currentExceptionText();
    }
    std::cerr.rdbuf(old);
    if (!failure.empty())
        std::cerr << "monlight-host: warning: cannot list the plugins' keys: " << failure << std::endl;
    for (const auto& lp : prepared.plugins)
        printKeys(lp.name, pluginSchema(lp.info), lp.info.defaults.envPrefix);
}

int HostApplication::serve(Prepared& prepared)
{
    // Logging (§0.16).
    bool jsonLogs = Poco::toLower(prepared.host.getString("log_format")) == "json";
    Poco::AutoPtr<LogChannel> channel(new LogChannel(jsonLogs));
    int hostPriority = logPriority(prepared.host.getString("log_level"));
    Poco::Logger::root().setChannel(channel);
    Poco::Logger::root().setLevel(hostPriority);
    Poco::Logger& log = Poco::Logger::get("host");
    log.setChannel(channel);
    log.setLevel(hostPriority);
    for (const auto& lp : prepared.plugins)
    {
        Poco::Logger& pl = Poco::Logger::get(lp.name);
        pl.setChannel(channel);
        const auto& pc = prepared.configs[lp.name];
        pl.setLevel(pc.has("log_level") ? logPriority(pc.getString("log_level")) : hostPriority);
    }
    static LoggingErrorHandler errorHandler;
    Poco::ErrorHandler::set(&errorHandler);

    _runtime = std::make_unique<HostRuntime>();
    HostRuntime& rt = *_runtime;
    rt.startTimeMs = Time::nowMs();
    rt.hostConfig = prepared.host;
    rt.pluginOrder = prepared.order;
    rt.settings = HostSettings::from(prepared.host);
    const HostSettings& s = rt.settings;

    // The data directory (0750).
    try
    {
        Poco::File(s.dataDir).createDirectories();
        ::chmod(s.dataDir.c_str(), 0750);
    }
    catch (const Poco::Exception& e)
    {
        fatal("monlight-host: database error: " + s.dataDir + ": cannot create directory: " + e.message());
        return 73;
    }

    std::vector<std::unique_ptr<Listener>> listeners;
    try
    {
        if (prepared.host.getString("storage") == "postgresql")
        {
            Pg::PgDatabase::Options po;
            po.dsn = prepared.host.getString("postgresql_dsn");
            po.poolSize = static_cast<int>(prepared.host.getInt("postgresql_pool_size"));
            po.synchronousCommit = prepared.host.getString("postgresql_synchronous_commit") == "on";
            rt.postgres = Pg::PgDatabase::open(po);
            log.information("storage: PostgreSQL");
        }
        for (auto& lp : prepared.plugins)
        {
            auto runtime = std::make_unique<PluginRuntime>(rt, lp, prepared.configs[lp.name]);
            PluginRuntime& pr = *runtime;
            rt.plugins.push_back(std::move(runtime));
            try
            {
                pr.plugin().initialize(pr);
                pr.initialized = true;
            }
            catch (const StartupError&)
            {
                throw;
            }
            catch (const Poco::Exception& e)
            {
                throw StartupError(70, "plugin error", lp.name, "initialize failed: " + e.displayText());
            }
            catch (const std::exception& e)
            {
                throw StartupError(70, "plugin error", lp.name, std::string("initialize failed: ") + e.what());
            }
            if (!rt.auth() && rt.bindSecurityServices())
            {
                // The plugin that registers the auth service is initialized before every plugin that depends on
                // it, and the keys of every plugin are known: hash them once into the service.
                for (const auto& other : prepared.plugins)
                {
                    const auto& pc = prepared.configs[other.name];
                    const std::string& apiKey = other.info.defaults.apiKeyName;
                    if (!apiKey.empty() && pc.has(apiKey))
                        rt.auth()->setKeys(other.name, pc.getList(apiKey));
                    if (pc.has("admin_api_key"))
                        rt.auth()->setKeys(other.name + ":admin", pc.getList("admin_api_key"));
                }
                rt.auth()->setKeys("host:metrics", prepared.host.getList("metrics_api_key"));
            }
            if (lp.files && pr.config().has("ui_enabled") && pr.config().getBool("ui_enabled"))
                WebUi::mount(pr, *lp.files);
            log.debug("initialized plugin " + lp.name);
        }
        if (!rt.auth())
            throw StartupError(70, "plugin error", "host",
                               "no loaded plugin registers the auth and ratelimit services");
        rt.metrics.gaugeFn("", "monlight_build_info", "Build identity",
                           {{"version", MONLIGHT_VERSION}, {"abi", std::to_string(MONLIGHT_ABI_VERSION)}},
                           [] { return 1.0; });
        rt.metrics.gaugeFn("", "process_resident_memory_bytes", "Resident memory size in bytes", {}, procStatmRss);
        rt.metrics.gaugeFn("", "process_open_fds", "Number of open file descriptors", {}, procOpenFds);
        double start = static_cast<double>(rt.startTimeMs) / 1000.0;
        rt.metrics.gaugeFn("", "process_start_time_seconds", "Start time of the process since the epoch", {},
                           [start] { return start; });
        for (auto& p : rt.plugins)
        {
            p->plugin().start();
            p->started = true;
        }
        std::string hostListen = prepared.host.getString("listen");
        for (const auto& name : rt.pluginOrder)
        {
            PluginRuntime* p = rt.plugin(name);
            if (!p || p->listen().empty())
                continue;
            const auto& pc = p->config();
            int threads = pc.has("max_threads") ? static_cast<int>(pc.getInt("max_threads")) : LISTENER_THREADS;
            int queued = pc.has("max_queued") ? static_cast<int>(pc.getInt("max_queued")) : 128;
            listeners.push_back(std::make_unique<Listener>(rt, p, name + ".listen", p->listen(), threads, queued));
        }
        if (!hostListen.empty())
            listeners.push_back(std::make_unique<Listener>(rt, nullptr, "host.listen", hostListen,
                                                           static_cast<int>(prepared.host.getInt("max_threads")),
                                                           static_cast<int>(prepared.host.getInt("max_queued"))));
        for (auto& l : listeners)
        {
            l->start();
            Poco::Logger::get(l->key() == "host.listen" ? "host" : l->key().substr(0, l->key().find(".listen")))
                .information("listening on " + l->address());
        }
    }
    catch (const StartupError& e)
    {
        fatal(e.line());
        stop(listeners, false);
        return e.exitCode();
    }
    log.information("monlight-host " MONLIGHT_VERSION " started with " + std::to_string(rt.plugins.size()) +
                    " plugins");
    // The read connections the plugins' startup used on this thread go to the worker threads.
    Database::releaseThreadReaders();

    sigset_t set = terminationSignals();
    int sig = 0;
    sigwait(&set, &sig);
    log.information(std::string("received ") + (sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGQUIT") +
                    ", shutting down");
    stop(listeners, true);
    return 0;
}

void HostApplication::stop(std::vector<std::unique_ptr<Listener>>& listeners, bool graceful)
{
    HostRuntime& rt = *_runtime;
    Poco::Logger& log = Poco::Logger::get("host");
    auto started = std::chrono::steady_clock::now();
    std::atomic<bool> hurry{!graceful};
    std::atomic<bool> done{false};
    // A second signal skips the remaining waits; a watchdog guarantees the 10 s bound.
    std::thread second([&] {
        sigset_t set = terminationSignals();
        timespec ts{0, 100 * 1000 * 1000};
        while (!done)
        {
            if (sigtimedwait(&set, nullptr, &ts) > 0)
            {
                log.warning("second signal: skipping remaining waits");
                hurry = true;
            }
            if (std::chrono::steady_clock::now() - started > std::chrono::milliseconds(9500))
            {
                log.error("shutdown did not finish within 9.5 s; exiting");
                std::_Exit(0);
            }
        }
    });
    rt.stopping = true;
    for (auto it = rt.plugins.rbegin(); it != rt.plugins.rend(); ++it)
    {
        if (!(*it)->started)
            continue;
        try
        {
            (*it)->plugin().stopping();
        }
        catch (...)
        {
            log.error((*it)->pluginName() + ": stopping failed: " + currentExceptionText());
        }
    }
    for (auto& l : listeners)
        l->stopAccepting();
    auto graceEnd = started + std::chrono::seconds(rt.settings.shutdownGrace);
    while (rt.inflight.load() > 0 && !hurry && std::chrono::steady_clock::now() < graceEnd)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    for (auto& l : listeners)
        l->abort();
    for (auto it = rt.plugins.rbegin(); it != rt.plugins.rend(); ++it)
        (*it)->stopTimers();
    for (auto it = rt.plugins.rbegin(); it != rt.plugins.rend(); ++it)
    {
        if ((*it)->initialized)
        {
            try
            {
                (*it)->plugin().shutdown();
            }
            catch (...)
            {
                log.error((*it)->pluginName() + ": shutdown failed: " + currentExceptionText());
            }
        }
        (*it)->closeDatabases();
    }
    if (rt.postgres)
        rt.postgres->close();
    listeners.clear();
    done = true;
    second.join();
    if (graceful)
    {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started);
        log.information("stopped in " + std::to_string(ms.count()) + " ms");
    }
}

} // namespace Host
} // namespace Monlight
