#include "HttpJsonClient.h"

#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/URI.h>
#include <memory>

namespace Monlight
{
namespace ErrorTracker
{

HttpJsonClient::Reply HttpJsonClient::post(const std::string& url, const std::string& body,
                                           const std::vector<std::pair<std::string, std::string>>& headers)
{
    Poco::URI uri(url);
    std::unique_ptr<Poco::Net::HTTPClientSession> session;
    if (uri.getScheme() == "https")
    {
        Poco::Net::Context::Ptr ctx = new Poco::Net::Context(Poco::Net::Context::TLS_CLIENT_USE, "", "", "",
                                                             Poco::Net::Context::VERIFY_RELAXED, 9, true);
        session = std::make_unique<Poco::Net::HTTPSClientSession>(uri.getHost(), uri.getPort(), ctx);
    }
    else if (uri.getScheme() == "http")
        session = std::make_unique<Poco::Net::HTTPClientSession>(uri.getHost(), uri.getPort());
    else
        throw Poco::InvalidArgumentException("unsupported URL scheme", uri.getScheme());
    session->setTimeout(Poco::Timespan(10, 0), Poco::Timespan(30, 0), Poco::Timespan(30, 0));
    session->setKeepAlive(false);

    std::string path = uri.getPathEtc();
    if (path.empty())
        path = "/";
    Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_POST, path, Poco::Net::HTTPMessage::HTTP_1_1);
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
