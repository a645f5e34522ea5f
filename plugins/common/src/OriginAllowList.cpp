#include "OriginAllowList.h"

#include <Poco/Exception.h>
#include <Poco/String.h>
#include <algorithm>

namespace Monlight
{
namespace Common
{

OriginAllowList::OriginAllowList(const std::vector<std::string>& entries)
{
    for (const auto& raw : entries)
    {
        std::string e = Poco::toLower(Poco::trim(raw));
        if (e.empty())
            continue;
        if (e == "*")
        {
            _any = true;
            continue;
        }
        auto star = e.find('*');
        if (star != std::string::npos && e.find('*', star + 1) != std::string::npos)
            throw Poco::InvalidArgumentException("origin pattern " + raw + ": at most one *");
        Pattern p;
        if (star == std::string::npos)
            p.prefix = e;
        else
        {
            p.wildcard = true;
            p.prefix = e.substr(0, star);
            p.suffix = e.substr(star + 1);
        }
        _patterns.push_back(p);
    }
}

bool OriginAllowList::allows(const std::string& originRaw) const
{
    if (originRaw.empty())
        return false;
    return _any || listed(originRaw);
}

bool OriginAllowList::listed(const std::string& originRaw) const
{
    std::string origin = Poco::toLower(originRaw);
    for (const auto& p : _patterns)
    {
        if (!p.wildcard)
        {
            if (origin == p.prefix)
                return true;
            continue;
        }
        if (origin.size() < p.prefix.size() + p.suffix.size() + 1)
            continue;
        if (origin.compare(0, p.prefix.size(), p.prefix) != 0 ||
            origin.compare(origin.size() - p.suffix.size(), p.suffix.size(), p.suffix) != 0)
            continue;
        std::string middle = origin.substr(p.prefix.size(), origin.size() - p.prefix.size() - p.suffix.size());
        if (middle.find_first_of("/:@") == std::string::npos)
            return true;
    }
    return false;
}

std::vector<std::pair<std::string, std::string>> OriginAllowList::responseHeaders(const std::string& origin) const
{
    std::vector<std::pair<std::string, std::string>> h{{"Access-Control-Allow-Origin", origin},
                                                       {"Access-Control-Expose-Headers", "Retry-After, X-Request-Id"},
                                                       {"Vary", "Origin"}};
    // A credentialed request (older SDKs' sendBeacon with a JSON body) needs this on the preflight and on the
    // answer; it is granted to origins the operator listed, never to every origin through a bare `*`.
    if (listed(origin))
        h.emplace_back("Access-Control-Allow-Credentials", "true");
    return h;
}

std::vector<std::pair<std::string, std::string>>
OriginAllowList::preflightHeaders(const std::string& origin, const std::string&, const std::string& requestHeaders) const
{
    std::string headers = Poco::trim(requestHeaders);
    std::vector<std::pair<std::string, std::string>> h{
        {"Access-Control-Allow-Origin", origin},
        {"Access-Control-Allow-Methods", "POST, OPTIONS"},
        {"Access-Control-Allow-Headers", headers.empty() ? "X-Monlight-Key, Content-Type" : headers},
        {"Access-Control-Max-Age", "86400"},
        {"Vary", "Origin, Access-Control-Request-Headers"}};
    if (listed(origin))
        h.emplace_back("Access-Control-Allow-Credentials", "true");
    return h;
}

std::shared_ptr<CorsPolicy> CorsFactory::makePolicy(const std::vector<std::string>& origins) const
{
    return std::make_shared<OriginAllowList>(origins);
}

} // namespace Common
} // namespace Monlight
