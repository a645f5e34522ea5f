#include "SdkAssets.h"

#include <Monlight/HttpError.h>

namespace Monlight
{
namespace BrowserRelay
{

void SdkAssets::addRoutes(Router& router, const SdkBundle& bundle)
{
    const SdkBundle* b = &bundle;
    router.add(Route::get("/sdk/monlight.min.js").auth(AuthPolicy::None).handle(
        [b](Request& req, Response& res) { serve(*b, false, req, res); }));
    router.add(Route::get("/sdk/monlight.min.js.map").auth(AuthPolicy::None).handle(
        [b](Request& req, Response& res) { serve(*b, true, req, res); }));
}

void SdkAssets::serve(const SdkBundle& bundle, bool map, Request& req, Response& res)
{
    if (bundle.js.empty())
        throw HttpError(404, "Browser SDK not available: this relay was built without the clients/js bundle (" +
                                 bundle.missing + "); rebuild with Node.js and npm installed");
    const std::string etag = "\"" + bundle.version + (map ? "-map\"" : "\"");
    const auto v = req.query().get("v");
    res.setHeader("Cache-Control",
                  v && *v == bundle.version ? "public, max-age=31536000, immutable" : "public, max-age=3600");
    res.setHeader("ETag", etag);
    res.setHeader("Access-Control-Allow-Origin", "*");
    res.setHeader("Cross-Origin-Resource-Policy", "cross-origin");
    if (req.header("If-None-Match", "") == etag)
    {
        res.send(304, "", "");
        return;
    }
    if (map)
        res.send(200, "application/json; charset=utf-8", std::string(bundle.map));
    else
        res.send(200, "text/javascript; charset=utf-8", std::string(bundle.js));
}

} // namespace BrowserRelay
} // namespace Monlight
