#include "TrustedProxies.h"

#include "Monlight/Config.h"
#include <Poco/Exception.h>

namespace Monlight
{
namespace Host
{

namespace
{
bool parseIp(const std::string& s, Poco::Net::IPAddress& out)
{
    return Poco::Net::IPAddress::tryParse(s, out);
}

// IPv4-mapped IPv6 peers (::ffff:1.2.3.4) compare as IPv4.
Poco::Net::IPAddress normalize(const Poco::Net::IPAddress& a)
{
    if (a.family() == Poco::Net::IPAddress::IPv6 && a.isIPv4Mapped())
    {
        Poco::Net::IPAddress v4;
        std::string s = a.toString();
        auto pos = s.rfind(':');
        if (pos != std::string::npos && Poco::Net::IPAddress::tryParse(s.substr(pos + 1), v4))
            return v4;
    }
    return a;
}
} // namespace

TrustedProxies::TrustedProxies(const std::vector<std::string>& entries)
{
    for (const auto& e : entries)
    {
        std::string ip = e;
        unsigned prefix = 0;
        bool hasPrefix = false;
        auto slash = e.find('/');
        if (slash != std::string::npos)
        {
            ip = e.substr(0, slash);
            std::int64_t p;
            if (!ConfigValue::parseInt(e.substr(slash + 1), p) || p < 0 || p > 128)
                throw Poco::InvalidArgumentException(e);
            prefix = static_cast<unsigned>(p);
            hasPrefix = true;
        }
        Poco::Net::IPAddress addr;
        if (!parseIp(ip, addr))
            throw Poco::InvalidArgumentException(e);
        addr = normalize(addr);
        unsigned bits = addr.family() == Poco::Net::IPAddress::IPv4 ? 32 : 128;
        if (!hasPrefix)
            prefix = bits;
        if (prefix > bits)
            throw Poco::InvalidArgumentException(e);
        _nets.push_back({addr, prefix});
    }
}

bool TrustedProxies::contains(const std::string& ipText) const
{
    Poco::Net::IPAddress ip;
    if (!parseIp(ipText, ip))
        return false;
    ip = normalize(ip);
    for (const auto& n : _nets)
    {
        if (n.address.family() != ip.family())
            continue;
        Poco::Net::IPAddress mask(n.prefix, ip.family());
        if ((ip & mask) == (n.address & mask))
            return true;
    }
    return false;
}

std::string TrustedProxies::clientIp(const std::string& peer, const std::string& forwardedFor,
                                     const std::string& realIp) const
{
    if (_nets.empty() || !contains(peer))
        return peer;
    auto hops = ConfigValue::splitList(forwardedFor);
    for (auto it = hops.rbegin(); it != hops.rend(); ++it)
    {
        Poco::Net::IPAddress a;
        if (!parseIp(*it, a))
            break;
        if (!contains(*it))
            return normalize(a).toString();
    }
    Poco::Net::IPAddress a;
    std::string r = ConfigValue::trim(realIp);
    if (!r.empty() && parseIp(r, a))
        return normalize(a).toString();
    return peer;
}

} // namespace Host
} // namespace Monlight
