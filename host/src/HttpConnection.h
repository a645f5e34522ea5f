#pragma once

#include "HeadWatchdog.h"
#include "ThrottledLog.h"
#include "TrustedProxies.h"
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/TCPServerConnection.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

namespace Monlight
{
namespace Host
{

/// Everything a listener's connections share.
struct HttpConnectionContext
{
    Poco::Net::HTTPServerParams::Ptr params;
    Poco::Net::HTTPRequestHandlerFactory::Ptr factory; ///< the listener's Dispatcher
    HeadWatchdog* watchdog = nullptr;
    const TrustedProxies* proxies = nullptr;
    ThrottledLog* log = nullptr;
    Poco::Logger* logger = nullptr;
    int headTimeoutSeconds = 10; ///< for log lines
};

/// One HTTP connection of a listener: the request loop of Poco's HTTPServerConnection (keep-alive, Expect; ended
/// by HeadWatchdog::abortAll() where Poco used HTTPServer::stopAll()), plus what Poco 1.11 lacks:
/// - the request head has a total deadline (HeadWatchdog), not only a per-recv timeout;
/// - a head Poco cannot turn into a request (a Content-Length that is not a number) gets
///   400 `{"detail":"Bad request"}` with `Connection: close` and one throttled warning, instead of no answer
///   and an unthrottled error line per request;
/// - network failures of one client (timeouts, resets) are logged at debug level, not as errors.
class HttpConnection : public Poco::Net::TCPServerConnection
{
public:
    HttpConnection(const Poco::Net::StreamSocket& socket, const HttpConnectionContext& context);

    void run() override;

private:
    void serve(Poco::Net::HTTPServerSession& session, HeadWatchdog::Ticket& ticket);
    static void sendBadRequest(Poco::Net::HTTPServerSession& session, const std::string& serverName);

    HttpConnectionContext _context;
};

/// Creates the listener's HttpConnections.
class HttpConnectionFactory : public Poco::Net::TCPServerConnectionFactory
{
public:
    explicit HttpConnectionFactory(HttpConnectionContext context) : _context(std::move(context)) {}

    Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override
    {
        return new HttpConnection(socket, _context);
    }

private:
    HttpConnectionContext _context;
};

} // namespace Host
} // namespace Monlight
