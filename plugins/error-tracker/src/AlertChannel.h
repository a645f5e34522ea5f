#pragma once

#include "AlertMessage.h"
#include "DeliveryCanceller.h"
#include <memory>
#include <string>

namespace Monlight
{
namespace ErrorTracker
{

/// Outcome of one delivery attempt on one channel.
struct DeliveryResult
{
    bool ok = false;
    bool transient = false; ///< worth retrying (connection error, timeout, HTTP 429/5xx, SMTP 4xx)
    std::string detail;     ///< `sent`, `HTTP <status>` or a short error text
};

/// One way of sending alerts (Postmark, SMTP, webhook).
class AlertChannel
{
public:
    virtual ~AlertChannel() = default;
    /// `postmark`, `smtp` or `webhook`.
    virtual std::string name() const = 0;
    /// Sends `message` once. Never throws: every failure is described in the result.
    virtual DeliveryResult deliver(const AlertMessage& message) = 0;

    /// Sockets of later deliveries are registered with `canceller` so that shutdown can interrupt them.
    void setCanceller(std::shared_ptr<DeliveryCanceller> canceller) { _canceller = std::move(canceller); }

protected:
    std::shared_ptr<DeliveryCanceller> _canceller;
};

} // namespace ErrorTracker
} // namespace Monlight
