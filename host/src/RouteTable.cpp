#include "RouteTable.h"

#include <Poco/Exception.h>
#include <algorithm>
#include <optional>
#include <set>

namespace Monlight
{
namespace Host
{

namespace
{
int placeholders(const std::string& pattern)
{
    return static_cast<int>(std::count(pattern.begin(), pattern.end(), '{')) +
           (pattern.size() >= 2 && pattern.compare(pattern.size() - 2, 2, "/*") == 0 ? 100 : 0);
}

/// The limiter a policy counts every request on (Dsn also counts on Limiter::Dsn); none for Sentry, whose
/// handler authenticates and limits.
std::optional<Limiter> countsOn(AuthPolicy auth)
{
    switch (auth)
    {
    case AuthPolicy::None: return Limiter::Ip;
    case AuthPolicy::ApiKey: return Limiter::Key;
    case AuthPolicy::AdminKey: return Limiter::Admin;
    case AuthPolicy::Dsn: return Limiter::DsnIp;
    case AuthPolicy::Sentry: return std::nullopt;
    }
    return Limiter::Ip;
}

std::vector<std::string> segments(const std::string& path)
{
    std::vector<std::string> out;
    std::size_t start = 1;
    while (start <= path.size())
    {
        std::size_t end = path.find('/', start);
        if (end == std::string::npos)
            end = path.size();
        out.push_back(path.substr(start, end - start));
        start = end + 1;
    }
    return out;
}
} // namespace

void RouteTable::add(Route route)
{
    const std::string& pattern = route.pattern();
    auto refuse = [&pattern](const std::string& why) {
        throw Poco::InvalidArgumentException("route " + pattern + ": " + why);
    };
    if (pattern.empty() || pattern[0] != '/')
        refuse("needs a path starting with /");
    if (!route.authPolicy())
        refuse("needs an auth policy");
    if (!route.handler())
        refuse("needs a handler");
    const AuthPolicy auth = *route.authPolicy();
    for (Limiter l : {Limiter::Ip, Limiter::Key, Limiter::Admin, Limiter::DsnIp, Limiter::Dsn})
        if (route.limitOf(l) && countsOn(auth) != l && !(auth == AuthPolicy::Dsn && l == Limiter::Dsn))
            refuse("sets a limiter its auth policy does not count on");
    if (route.acceptsQueryKey() && auth != AuthPolicy::ApiKey && auth != AuthPolicy::Dsn)
        refuse("only API and DSN keys can come in the query");
    if (!route.corsArea().empty() && (!route.corsPolicy() || route.corsArea().back() != '/'))
        refuse("a CORS area needs a policy and ends in /");
    // Keep the table ordered by specificity so exact paths win over placeholders and prefixes.
    auto pos = std::find_if(_routes.begin(), _routes.end(), [&](const Route& r) {
        return placeholders(r.pattern()) > placeholders(pattern);
    });
    _routes.insert(pos, std::move(route));
}

bool RouteTable::matchPattern(const std::string& pattern, const std::string& path,
                              std::map<std::string, std::string>& params)
{
    if (pattern.size() >= 2 && pattern.compare(pattern.size() - 2, 2, "/*") == 0)
    {
        std::string prefix = pattern.substr(0, pattern.size() - 1); // keeps the trailing '/'
        return path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0;
    }
    if (pattern.find('{') == std::string::npos)
        return pattern == path;
    auto ps = segments(pattern);
    auto xs = segments(path);
    if (ps.size() != xs.size())
        return false;
    std::map<std::string, std::string> found;
    for (std::size_t i = 0; i < ps.size(); ++i)
    {
        const auto& p = ps[i];
        if (p.size() > 2 && p.front() == '{' && p.back() == '}')
        {
            if (xs[i].empty())
                return false;
            found[p.substr(1, p.size() - 2)] = xs[i];
        }
        else if (p != xs[i])
            return false;
    }
    params = std::move(found);
    return true;
}

RouteTable::Match RouteTable::find(const std::string& method, const std::string& rawPath) const
{
    Match m;
    std::string path = rawPath;
    if (path.size() > 1 && path.back() == '/')
        path.pop_back();
    std::set<std::string> allowed;
    auto allow = [&allowed](const Route& r) {
        allowed.insert(r.method());
        if (r.method() == "GET")
            allowed.insert("HEAD");
    };
    for (const auto& r : _routes)
    {
        std::map<std::string, std::string> params;
        // Prefix routes see the path as sent (a trailing slash is meaningful below /static/).
        if (!matchPattern(r.pattern(), r.pattern().back() == '*' ? rawPath : path, params))
            continue;
        m.pathKnown = true;
        allow(r);
        if (!m.cors)
            m.cors = r.corsPolicy();
        if (!m.route && (r.method() == method || (method == "HEAD" && r.method() == "GET")))
        {
            m.route = &r;
            m.params = std::move(params);
        }
    }
    if (!m.pathKnown)
        for (const auto& r : _routes)
            if (!r.corsArea().empty() && rawPath.compare(0, r.corsArea().size(), r.corsArea()) == 0)
            {
                allow(r);
                if (!m.cors)
                    m.cors = r.corsPolicy();
            }
    for (const auto& a : allowed)
        m.allow += (m.allow.empty() ? "" : ", ") + a;
    return m;
}

} // namespace Host
} // namespace Monlight
