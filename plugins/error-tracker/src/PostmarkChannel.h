#pragma once

#include "AlertChannel.h"
#include <string>
#include <vector>

namespace Monlight
{
namespace ErrorTracker
{

/// Postmark's `POST <api>/email`, at most 50 recipients per request; success is HTTP 200 with `ErrorCode` 0.
class PostmarkChannel : public AlertChannel
{
public:
    PostmarkChannel(std::string apiUrl, std::string token, std::string from, std::vector<std::string> to);
    std::string name() const override { return "postmark"; }
    DeliveryResult deliver(const AlertMessage& message) override;

    /// The request body for one batch of recipients.
    std::string body(const AlertMessage& message, const std::vector<std::string>& to) const;

private:
    std::string _apiUrl;
    std::string _token;
    std::string _from;
    std::vector<std::string> _to;
};

} // namespace ErrorTracker
} // namespace Monlight
