#include "HttpJsonClient.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SecureStreamSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/URI.h>
#include <memory>

namespace Monlight
{
namespace ErrorTracker
{

HttpJsonClient::Reply HttpJsonClient::post(const std::string& url, const std::string& body,
                                           const std::vector<std::pair<std::string, std::string>>& headers,
                                           DeliveryCanceller* canceller)
{
    Poco::URI uri(url);
    bool https = uri.getScheme() == "https";
    if (!https && uri.getScheme() != "http")
        throw Poco::InvalidArgumentException("unsupported URL scheme", uri.getScheme());
    if (canceller && canceller->cancelled())
        throw Poco::Net::NetException("cancelled at shutdown");

    // Connect ourselves (bounded connect timeout) and hand the socket to the session, so that the canceller
    // can interrupt the exchange.
    Poco::Net::StreamSocket plain;
    plain.connect(Poco::Net::SocketAddress(uri.getHost(), uri.getPort()), Poco::Timespan(10, 0));
    DeliveryCanceller::Guard guard(canceller, plain);
    plain.setReceiveTimeout(Poco::Timespan(30, 0));
    plain.setSendTimeout(Poco::Timespan(30, 0));
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (https)
    {
        Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", "",
                                                             Poco::Net::Context::VERIFY_RELAXED, 9, true);
        Poco::Net::SecureStreamSocket secure =
            Poco::Net::SecureStreamSocket::attach(plain, uri.getHost(), ctx);
        session = std::make_unique<Poco::Net::HTTPSClientSession>(secure);
    }
    else
        session = std::make_unique<Poco::Net::HTTPClientSession>(plain);
    session->setTimeout(Poco::Timespan(10, 0), Poco::Timespan(30, 0), Poco::Timespan(30, 0));
    session->setKeepAlive(false);

    std::string path = uri.getPathEtc();
    if (path.empty())
        path = "/";
    Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_POST, path, Poco::Net::HTTPMessage::HTTP_1_1);
    req.setHost(uri.getHost(), uri.getPort());
    req.setContentType("application/json");
    req.setContentLength(static_cast<std::streamsize>(body.size()));
    for (const auto& [name, value] : headers)
        req.set(name, value);
    session->sendRequest(req) << body;
    Poco::Net::HTTPResponse res;
    std::istream& in = session->receiveResponse(res);
    Reply reply;
    reply.status = static_cast<int>(res.getStatus());
    // Cap what we keep: replies are only inspected for Postmark's ErrorCode.
    char buf[4096];
    while (in && reply.body.size() < 65536)
    {
        in.read(buf, sizeof buf);
        reply.body.append(buf, static_cast<std::size_t>(in.gcount()));
    }
    return reply;
}

} // namespace ErrorTracker
} // namespace Monlight
