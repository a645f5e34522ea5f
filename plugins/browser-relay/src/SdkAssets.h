#pragma once

#include "SdkBundle.h"
#include <Monlight/Http.h>

namespace Monlight
{
namespace BrowserRelay
{

/// Serves the browser SDK (§8) for script tags: `GET /sdk/monlight.min.js` and `/sdk/monlight.min.js.map`,
/// policy NONE (per-IP limit). `?v=<version>` naming the served bundle → cached for a year (`immutable`); without
/// it, or with another version, an hour. `ETag` is the version, `304` on `If-None-Match`. `Access-Control-Allow-
/// Origin: *` so pages may add `crossorigin`/`integrity`. A relay built without the bundle answers 404 with a
/// detail saying so.
class SdkAssets
{
public:
    static void addRoutes(Router& router, const SdkBundle& bundle);
    static void serve(const SdkBundle& bundle, bool map, Request& req, Response& res);
};

} // namespace BrowserRelay
} // namespace Monlight
