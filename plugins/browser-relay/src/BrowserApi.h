#pragma once

#include "ForwardTarget.h"
#include "RelaySettings.h"
#include "SourceMapCache.h"
#include <Monlight/Http.h>

namespace Monlight
{
namespace BrowserRelay
{

/// The browser routes (§5.6, §5.7): validate, deobfuscate, enrich and forward.
class BrowserApi
{
public:
    BrowserApi(const RelaySettings& settings, SourceMapCache& maps, ForwardTarget& errors,
               ForwardTarget& metrics);

    /// Declares `/api/browser/errors` and `/api/browser/metrics` (AuthPolicy::Dsn, `?key=` accepted).
    void addRoutes(Router& router, const std::shared_ptr<CorsPolicy>& cors);

    void postError(Request& req, Response& res);
    void postMetrics(Request& req, Response& res);

    /// The error-tracker payload for a browser error body of project `project` (validation, stack rewriting).
    std::string errorPayload(const std::string& body, const std::string& project);

private:
    const RelaySettings& _settings;
    SourceMapCache& _maps;
    ForwardTarget& _errors;
    ForwardTarget& _metrics;
};

} // namespace BrowserRelay
} // namespace Monlight
