#pragma once

#include "HostRuntime.h"
#include "HttpExchange.h"
#include "Monlight/HttpError.h"
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <functional>
#include <map>
#include <mutex>
#include <unordered_map>

namespace Monlight
{
namespace Host
{

/// The request pipeline of §0.3 for one listener. It always answers: every exception becomes a JSON error
/// (unexpected ones 500 with a logged reference id), and it never returns a null handler to Poco.
class Dispatcher : public Poco::Net::HTTPRequestHandlerFactory
{
public:
    /// `plugin` null = the combined listener serving every plugin under `/<name>/`.
    Dispatcher(HostRuntime& host, PluginRuntime* plugin);

    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest& request) override;

    /// `crowded()` is asked at the start of every request; when it says yes the response closes the connection
    /// (see Listener::crowded()).
    void setCrowded(std::function<bool()> crowded) { _crowded = std::move(crowded); }

    /// Runs the whole pipeline for one request.
    void handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response);

    /// A fresh request id: the incoming one if it is 1–64 chars of [A-Za-z0-9._-], else 16 random hex chars.
    static std::string requestId(const std::string& incoming);

private:
    void pipeline(RequestImpl& req, ResponseImpl& resp, PluginRuntime*& served, std::string& routeLabel);
    /// The host's own routes of `p`, then its routes.
    void serveRoute(PluginRuntime& p, RequestImpl& req, ResponseImpl& resp, std::string& routeLabel);
    /// Steps 4–11 for a looked-up route of plugin `p` (null: the host's own routes of the combined listener).
    void serve(PluginRuntime* p, RouteTable::Match& match, RequestImpl& req, ResponseImpl& resp,
               std::string& routeLabel);
    void health(PluginRuntime& p, Response& resp);
    void combinedHealth(Response& resp);
    void metrics(PluginRuntime* p, Request& req, Response& resp);
    void indexPage(Response& resp);
    void rateLimit(const std::string& plugin, const std::string& limiterLabel, const std::string& limiter,
                   const std::string& principal, std::int64_t limit);
    void authGuard(const std::string& plugin, const std::string& ip);
    void authFailed(const std::string& plugin, const std::string& kind, const std::string& ip, bool counts);
    void sendError(RequestImpl& req, ResponseImpl& resp, const HttpError& e);
    void internalError(RequestImpl& req, ResponseImpl& resp, const std::string& what);
    void record(const std::string& plugin, const std::string& route, const std::string& method, int status,
                double seconds, bool timed);

    HostRuntime& _host;
    PluginRuntime* _plugin;
    std::function<bool()> _crowded;
    /// The host's own routes per plugin served here (`/health`, `/metrics`), and under null those of the combined
    /// listener (`/`, `/health`, `/metrics`). Built in the constructor, read-only afterwards.
    std::map<PluginRuntime*, RouteTable> _ownRoutes;
    Poco::Logger& _log;
    std::mutex _metricsMutex;
    std::unordered_map<std::string, Counter*> _counters;
    std::unordered_map<std::string, Histogram*> _histograms;
};

} // namespace Host
} // namespace Monlight
