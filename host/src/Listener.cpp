#include "Listener.h"

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
        socket.bind(sa, true);
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
    _pool = std::make_unique<Poco::ThreadPool>(1, _maxThreads, 60);
    auto* dispatcher = new Dispatcher(_host, _plugin);
    dispatcher->setCrowded([this] { return crowded(); });
    Poco::Net::HTTPRequestHandlerFactory::Ptr factory(dispatcher);
    _server = std::make_unique<Poco::Net::HTTPServer>(factory, *_pool, socket, params);
    _server->start();
    std::string owner = _plugin ? _plugin->pluginName() : "";
    _host.metrics.gaugeFn(owner, "monlight_http_queued_connections", "Connections waiting for a worker",
                          {{"listener", _plugin ? _plugin->pluginName() : "host"}},
                          [this] { return static_cast<double>(queued()); });
}

void Listener::stopAccepting()
{
    if (_server)
        _server->stop();
}

void Listener::abort()
{
    if (_server)
    {
        _server->stopAll(true);
        _pool->joinAll();
        _server.reset();
    }
}

int Listener::queued() const
{
    return _server ? _server->queuedConnections() : 0;
}

bool Listener::crowded() const
{
    return _server && (_server->queuedConnections() > 0 || _server->currentConnections() >= _maxThreads);
}

} // namespace Host
} // namespace Monlight
