#pragma once

#include "Monlight/Http.h"
#include <map>
#include <string>
#include <vector>

namespace Monlight
{
namespace Host
{

/// The routes of one plugin and the §0.4 matching rules.
class RouteTable
{
public:
    struct Match
    {
        const Route* route = nullptr;            ///< the route for this method, if any
        std::map<std::string, std::string> params; ///< `{name}` values
        bool pathKnown = false;                  ///< some route matches the path (→ 405 when route is null)
        std::string allow;                       ///< `Allow` header value for 405 (`GET, HEAD, POST`)
    };

    /// Adds a route; throws Poco::InvalidArgumentException for an empty method list or a pattern not starting
    /// with `/`.
    void add(Route route);

    /// Finds the route for `method` and `path` (query already removed). `HEAD` matches `GET` routes. One
    /// trailing `/` is ignored except for `/`. Routes with fewer placeholders win.
    Match find(const std::string& method, const std::string& path) const;

    const std::vector<Route>& routes() const { return _routes; }

private:
    static bool matchPattern(const std::string& pattern, const std::string& path,
                             std::map<std::string, std::string>& params);
    std::vector<Route> _routes;
};

} // namespace Host
} // namespace Monlight
