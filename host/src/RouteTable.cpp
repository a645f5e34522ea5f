#include "RouteTable.h"

#include <Poco/Exception.h>
#include <algorithm>
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
    if (route.methods.empty() || route.pattern.empty() || route.pattern[0] != '/')
        throw Poco::InvalidArgumentException("route " + route.pattern + ": needs methods and a path starting with /");
    // Keep the table ordered by specificity so exact paths win over placeholders and prefixes.
    auto pos = std::find_if(_routes.begin(), _routes.end(), [&](const Route& r) {
        return placeholders(r.pattern) > placeholders(route.pattern);
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
    for (const auto& r : _routes)
    {
        std::map<std::string, std::string> params;
        // Prefix routes see the path as sent (a trailing slash is meaningful below /static/).
        if (!matchPattern(r.pattern, r.pattern.back() == '*' ? rawPath : path, params))
            continue;
        m.pathKnown = true;
        for (const auto& meth : r.methods)
        {
            allowed.insert(meth);
            if (meth == "GET")
                allowed.insert("HEAD");
        }
        if (m.route)
            continue;
        for (const auto& meth : r.methods)
        {
            if (meth == method || (method == "HEAD" && meth == "GET"))
            {
                m.route = &r;
                m.params = std::move(params);
                break;
            }
        }
    }
    for (const auto& a : allowed)
        m.allow += (m.allow.empty() ? "" : ", ") + a;
    return m;
}

} // namespace Host
} // namespace Monlight
