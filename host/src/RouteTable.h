#pragma once

#include "Monlight/Http.h"
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace Monlight
{
namespace Host
{

/// The routes of one plugin (or the host's own) and how a request path finds one.
class RouteTable
{
public:
    struct Match
    {
        const Route* route = nullptr;            ///< the route for this method, if any
        std::map<std::string, std::string> params; ///< `{name}` values
        bool pathKnown = false;                  ///< some route matches the path (→ 405 when route is null)
        /// CORS of the path: the policy of a route matching it, else of a route whose CORS area contains it.
        const CorsPolicy* cors = nullptr;
        unsigned methods = 0; ///< the methods of the matching routes (or of the CORS area's), as bits

        /// `Allow` header value for 405 (`GET, HEAD, POST`); for an unknown path in a CORS area, the methods of
        /// the area's routes. Made on demand: finding a route allocates nothing for a path without `{name}`.
        std::string allow() const;
    };

    /// Adds a route; throws Poco::InvalidArgumentException for a pattern not starting with `/`, a route without
    /// auth policy or handler, a limiter its auth policy does not count on, a query key on a policy without one,
    /// or a CORS area not ending in `/`.
    void add(Route route);

    /// Finds the route for `method` and `path` (query already removed). `HEAD` matches `GET` routes. One
    /// trailing `/` is ignored except for `/`. Routes with fewer placeholders win.
    Match find(const std::string& method, const std::string& path) const;

    bool empty() const { return _routes.empty(); }

private:
    /// Whether `path` matches `pattern`; fills `params` (when given) with the `{name}` values of a match.
    static bool matchPattern(std::string_view pattern, std::string_view path,
                             std::map<std::string, std::string>* params);
    std::vector<Route> _routes;
};

} // namespace Host
} // namespace Monlight
