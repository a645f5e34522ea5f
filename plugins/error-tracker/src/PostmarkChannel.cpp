#include "PostmarkChannel.h"

#include "AlertComposer.h"
#include "HttpJsonClient.h"
#include "Monlight/Json.h"
#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>
#include <algorithm>

namespace Monlight
{
namespace ErrorTracker
{

PostmarkChannel::PostmarkChannel(std::string apiUrl, std::string token, std::string from,
                                 std::vector<std::string> to)
    : _apiUrl(std::move(apiUrl)), _token(std::move(token)), _from(std::move(from)), _to(std::move(to))
{
}

std::string PostmarkChannel::body(const AlertMessage& m, const std::vector<std::string>& to) const
{
    std::string joined;
    for (const auto& a : to)
    {
        if (!joined.empty())
            joined += ", ";
        joined += a;
    }
    Json::Writer w;
    w.beginObject()
        .field("From", AlertComposer::stripControls(_from))
        .field("To", AlertComposer::stripControls(joined))
        .field("Subject", m.subject)
        .field("TextBody", m.text)
        .field("HtmlBody", m.html)
        .field("MessageStream", "outbound")
        .endObject();
    return w.take();
}

DeliveryResult PostmarkChannel::deliver(const AlertMessage& m)
{
    for (std::size_t i = 0; i < _to.size(); i += 50)
    {
        std::vector<std::string> batch(_to.begin() + static_cast<long>(i),
                                       _to.begin() + static_cast<long>(std::min(_to.size(), i + 50)));
        try
        {
            HttpJsonClient::Reply reply = HttpJsonClient::post(
                _apiUrl + "/email", body(m, batch),
                {{"Accept", "application/json"}, {"X-Postmark-Server-Token", _token}}, _canceller.get());
            if (reply.status != 200)
                return DeliveryResult{false, reply.status == 429 || reply.status >= 500,
                                      "HTTP " + std::to_string(reply.status)};
            std::int64_t code = -1;
            try
            {
                Poco::JSON::Parser parser;
                Poco::Dynamic::Var v = parser.parse(reply.body);
                Poco::JSON::Object::Ptr obj = v.extract<Poco::JSON::Object::Ptr>();
                if (obj && obj->has("ErrorCode"))
                    code = obj->getValue<std::int64_t>("ErrorCode");
            }
            catch (const Poco::Exception&)
            {
                code = -1;
            }
            if (code != 0)
                return DeliveryResult{false, false, "Postmark ErrorCode " + std::to_string(code)};
        }
        catch (const Poco::Exception& e)
        {
            return DeliveryResult{false, true, e.displayText()};
        }
    }
    return DeliveryResult{true, false, "sent"};
}

} // namespace ErrorTracker
} // namespace Monlight
