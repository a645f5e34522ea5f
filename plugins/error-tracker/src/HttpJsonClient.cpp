#include "HttpJsonClient.h"

#include "Monlight/Tls.h"
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
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
    // TLS comes from the SDK's on-demand module (Monlight/Tls.h): OpenSSL is mapped only once it is needed.
    std::unique_ptr<Poco::Net::HTTPClientSession> session = std::make_unique<Poco::Net::HTTPClientSession>(
        https ? Tls::attachClient(plain, uri.getHost(), true) : plain);
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
