#pragma once

#include "DeliveryCanceller.h"
#include <string>
#include <utility>
#include <vector>

namespace Monlight
{
namespace ErrorTracker
{

/// Minimal HTTP(S) client for alert deliveries: one POST of a JSON body per call, new connection each time.
class HttpJsonClient
{
public:
    struct Reply
    {
        int status = 0;
        std::string body;
    };

    /// POSTs `body` to the absolute http/https `url` (connect timeout 10 s, socket timeout 30 s). The
    /// connected socket is registered with `canceller` (may be null). Throws Poco::Exception on connection,
    /// TLS, timeout or cancellation errors.
    static Reply post(const std::string& url, const std::string& body,
                      const std::vector<std::pair<std::string, std::string>>& headers,
                      DeliveryCanceller* canceller = nullptr);
};

} // namespace ErrorTracker
} // namespace Monlight
