#pragma once

#include "DsnKeyCache.h"
#include "ForwardTarget.h"
#include "RelaySettings.h"
#include "SentryVitals.h"
#include "SourceMapCache.h"
#include <Monlight/Http.h>
#include <Monlight/Metrics.h>
#include <Monlight/Services.h>
#include <memory>
#include <string>

namespace Monlight
{
namespace BrowserRelay
{

/// Sentry-protocol ingest (§11): `/api/{n}/envelope/` and `/api/{n}/store/` on the relay's listener.
class SentryIngest
{
public:
    SentryIngest(const RelaySettings& settings, DsnKeyCache& keys, SourceMapCache& maps, ForwardTarget& errors,
                 ForwardTarget& metrics, ServiceRegistry& services, MetricsRegistry& registry,
                 std::shared_ptr<CorsPolicy> cors);

    /// Declares POST and OPTIONS on both paths (AuthPolicy::Sentry: SENTRY auth, CORS and limits are done here).
    void addRoutes(Router& router);

    void handle(Request& req, Response& res, bool store);

    /// `http(s)://<key>@<host[:port]>[/<prefix>]/<number>` (§11.1) from `publicUrl` or from the request.
    static std::string dsn(Request& req, const std::string& publicUrl, const std::string& key, std::int64_t number);

    /// The DSN key named by `X-Sentry-Auth`/`Authorization` (`Sentry sentry_key=…, …`) text, or "".
    static std::string keyFromAuthHeader(const std::string& header);
    /// The key (user part) of a DSN URL, or "".
    static std::string keyFromDsn(const std::string& dsn);

private:
    struct Outcome;
    void process(Request& req, Response& res, bool store, const std::string& project, Outcome& out,
                 const std::string& text);
    void count(const std::string& type, const char* outcome, std::uint64_t n = 1);

    const RelaySettings& _settings;
    DsnKeyCache& _keys;
    SourceMapCache& _maps;
    ForwardTarget& _errors;
    ForwardTarget& _metrics;
    ServiceRegistry& _services;
    MetricsRegistry& _registry;
    std::shared_ptr<CorsPolicy> _cors;
    SentryVitals _vitals;
};

} // namespace BrowserRelay
} // namespace Monlight
