#pragma once

#include <atomic>

#include "Dispatcher.h"
#include "HeadWatchdog.h"
#include "ThrottledLog.h"
#include <Poco/Net/TCPServer.h>
#include <Poco/ThreadPool.h>
#include <memory>
#include <string>

namespace Monlight
{
namespace Host
{

/// One HTTP listener: its own thread pool, bounded queue and timeouts (§0.1), its connections served by
/// HttpConnection and guarded by a HeadWatchdog.
class Listener
{
public:
    /// `name` is the plugin name or `host` (combined); `key` the config key for messages (`error-tracker.listen`).
    Listener(HostRuntime& host, PluginRuntime* plugin, std::string key, std::string address, int maxThreads,
             int maxQueued);
    ~Listener();

    /// Binds and starts serving. Throws StartupError 71 naming the key when the address cannot be bound.
    void start();
    /// Closes the listening socket; open connections continue.
    void stopAccepting();
    /// Ends every connection (after the grace period).
    void abort();

    const std::string& address() const { return _address; }
    const std::string& key() const { return _key; }
    int queued() const;
    /// A connection is waiting for a worker and every worker holds a connection. Poco 1.11 keeps a worker on a keep-alive connection while the client
    /// is idle (up to keep_alive_timeout_seconds), so the dispatcher then answers with `Connection: close` (busy
    /// connections take turns) and the HeadWatchdog shuts keep-alive connections idle for IDLE_YIELD down: idle
    /// keep-alive clients can never lock new ones out.
    bool crowded() const;
    /// The bound port (useful with port 0).
    int port() const { return _port; }
    /// Every worker waits for a request head, or connections have queued beyond the head timeout (recently).
    bool starved() const { return _watchdog && _watchdog->starved(); }

private:
    HostRuntime& _host;
    PluginRuntime* _plugin;
    std::string _key;
    std::string _address;
    int _maxThreads;
    int _maxQueued;
    std::atomic<bool> _accepting{true}; ///< until stopAccepting()
    int _port = 0;
    std::unique_ptr<Poco::ThreadPool> _pool;
    std::unique_ptr<HeadWatchdog> _watchdog;
    std::unique_ptr<ThrottledLog> _log;
    Poco::Net::HTTPRequestHandlerFactory::Ptr _factory;
    std::unique_ptr<Poco::Net::TCPServer> _server;
};

} // namespace Host
} // namespace Monlight
