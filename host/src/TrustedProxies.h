#pragma once

#include <Poco/Net/IPAddress.h>
#include <string>
#include <vector>

namespace Monlight
{
namespace Host
{

/// `host.trusted_proxies` and the client-IP rule of §0.3.
class TrustedProxies
{
public:
    TrustedProxies() = default;
    /// Parses IPs and CIDRs; throws Poco::InvalidArgumentException naming the first bad entry.
    explicit TrustedProxies(const std::vector<std::string>& entries);

    bool contains(const std::string& ip) const;

    /// The client IP: the peer, unless the peer is trusted; then the right-most X-Forwarded-For address that is
    /// not itself trusted, else X-Real-IP, else the peer.
    std::string clientIp(const std::string& peer, const std::string& forwardedFor, const std::string& realIp) const;

private:
    struct Net
    {
        Poco::Net::IPAddress address;
        unsigned prefix;
    };
    std::vector<Net> _nets;
};

} // namespace Host
} // namespace Monlight
