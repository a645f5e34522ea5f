#pragma once

#include "AlertChannel.h"
#include <string>

namespace Monlight
{
namespace ErrorTracker
{

/// Generic JSON webhook (Slack reads `text`, Discord reads `content`); success is any 2xx.
class WebhookChannel : public AlertChannel
{
public:
    explicit WebhookChannel(std::string url);
    std::string name() const override { return "webhook"; }
    DeliveryResult deliver(const AlertMessage& message) override;

    /// Maps an HTTP status to a result (`sent` on 2xx; 429/5xx transient).
    static DeliveryResult fromStatus(int status);

private:
    std::string _url;
};

} // namespace ErrorTracker
} // namespace Monlight
