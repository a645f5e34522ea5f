#include "RouteTable.h"

#include <Poco/Exception.h>
#include <algorithm>
#include <optional>

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

/// The methods a route table can hold (Route::get/post/del/options, and HEAD with GET), in the order of the
/// `Allow` header (alphabetical).
const char* const METHODS[] = {"DELETE", "GET", "HEAD", "OPTIONS", "POST"};
constexpr unsigned GET_BIT = 1u << 1;
constexpr unsigned HEAD_BIT = 1u << 2;

unsigned methodBits(const std::string& method)
{
    for (unsigned i = 0; i < sizeof METHODS / sizeof METHODS[0]; ++i)
        if (method == METHODS[i])
            return (1u << i) | ((1u << i) == GET_BIT ? HEAD_BIT : 0u);
    return 0;
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

std::string RouteTable::Match::allow() const
{
    std::string out;
    for (unsigned i = 0; i < sizeof METHODS / sizeof METHODS[0]; ++i)
        if (methods & (1u << i))
            out += (out.empty() ? "" : ", ") + std::string(METHODS[i]);
    return out;
}

bool RouteTable::matchPattern(std::string_view pattern, std::string_view path,
                              std::map<std::string, std::string>* params)
{
    if (pattern.size() >= 2 && pattern.compare(pattern.size() - 2, 2, "/*") == 0)
    {
        std::string_view prefix = pattern.substr(0, pattern.size() - 1); // keeps the trailing '/'
        return path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0;
    }
    if (pattern.find('{') == std::string_view::npos)
        return pattern == path;
    // Segment by segment (both start with '/'); the same number of segments, `{name}` matches a non-empty one.
    std::size_t pi = 1;
    std::size_t xi = 1;
    for (;;)
    {
        std::size_t pe = std::min(pattern.find('/', pi), pattern.size());
        std::size_t xe = std::min(path.find('/', xi), path.size());
        std::string_view ps = pattern.substr(std::min(pi, pattern.size()), pe - std::min(pi, pe));
        std::string_view xs = path.substr(std::min(xi, path.size()), xe - std::min(xi, xe));
        if (ps.size() > 2 && ps.front() == '{' && ps.back() == '}')
        {
            if (xs.empty())
                return false;
        }
        else if (ps != xs)
            return false;
        const bool patternEnds = pe >= pattern.size();
        const bool pathEnds = xe >= path.size();
        if (patternEnds || pathEnds)
        {
            if (!(patternEnds && pathEnds))
                return false;
            break;
        }
        pi = pe + 1;
        xi = xe + 1;
    }
    if (params)
    {
        // Second walk, only for the route chosen: the values.
        params->clear();
        pi = 1;
        xi = 1;
        while (pi <= pattern.size())
        {
            std::size_t pe = std::min(pattern.find('/', pi), pattern.size());
            std::size_t xe = std::min(path.find('/', xi), path.size());
            std::string_view ps = pattern.substr(pi, pe - pi);
            if (ps.size() > 2 && ps.front() == '{' && ps.back() == '}')
                (*params)[std::string(ps.substr(1, ps.size() - 2))] = std::string(path.substr(xi, xe - xi));
            pi = pe + 1;
            xi = xe + 1;
        }
    }
    return true;
}

RouteTable::Match RouteTable::find(const std::string& method, const std::string& rawPath) const
{
    Match m;
    const std::string_view raw(rawPath);
    std::string_view path = raw;
    if (path.size() > 1 && path.back() == '/')
        path.remove_suffix(1);
    for (const auto& r : _routes)
    {
        // Prefix routes see the path as sent (a trailing slash is meaningful below /static/).
        const std::string_view subject = r.pattern().back() == '*' ? raw : path;
        if (!matchPattern(r.pattern(), subject, nullptr))
            continue;
        m.pathKnown = true;
        m.methods |= methodBits(r.method());
        if (!m.cors)
            m.cors = r.corsPolicy();
        if (!m.route && (r.method() == method || (method == "HEAD" && r.method() == "GET")))
        {
            m.route = &r;
            matchPattern(r.pattern(), subject, &m.params);
        }
    }
    if (!m.pathKnown)
        for (const auto& r : _routes)
            if (!r.corsArea().empty() && rawPath.compare(0, r.corsArea().size(), r.corsArea()) == 0)
            {
                m.methods |= methodBits(r.method());
                if (!m.cors)
                    m.cors = r.corsPolicy();
            }
    return m;
}

} // namespace Host
} // namespace Monlight
