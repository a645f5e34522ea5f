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
/// - waiting for the next request on a keep-alive connection is one poll(2) call: Poco 1.11's Socket::poll()
///   creates, fills, waits on and closes an epoll instance each time (4 system calls per request, about 8 % of the
///   host's CPU time under the P2 load, issue 17);
/// - network failures of one client (timeouts, resets) are logged at debug level, not as errors.
/// Poco's HTTPServerSession with its read buffer's fill level visible, for HttpConnection's request loop.
class ServerSession : public Poco::Net::HTTPServerSession
{
public:
    using Poco::Net::HTTPServerSession::HTTPServerSession;
    int pending() const { return buffered(); }
};

class HttpConnection : public Poco::Net::TCPServerConnection
{
public:
    HttpConnection(const Poco::Net::StreamSocket& socket, const HttpConnectionContext& context);

    void run() override;

private:
    void serve(ServerSession& session, HeadWatchdog::Ticket& ticket);
    /// HTTPServerSession::hasMoreRequests() with the same keep-alive accounting (a first request waits up to the
    /// session timeout, later ones up to the keep-alive timeout, at most max_keepalive_requests), waiting by poll(2).
    bool hasMoreRequests(ServerSession& session);
    /// Whether the keep-alive budget allows another request after the current one (HTTPServerSession::canKeepAlive).
    bool canKeepAlive() const { return _keepAliveLeft != 0; }
    /// Waits up to `timeout` for the socket to become readable (or to be closed or shut down).
    bool waitReadable(const Poco::Timespan& timeout);
    static void sendBadRequest(Poco::Net::HTTPServerSession& session, const std::string& serverName);

    HttpConnectionContext _context;
    bool _firstRequest = true;
    int _keepAliveLeft = 0;
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
