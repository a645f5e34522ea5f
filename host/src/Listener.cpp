#include "Listener.h"

#include "HttpConnection.h"
#include "Monlight/ExceptionText.h"
#include "Monlight/HttpError.h"
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <cstring>

namespace Monlight
{
namespace Host
{

Listener::Listener(HostRuntime& host, PluginRuntime* plugin, std::string key, std::string address, int maxThreads,
                   int maxQueued)
    : _host(host), _plugin(plugin), _key(std::move(key)), _address(std::move(address)), _maxThreads(maxThreads),
      _maxQueued(maxQueued)
{
}

Listener::~Listener()
{
    try
    {
        abort();
    }
    catch (...)
    {
        Poco::Logger::get("host").error(_key + ": cannot close the listener: " + currentExceptionText());
    }
}

void Listener::start()
{
    std::string hostPart;
    int port = 0;
    ConfigValue::parseListen(_address, hostPart, port);
    Poco::Net::ServerSocket socket;
    try
    {
        Poco::Net::SocketAddress sa(hostPart, static_cast<Poco::UInt16>(port));
        // SO_REUSEADDR only: Poco's bind(addr, true) also sets SO_REUSEPORT, which lets a second host bind the
        // same port and silently take half of the connections (§0.2 wants exit 71).
        socket.bind(sa, true, false);
        socket.listen(std::max(64, _maxQueued));
        _port = socket.address().port();
    }
    catch (const Poco::Exception& e)
    {
        // Poco appends the address to the system message ("Address already in use: 127.0.0.1:5010"); the line
        // already names the address (§0.2), so report the plain system reason when there is one.
        std::string reason = e.code() > 0 ? std::string(std::strerror(e.code()))
                             : e.message().empty() ? e.displayText() : e.message();
        throw StartupError(71, "listen error", _key + "=" + _address, reason);
    }
    auto params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(_maxThreads);
    params->setMaxQueued(_maxQueued);
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(Poco::Timespan(_host.settings.keepAliveTimeout, 0));
    params->setMaxKeepAliveRequests(_host.settings.maxKeepAliveRequests);
    params->setTimeout(Poco::Timespan(_host.settings.requestTimeout, 0));
    // A dispatcher thread started for a connection that arrives just before stop() can miss stop()'s wake-up and
    // then sleeps for the whole idle time in Poco's queue; joinAll() at shutdown waits for it. Poco's 10 s default
    // would blow the 10 s shutdown bound (§0.17), so keep idle dispatcher threads short-lived.
    params->setThreadIdleTime(Poco::Timespan(1, 0));
    params->setServerName("monlight");
    params->setSoftwareVersion("monlight-host/" MONLIGHT_VERSION);
    Poco::Net::HTTPServerParams::Ptr paramsPtr(params);
    _pool = std::make_unique<Poco::ThreadPool>(1, _maxThreads, 60);
    auto* dispatcher = new Dispatcher(_host, _plugin);
    dispatcher->setCrowded([this] { return crowded(); });
    _factory = Poco::Net::HTTPRequestHandlerFactory::Ptr(dispatcher);

    HeadWatchdog::Options wo;
    wo.headTimeout = std::chrono::seconds(_host.settings.requestHeadTimeout);
    wo.keepAliveTimeout = std::chrono::seconds(_host.settings.keepAliveTimeout);
    wo.maxThreads = _maxThreads;
    // One address may never hold every worker: at most max_threads - 1 (and at least one).
    wo.perIpCap = _host.settings.maxPendingHeadsPerIp > 0
                      ? std::min(_host.settings.maxPendingHeadsPerIp, std::max(1, _maxThreads - 1))
                      : 0;
    _watchdog = std::make_unique<HeadWatchdog>(
        wo, [this] { return _server ? _server->currentConnections() : 0; },
        [this] { return crowded() ? queued() : 0; });
    std::string listenerName = _plugin ? _plugin->pluginName() : "host";
    Poco::Logger& logger = Poco::Logger::get(listenerName);
    _log = std::make_unique<ThrottledLog>(logger);
    HttpConnectionContext context;
    context.params = paramsPtr;
    context.factory = _factory;
    context.watchdog = _watchdog.get();
    context.proxies = &_host.settings.proxies;
    context.log = _log.get();
    context.logger = &logger;
    context.headTimeoutSeconds = _host.settings.requestHeadTimeout;
    _server =
        std::make_unique<Poco::Net::TCPServer>(new HttpConnectionFactory(context), *_pool, socket, paramsPtr);
    // Set before the first request can ask for it.
    if (_plugin)
        _plugin->listenerStarved = [this] { return starved(); };
    else
        _host.combinedStarved = [this] { return starved(); };
    _watchdog->start();
    _server->start();

    std::string owner = _plugin ? _plugin->pluginName() : "";
    Labels labels{{"listener", listenerName}};
    _host.metrics.gaugeFn(owner, "monlight_http_queued_connections", "Connections waiting for a worker", labels,
                          [this] { return static_cast<double>(queued()); });
    _host.metrics.gaugeFn(owner, "monlight_http_busy_workers", "Workers serving a connection", labels,
                          [this] { return static_cast<double>(_server ? _server->currentConnections() : 0); });
    _host.metrics.gaugeFn(owner, "monlight_http_pending_heads", "Workers waiting for a request head", labels,
                          [this] { return static_cast<double>(_watchdog->pendingHeads()); });
    _host.metrics.gaugeFn(owner, "monlight_http_listener_starved",
                          "1 while every worker has waited over 1 s for a request head, or connections have "
                          "queued beyond the head timeout (held 2 s)",
                          labels, [this] { return _watchdog->starved() ? 1.0 : 0.0; });
    const char* cutHelp = "Connections shut down before their request head was complete";
    _host.metrics.counterFn(owner, "monlight_http_head_timeouts_total", cutHelp,
                            {{"listener", listenerName}, {"reason", "deadline"}},
                            [this] { return static_cast<double>(_watchdog->deadlineCuts()); });
    _host.metrics.counterFn(owner, "monlight_http_head_timeouts_total", cutHelp,
                            {{"listener", listenerName}, {"reason", "ip_cap"}},
                            [this] { return static_cast<double>(_watchdog->capCuts()); });
    _host.metrics.counterFn(owner, "monlight_http_idle_yields_total",
                            "Idle keep-alive connections shut down because other connections waited for a worker",
                            labels, [this] { return static_cast<double>(_watchdog->yieldCuts()); });
}

void Listener::stopAccepting()
{
    _accepting = false;
    if (_server)
        _server->stop();
}

void Listener::abort()
{
    if (_server)
    {
        _server->stop();
        // What HTTPServer::stopAll(true) did: every open connection shuts its socket down.
        _watchdog->abortAll();
        _pool->joinAll();
        _watchdog->stop();
        _server.reset();
    }
}

int Listener::queued() const
{
    // A stopped server's dispatcher queue holds no connection that could still get a worker.
    return _server && _accepting ? _server->queuedConnections() : 0;
}

bool Listener::crowded() const
{
    // Only while every worker holds a connection: a connection queued while a worker is free (or may still be
    // started) gets one in a moment. Closing for it anyway made every close beget a reconnect that made the next
    // answer close (13 % of P2's requests opened a new connection, issue 17).
    return _server && _accepting && _server->queuedConnections() > 0 && _server->currentConnections() >= _maxThreads;
}

} // namespace Host
} // namespace Monlight
