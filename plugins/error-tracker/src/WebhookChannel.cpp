#include "WebhookChannel.h"

#include "HttpJsonClient.h"
#include <Poco/Exception.h>

namespace Monlight
{
namespace ErrorTracker
{

WebhookChannel::WebhookChannel(std::string url) : _url(std::move(url)) {}

DeliveryResult WebhookChannel::fromStatus(int status)
{
    DeliveryResult r;
    r.ok = status >= 200 && status < 300;
    r.transient = status == 429 || status >= 500;
    r.detail = r.ok ? "sent" : "HTTP " + std::to_string(status);
    return r;
}

DeliveryResult WebhookChannel::deliver(const AlertMessage& message)
{
    try
    {
        return fromStatus(HttpJsonClient::post(_url, message.webhookJson, {}, _canceller.get()).status);
    }
    catch (const Poco::Exception& e)
    {
        return DeliveryResult{false, true, e.displayText()};
    }
}

} // namespace ErrorTracker
} // namespace Monlight
