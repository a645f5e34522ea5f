#include "HttpConnection.h"

#include "Dispatcher.h"
#include <Poco/DateTimeFormat.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/NetException.h>
#include <Poco/Timestamp.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <memory>
#include <poll.h>

namespace Monlight
{
namespace Host
{

HttpConnection::HttpConnection(const Poco::Net::StreamSocket& socket, const HttpConnectionContext& context)
    : Poco::Net::TCPServerConnection(socket), _context(context)
{
}

namespace
{
/// The `Date` header value, formatted once per second per worker thread instead of for every response.
const std::string& httpDate()
{
    thread_local std::time_t second = -1;
    thread_local std::string formatted;
    const std::time_t now = std::time(nullptr);
    if (now != second)
    {
        formatted = Poco::DateTimeFormatter::format(Poco::Timestamp::fromEpochTime(now),
                                                    Poco::DateTimeFormat::HTTP_FORMAT);
        second = now;
    }
    return formatted;
}
} // namespace

void HttpConnection::run()
{
    std::string peer;
    try
    {
        peer = socket().peerAddress().host().toString();
    }
    catch (const Poco::Exception&)
    {
        return; // the client left before its connection got a worker
    }
    HeadWatchdog::Ticket ticket;
    _context.watchdog->open(ticket, socket(), peer, _context.proxies && _context.proxies->contains(peer));
    try
    {
        ServerSession session(socket(), _context.params);
        serve(session, ticket);
    }
    catch (const Poco::Exception& e)
    {
        // A client's own network trouble (timeout, reset, a socket the watchdog shut down) is not a server error.
        if (!_context.watchdog->cut(ticket))
            _context.logger->debug("connection from " + peer + " ended: " + e.displayText());
    }
    catch (const std::exception& e)
    {
        _context.logger->error("connection from " + peer + " failed: " + e.what());
    }
    switch (_context.watchdog->cutReason(ticket))
    {
    case HeadWatchdog::CutReason::Deadline:
        _context.log->warning("head-deadline", "closed a connection from " + peer +
                                                   ": request head not complete within " +
                                                   std::to_string(_context.headTimeoutSeconds) + " s");
        break;
    case HeadWatchdog::CutReason::IpCap:
        _context.log->warning("head-ip-cap", "closed a connection from " + peer +
                                                 ": too many connections from this address waiting for request "
                                                 "heads (host.max_pending_heads_per_ip)");
        break;
    case HeadWatchdog::CutReason::None:
    case HeadWatchdog::CutReason::Yield:
    case HeadWatchdog::CutReason::Abort: break;
    }
}

bool HttpConnection::waitReadable(const Poco::Timespan& timeout)
{
    const poco_socket_t fd = socket().impl()->sockfd();
    if (fd == POCO_INVALID_SOCKET)
        return false;
    pollfd p{};
    p.fd = fd;
    p.events = POLLIN;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(timeout.totalMicroseconds());
    for (;;)
    {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                                 std::chrono::steady_clock::now());
        const int rc = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(0, left.count())));
        if (rc > 0)
            return true; // readable, or closed / shut down / failed: the next read tells which
        if (rc == 0)
            return false;
        if (errno != EINTR)
            throw Poco::Net::NetException("poll failed", errno);
    }
}

bool HttpConnection::hasMoreRequests(ServerSession& session)
{
    if (!socket().impl()->initialized())
        return false;
    if (_firstRequest)
    {
        _firstRequest = false;
        _keepAliveLeft = _context.params->getMaxKeepAliveRequests() - 1; // 0 configured = unlimited (-1)
        return waitReadable(session.getTimeout());
    }
    if (_keepAliveLeft == 0 || !session.getKeepAlive())
        return false;
    if (_keepAliveLeft > 0)
        --_keepAliveLeft;
    return session.pending() > 0 || waitReadable(_context.params->getKeepAliveTimeout());
}

void HttpConnection::serve(ServerSession& session, HeadWatchdog::Ticket& ticket)
{
    const std::string server = _context.params->getSoftwareVersion();
    while (hasMoreRequests(session))
    {
        try
        {
            Poco::Net::HTTPServerResponseImpl response(session);
            std::unique_ptr<Poco::Net::HTTPServerRequestImpl> request;
            try
            {
                request = std::make_unique<Poco::Net::HTTPServerRequestImpl>(response, session,
                                                                             _context.params.get());
            }
            catch (const Poco::SyntaxException&)
            {
                // Poco parses Content-Length while building the request: the head was read completely, but its
                // value is not a number. The framing is unknown, so answer and close.
                _context.watchdog->headComplete(ticket);
                std::string peer = socket().peerAddress().host().toString();
                _context.log->warning("bad-content-length",
                                      "rejected a request from " + peer + ": Content-Length is not a number");
                sendBadRequest(session, server);
                return;
            }
            _context.watchdog->headComplete(ticket);
            response.set(Poco::Net::HTTPResponse::DATE, httpDate());
            response.setVersion(request->getVersion());
            response.setKeepAlive(_context.params->getKeepAlive() && request->getKeepAlive() &&
                                  canKeepAlive());
            if (!server.empty())
                response.set("Server", server);
            std::unique_ptr<Poco::Net::HTTPRequestHandler> handler(
                _context.factory->createRequestHandler(*request));
            // The dispatcher always returns a handler and marks a deferred `100 Continue` by a non-200 status.
            if (request->getExpectContinue() && response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK)
                response.sendContinue();
            handler->handleRequest(*request, response);
            session.setKeepAlive(_context.params->getKeepAlive() && response.getKeepAlive() &&
                                 canKeepAlive());
            if (!session.socket().impl()->initialized())
            {
                // Detached (an SSE stream): the socket belongs to its stream now and has no head deadline.
                _context.watchdog->release(ticket);
                return;
            }
        }
        catch (const Poco::Net::NoMessageException&)
        {
            return; // the client closed between requests
        }
        catch (const Poco::Net::MessageException&)
        {
            // A malformed request line or header (§0.1): Poco's own 400, unless the watchdog cut the connection.
            if (_context.watchdog->cut(ticket))
                return;
            Poco::Net::HTTPServerResponseImpl bad(session);
            bad.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
            bad.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_BAD_REQUEST);
            bad.setKeepAlive(false);
            bad.send();
            session.setKeepAlive(false);
            return;
        }
        _context.watchdog->awaitNext(ticket);
    }
}

void HttpConnection::sendBadRequest(Poco::Net::HTTPServerSession& session, const std::string& serverName)
{
    static const std::string body = "{\"detail\":\"Bad request\"}";
    Poco::Net::HTTPServerResponseImpl response(session);
    response.setVersion(Poco::Net::HTTPMessage::HTTP_1_1);
    response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_BAD_REQUEST);
    response.setDate(Poco::Timestamp());
    if (!serverName.empty())
        response.set("Server", serverName);
    response.set("X-Request-Id", Dispatcher::requestId(""));
    response.set("X-Content-Type-Options", "nosniff");
    response.set("Cache-Control", "no-store");
    response.setContentType("application/json");
    response.setKeepAlive(false);
    response.setContentLength64(static_cast<Poco::Int64>(body.size()));
    // Not sendBuffer(): without an attached request Poco 1.11 sends only the header.
    std::ostream& out = response.send();
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    out.flush();
    session.setKeepAlive(false);
}

} // namespace Host
} // namespace Monlight
