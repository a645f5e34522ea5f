#include "Dispatcher.h"

#include "Monlight/Database.h"
#include "Monlight/ExceptionText.h"
#include "Monlight/HttpError.h"
#include "Monlight/Json.h"
#include "Monlight/Text.h"
#include "Monlight/Version.h"
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/String.h>
#include <Poco/URI.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <random>

namespace Monlight
{
namespace Host
{

namespace
{
class DispatchHandler : public Poco::Net::HTTPRequestHandler
{
public:
    explicit DispatchHandler(Dispatcher& d) : _d(d) {}
    void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp) override
    {
        _d.handle(req, resp);
    }

private:
    Dispatcher& _d;
};

const std::vector<double> kBuckets{0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

/// The `method` label: a standard method, else `other` (any token is a valid method, and each distinct label
/// value would be a new series kept forever).
std::string methodLabel(const std::string& method)
{
    static const char* const known[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT",
                                        "TRACE"};
    for (const char* k : known)
        if (method == k)
            return method;
    return "other";
}

/// Step 1, framing: one unambiguous body length. Poco takes the first of several Content-Length fields, accepts
/// signs and thousands separators in it, and treats an unknown Transfer-Encoding as "read until the connection
/// closes"; a front proxy may frame the same bytes differently (request smuggling). So: every Content-Length is
/// plain digits and they all agree; a Transfer-Encoding is exactly one `chunked` and comes without
/// Content-Length. Anything else is 400 and the connection closes.
void checkFraming(const Poco::Net::HTTPServerRequest& request)
{
    std::string length;
    int lengths = 0;
    int encodings = 0;
    std::string encoding;
    for (const auto& field : request)
    {
        if (Poco::icompare(field.first, Poco::Net::HTTPMessage::CONTENT_LENGTH) == 0)
        {
            if (!Text::parseDigits(field.second) || (lengths++ > 0 && field.second != length))
                throw HttpError(400, "Bad request").closeConnection();
            length = field.second;
        }
        else if (Poco::icompare(field.first, Poco::Net::HTTPMessage::TRANSFER_ENCODING) == 0)
        {
            ++encodings;
            encoding = field.second;
        }
    }
    if (encodings > 0 &&
        (encodings > 1 || lengths > 0 || Poco::icompare(encoding, Poco::Net::HTTPMessage::CHUNKED_TRANSFER_ENCODING) != 0))
        throw HttpError(400, "Bad request").closeConnection();
}

const char* limiterLabel(Limiter l)
{
    switch (l)
    {
    case Limiter::Ip: return "ip";
    case Limiter::Key: return "key";
    case Limiter::DsnIp: return "dsn_ip";
    case Limiter::Dsn: return "dsn";
    case Limiter::Admin: return "admin";
    }
    return "key";
}
/// A 16×16 PNG (a moon on transparent ground) served as `/favicon.ico` on every listener, so browsers stop
/// logging a 404 for every page (PNG bytes under the .ico name are accepted by every current browser).
const unsigned char FAVICON_PNG[] = {
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52, 0x00, 0x00, 0x00,
    0x10, 0x00, 0x00, 0x00, 0x10, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0xf3, 0xff, 0x61, 0x00, 0x00, 0x00, 0x4c, 0x49,
    0x44, 0x41, 0x54, 0x78, 0xda, 0x63, 0x60, 0xa0, 0x05, 0xf8, 0x74, 0xd2, 0xe7, 0x3f, 0x36, 0x4c, 0x96, 0x66, 0x39,
    0x25, 0x2d, 0x14, 0x4c, 0x91, 0x66, 0xbc, 0x86, 0x10, 0xab, 0x19, 0xab, 0x21, 0xd8, 0xfc, 0x4b, 0xc8, 0x00, 0x14,
    0x43, 0x06, 0xa7, 0x01, 0x84, 0x0c, 0x41, 0x89, 0x56, 0x5c, 0x06, 0xe0, 0x32, 0x04, 0x23, 0x5d, 0xe0, 0x33, 0x00,
    0x1f, 0x26, 0x2a, 0xf5, 0x91, 0x94, 0x2a, 0x29, 0xd2, 0x4c, 0xac, 0x21, 0xb4, 0xcf, 0x4c, 0xa4, 0x02, 0x00, 0xf4,
    0x93, 0x7b, 0xc3, 0x5c, 0xda, 0x3a, 0x73, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82
};

} // namespace

Dispatcher::Dispatcher(HostRuntime& host, PluginRuntime* plugin)
    : _host(host), _plugin(plugin), _log(Poco::Logger::get(plugin ? plugin->pluginName() : "host"))
{
    // monlight_http_inflight_requests (§0.14): a plugin's own listener registers its gauge; the combined listener
    // registers the plugins that have no listener of their own (each series exactly once).
    auto registerGauge = [this](PluginRuntime* p) {
        _host.metrics.gaugeFn(p->pluginName(), "monlight_http_inflight_requests", "Requests being handled",
                              {{"plugin", p->pluginName()}}, [p] { return static_cast<double>(p->inflight.load()); });
    };
    // The host's own routes: `/health` and `/metrics` of every plugin served here (not counted on the per-IP
    // limiter, so monitoring never gets 429), and on the combined listener `/`, `/health` and `/metrics` of the host.
    auto addOwnRoutes = [this](PluginRuntime* p) {
        RouteTable& t = _ownRoutes[p];
        t.add(Route::get("/health").auth(AuthPolicy::None).limit(Limiter::Ip, 0).handle(
            [this, p](Request&, Response& resp) { p ? health(*p, resp) : combinedHealth(resp); }));
        t.add(Route::get("/metrics").auth(AuthPolicy::None).limit(Limiter::Ip, 0).handle(
            [this, p](Request& req, Response& resp) { metrics(p, req, resp); }));
        t.add(Route::get("/favicon.ico").auth(AuthPolicy::None).limit(Limiter::Ip, 0).handle(
            [](Request&, Response& resp) {
                resp.setHeader("Cache-Control", "public, max-age=86400");
                resp.send(200, "image/png",
                          std::string(reinterpret_cast<const char*>(FAVICON_PNG), sizeof(FAVICON_PNG)));
            }));
    };
    if (_plugin)
    {
        registerGauge(_plugin);
        addOwnRoutes(_plugin);
        return;
    }
    addOwnRoutes(nullptr);
    _ownRoutes[nullptr].add(Route::get("/").auth(AuthPolicy::None).uiPage().handle(
        [this](Request&, Response& resp) { indexPage(resp); }));
    for (const auto& name : _host.pluginOrder)
    {
        PluginRuntime* p = _host.plugin(name);
        if (!p || !p->servesHttp())
            continue;
        addOwnRoutes(p);
        if (p->listen().empty())
            registerGauge(p);
    }
}

Poco::Net::HTTPRequestHandler* Dispatcher::createRequestHandler(const Poco::Net::HTTPServerRequest& request)
{
    // Poco sends "100 Continue" right after this returns unless the status is no longer 200: defer it until
    // the pipeline has accepted the request (§0.7).
    if (request.getExpectContinue())
        request.response().setStatus(Poco::Net::HTTPResponse::HTTP_CONTINUE);
    return new DispatchHandler(*this);
}

std::string Dispatcher::requestId(const std::string& incoming)
{
    if (!incoming.empty() && incoming.size() <= 64)
    {
        bool ok = true;
        for (char c : incoming)
            ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-');
        if (ok)
            return incoming;
    }
    thread_local std::mt19937_64 rng(std::random_device{}());
    static const char* hex = "0123456789abcdef";
    std::string id(16, '0');
    std::uint64_t v = rng();
    for (int i = 0; i < 16; ++i)
        id[static_cast<std::size_t>(i)] = hex[(v >> (i * 4)) & 0xF];
    return id;
}

void Dispatcher::handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response)
{
    auto started = std::chrono::steady_clock::now();
    _host.inflight++;
    response.setStatus(Poco::Net::HTTPResponse::HTTP_OK);
    std::string rid = requestId(request.get("X-Request-Id", ""));
    response.set("X-Request-Id", rid);
    response.set("X-Content-Type-Options", "nosniff");

    std::string absoluteForm; // the path of a request target in absolute form (`http://host/path`)
    if (!request.getURI().empty() && request.getURI()[0] != '/')
    {
        try
        {
            Poco::URI u(request.getURI());
            absoluteForm = u.getPathEtc();
        }
        catch (...)
        {
            absoluteForm = "/";
        }
    }
    const std::string& uri = absoluteForm.empty() ? request.getURI() : absoluteForm;
    auto q = uri.find('?');
    std::string path = uri.substr(0, q);
    std::string query = q == std::string::npos ? "" : uri.substr(q + 1);
    std::string peer = request.clientAddress().host().toString();
    std::string ip = _host.settings.proxies.clientIp(peer, request.get("X-Forwarded-For", ""),
                                                     request.get("X-Real-IP", ""));
    RequestImpl req(request, path, query, ip, rid);
    ResponseImpl resp(response, req);
    if (_crowded && _crowded())
        resp.closeAfter();
    PluginRuntime* served = _plugin;
    std::string routeLabel = "other";
    try
    {
        pipeline(req, resp, served, routeLabel);
        if (!resp.sent())
            internalError(req, resp, "handler sent no response");
    }
    catch (const HttpError& e)
    {
        sendError(req, resp, e);
    }
    catch (const StorageError& e)
    {
        sendError(req, resp, toHttpError(e));
    }
    catch (const Poco::Exception& e)
    {
        internalError(req, resp, e.displayText());
    }
    catch (const std::exception& e)
    {
        internalError(req, resp, e.what());
    }
    catch (...)
    {
        internalError(req, resp, "unknown exception");
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    static const std::string hostName = "host";
    const std::string& pluginName = served ? served->pluginName() : hostName;
    try
    {
        record(pluginName, routeLabel, request.getMethod(), resp.status(), secs, !resp.detached());
        if (_host.settings.accessLog)
            _log.information(ip + " \"" + request.getMethod() + " " + path + "\" " + std::to_string(resp.status()) +
                             " " + std::to_string(resp.bytes()) + " " +
                             std::to_string(static_cast<long long>(secs * 1000)) + "ms rid=" + rid);
    }
    catch (...)
    {
        _log.error("request " + rid + ": cannot record metrics or the access log: " + currentExceptionText());
    }
    _host.inflight--;
}

void Dispatcher::pipeline(RequestImpl& req, ResponseImpl& resp, PluginRuntime*& served, std::string& routeLabel)
{
    checkFraming(req.raw());
    if (_host.stopping)
        throw HttpError(503, "Shutting down").closeConnection();
    if (_plugin)
    {
        serveRoute(*_plugin, req, resp, routeLabel);
        return;
    }
    // Combined listener: the host's own routes, then /<plugin>/ prefixes.
    const std::string& path = req.path();
    auto own = _ownRoutes.at(nullptr).find(req.method(), path);
    if (own.pathKnown)
    {
        serve(nullptr, own, req, resp, routeLabel);
        return;
    }
    for (const auto& name : _host.pluginOrder)
    {
        PluginRuntime* p = _host.plugin(name);
        if (!p || !p->servesHttp())
            continue;
        // `/<name>` and `/<name>/...`, compared without building the prefix
        if (path.size() <= name.size() || path[0] != '/' || path.compare(1, name.size(), name) != 0)
            continue;
        if (path.size() == name.size() + 1)
        {
            served = p;
            std::string loc = "/" + name + "/";
            std::string rawQuery = req.raw().getURI();
            auto qp = rawQuery.find('?');
            if (qp != std::string::npos)
                loc += rawQuery.substr(qp);
            resp.setHeader("Location", loc);
            resp.json(308, "{}");
            return;
        }
        if (path[name.size() + 1] == '/')
        {
            served = p;
            const std::string& uri = req.raw().getURI();
            auto qp = uri.find('?');
            RequestImpl sub(req.raw(), path.substr(name.size() + 1), qp == std::string::npos ? "" : uri.substr(qp + 1),
                            req.clientIp(), req.requestId());
            resp.bindRequest(sub);
            try
            {
                serveRoute(*p, sub, resp, routeLabel);
            }
            catch (...)
            {
                resp.bindRequest(req);
                throw;
            }
            resp.bindRequest(req);
            return;
        }
    }
    throw HttpError(404, "Not found");
}

void Dispatcher::serveRoute(PluginRuntime& p, RequestImpl& req, ResponseImpl& resp, std::string& routeLabel)
{
    struct Inflight
    {
        std::atomic<int>& n;
        explicit Inflight(std::atomic<int>& c) : n(c) { ++n; }
        ~Inflight() { --n; }
    } inflight(p.inflight);
    auto match = _ownRoutes.at(&p).find(req.method(), req.path());
    if (!match.pathKnown)
        match = p.routes().find(req.method(), req.path());
    serve(&p, match, req, resp, routeLabel);
}

void Dispatcher::serve(PluginRuntime* p, RouteTable::Match& match, RequestImpl& req, ResponseImpl& resp,
                       std::string& routeLabel)
{
    static const std::string hostName = "host";
    const std::string& method = req.method();
    const std::string& name = p ? p->pluginName() : hostName;
    // Step 4: CORS of the route (or of its CORS area).
    if (const CorsPolicy* cors = match.cors)
    {
        std::string origin = req.header("Origin", "");
        if (method == "OPTIONS")
        {
            routeLabel = "preflight";
            if (_host.settings.ipRateLimit > 0)
                rateLimit(name, "ip", "ip", req.clientIp(), _host.settings.ipRateLimit);
            if (!origin.empty() && !cors->allows(origin))
                throw HttpError(403, "Origin not allowed").header("Vary", "Origin");
            if (origin.empty())
            {
                std::string allow = match.allow();
                if (allow.find("OPTIONS") == std::string::npos)
                    allow += ", OPTIONS";
                resp.setHeader("Allow", allow);
            }
            else
                for (const auto& h :
                     cors->preflightHeaders(origin, req.header("Access-Control-Request-Method", ""),
                                            req.header("Access-Control-Request-Headers", "")))
                    resp.setHeader(h.first, h.second);
            resp.send(204, "", "");
            return;
        }
        if (!origin.empty())
        {
            if (!cors->allows(origin))
                throw HttpError(403, "Origin not allowed").header("Vary", "Origin");
            for (const auto& h : cors->responseHeaders(origin))
                resp.setHeader(h.first, h.second);
        }
    }
    // Step 5: route lookup.
    if (!match.pathKnown)
        throw HttpError(404, "Not found");
    if (!match.route)
    {
        // Step 4 answers OPTIONS on every CORS path, so its Allow says so.
        std::string allow = match.allow();
        if (match.cors && allow.find("OPTIONS") == std::string::npos)
            allow += ", OPTIONS";
        throw HttpError(405, "Method not allowed").header("Allow", allow);
    }
    const Route& route = *match.route;
    routeLabel = route.pattern();
    req.setParams(std::move(match.params));
    if (route.isUiPage())
    {
        resp.setHeader("Content-Security-Policy",
                       "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src "
                       "'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'");
        resp.setHeader("Referrer-Policy", "no-referrer");
        resp.setHeader("X-Frame-Options", "DENY");
    }
    // Steps 6–9: authentication by policy, then the route's limiters (its own limits, else the defaults).
    auto limitOf = [&](Limiter l) {
        return route.limitOf(l).value_or(l == Limiter::Ip ? _host.settings.ipRateLimit : p ? p->rateLimit(l) : 0);
    };
    AuthService* auth = _host.auth();
    switch (*route.authPolicy())
    {
    case AuthPolicy::None:
        rateLimit(name, "ip", "ip", req.clientIp(), limitOf(Limiter::Ip));
        break;
    case AuthPolicy::ApiKey:
    case AuthPolicy::AdminKey:
    {
        authGuard(name, req.clientIp());
        static const std::string apiKeyHeader = "X-API-Key";
        static const std::string none;
        const std::string& sent = req.raw().get(apiKeyHeader, none);
        std::optional<std::string> fromQuery;
        if (!req.hasHeader(apiKeyHeader) && route.acceptsQueryKey())
            fromQuery = req.query().getRaw("api_key").value_or("");
        const std::string& presented = fromQuery ? *fromQuery : sent;
        const bool admin = *route.authPolicy() == AuthPolicy::AdminKey;
        auto principal = auth->verify(admin ? name + ":admin" : name, presented);
        if (!principal)
        {
            authFailed(name, "api_key", req.clientIp(), true);
            throw HttpError(401, "Invalid API key");
        }
        req.setPrincipal(*principal);
        Limiter l = admin ? Limiter::Admin : Limiter::Key;
        // Reads (GET/HEAD: the web UIs, dashboards) and writes (POST/DELETE: ingest, admin changes) of one key
        // are counted in separate windows of the same size, so a UI browsing never starves the application
        // reporting with the same key, and a burst of reports never locks the UI out.
        const bool read = method == "GET" || method == "HEAD";
        if (const std::int64_t perMinute = limitOf(l); perMinute > 0)
            rateLimit(name, limiterLabel(l), name + ":" + limiterLabel(l) + (read ? ":read" : ""), *principal,
                      perMinute);
        break;
    }
    case AuthPolicy::Sentry: // SENTRY auth and its (DSN key, IP) limits are the handler's (§11.2)
        break;
    case AuthPolicy::Dsn:
    {
        std::string presented = req.header("X-Monlight-Key", "");
        if (!req.hasHeader("X-Monlight-Key") && route.acceptsQueryKey())
            presented = req.query().getRaw("key").value_or(req.query().getRaw("dsn").value_or(""));
        auto identity = presented.empty() ? std::nullopt : auth->resolveDsn(presented);
        if (!identity)
        {
            authFailed(name, "dsn", req.clientIp(), false);
            throw HttpError(401, "Invalid DSN key");
        }
        req.setPrincipal(presented);
        req.setDsn(*identity);
        if (const std::int64_t perMinute = limitOf(Limiter::DsnIp); perMinute > 0)
            rateLimit(name, "dsn_ip", name + ":dsn_ip", presented + "|" + req.clientIp(), perMinute);
        if (const std::int64_t perMinute = limitOf(Limiter::Dsn); perMinute > 0)
            rateLimit(name, "dsn", name + ":dsn", presented, perMinute);
        break;
    }
    }
    // Step 10: body cap, checked on Content-Length before anything is read.
    std::size_t cap = route.maxBody() ? route.maxBody() : p ? p->bodyCap() : 0;
    req.setBodyCap(cap);
    if (method != "GET" && method != "HEAD" && method != "DELETE" && req.contentLength().value_or(0) > cap)
        throw HttpError(413, "Request body exceeds maximum size").closeConnection();
    if (req.raw().getExpectContinue() && method != "GET" && method != "HEAD")
        resp.sendContinueIfNeeded();
    // Step 11.
    route.handler()(req, resp);
}

void Dispatcher::health(PluginRuntime& p, Response& resp)
{
    Json::Writer fields;
    fields.beginObject();
    std::string detail;
    bool ok = p.healthy(fields, detail);
    if (ok && p.listenerStarved && p.listenerStarved())
    {
        ok = false;
        detail = "listener starved";
    }
    Json::Writer w;
    w.beginObject().field("status", ok ? "ok" : "error").field("service", p.pluginName());
    w.field("version", MONLIGHT_VERSION).members(fields);
    if (!ok)
        w.field("detail", detail);
    w.endObject();
    resp.json(ok ? 200 : 503, w.str());
}

void Dispatcher::combinedHealth(Response& resp)
{
    bool failed = false;  // a plugin itself is unhealthy
    bool starved = false; // a listener is starved (reported when nothing else is wrong)
    Json::Writer plugins;
    plugins.beginObject();
    for (const auto& name : _host.pluginOrder)
    {
        PluginRuntime* p = _host.plugin(name);
        if (!p || !p->servesHttp())
            continue;
        bool ok = p->healthy();
        failed = failed || !ok;
        if (ok && p->listenerStarved && p->listenerStarved())
        {
            ok = false;
            starved = true;
        }
        plugins.field(name, ok ? "ok" : "error");
    }
    plugins.endObject();
    if (_host.combinedStarved && _host.combinedStarved())
        starved = true;
    bool all = !failed && !starved;
    Json::Writer w;
    w.beginObject().field("status", all ? "ok" : "error").field("service", "monlight-host").field("version",
                                                                                               MONLIGHT_VERSION);
    w.key("plugins").raw(plugins.str());
    if (!all)
        w.field("detail", failed ? "plugin unhealthy" : "listener starved");
    w.endObject();
    resp.json(all ? 200 : 503, w.str());
}

void Dispatcher::metrics(PluginRuntime* p, Request& req, Response& resp)
{
    const std::string& mode = _host.settings.selfMetrics;
    if (mode == "off")
        throw HttpError(404, "Not found");
    std::string pluginName = p ? p->pluginName() : "host";
    if (mode == "key")
    {
        authGuard(pluginName, req.clientIp());
        std::string presented = req.header("X-API-Key", "");
        if (!req.hasHeader("X-API-Key"))
        {
            std::string authz = req.header("Authorization", "");
            if (authz.size() > 7 && Poco::icompare(authz.substr(0, 7), "Bearer ") == 0)
                presented = Poco::trim(authz.substr(7));
        }
        AuthService* auth = _host.auth();
        bool ok = auth->verify("host:metrics", presented).has_value();
        if (p)
            ok = ok || auth->verify(p->pluginName(), presented) || auth->verify(p->pluginName() + ":admin", presented);
        else
            for (const auto& rt : _host.plugins)
                ok = ok || auth->verify(rt->pluginName(), presented) ||
                     auth->verify(rt->pluginName() + ":admin", presented);
        if (!ok)
        {
            authFailed(pluginName, "api_key", req.clientIp(), true);
            throw HttpError(401, "Invalid API key");
        }
    }
    resp.send(200, "text/plain; version=0.0.4; charset=utf-8", _host.metrics.render(p ? p->pluginName() : ""));
}

void Dispatcher::indexPage(Response& resp)
{
    // The combined listener's start page: one card per tool (its link, what it is for, its health in words). The
    // same dark look as the UIs, styled inline (no asset of its own); the UIs' top bar links back here.
    static const std::map<std::string, std::pair<std::string, std::string>> tools{
        {"error-tracker", {"Errors", "Exceptions grouped by fingerprint, with stack traces and the logs around them."}},
        {"log-viewer", {"Logs", "Container logs: search, filter by level and container, live tail."}},
        {"metrics-collector", {"Metrics", "Counters, gauges and histograms over time; the Web Vitals of your pages."}},
        {"browser-relay", {"Browser relay", "Browser SDK keys: errors and vitals from web pages."}}};
    std::string html =
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Monlight</title><style>"
        "body{margin:0;background:#0f1115;color:#d7dae0;font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,"
        "Consolas,\"DejaVu Sans Mono\",monospace}header{padding:10px 16px;background:#171a21;"
        "border-bottom:1px solid #2a2f3a;font-weight:bold}header span{color:#8a91a0;font-weight:normal}"
        "main{max-width:1000px;margin:0 auto;padding:24px 16px}h1{font-size:18px;margin:0 0 16px}"
        "ul.plugins{list-style:none;margin:0;padding:0;display:grid;"
        "grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:12px}li.plugin{background:#171a21;"
        "border:1px solid #2a2f3a;border-radius:6px;padding:14px}li.plugin a{color:#5aa9ff;font-size:15px;"
        "text-decoration:none}li.plugin a:hover,li.plugin a:focus-visible{text-decoration:underline}"
        "a:focus-visible{outline:2px solid #5aa9ff}li.plugin p{color:#8a91a0;margin:6px 0 8px}.name{color:#8a91a0}"
        ".health{display:inline-block;padding:1px 6px;border-radius:3px;border:1px solid;font-size:11px}"
        ".ok{color:#3fb950}.error{color:#f85149}</style></head>"
        "<body class=\"index\"><header>Monlight <span>monitoring</span></header><main><h1>Tools</h1>"
        "<ul class=\"plugins\">";
    for (const auto& name : _host.pluginOrder)
    {
        PluginRuntime* p = _host.plugin(name);
        if (!p || !p->servesHttp())
            continue;
        bool ok = p->healthy();
        auto t = tools.find(name);
        std::string title = t != tools.end() ? t->second.first : name;
        std::string about = t != tools.end() ? t->second.second : "";
        html += "<li class=\"plugin\"><a href=\"" + name + "/\">" + title + "</a> <span class=\"name\">" + name +
                "</span>" + (about.empty() ? "" : "<p>" + about + "</p>") + "<div>Health: <span class=\"health " +
                (ok ? "ok\">ok" : "error\">error") + "</span></div></li>";
    }
    html += "</ul></main></body></html>";
    resp.setHeader("Cache-Control", "no-cache");
    resp.send(200, "text/html; charset=utf-8", html);
}

void Dispatcher::rateLimit(const std::string& plugin, const std::string& limiterLabel, const std::string& limiter,
                           const std::string& principal, std::int64_t limit)
{
    if (limit <= 0)
        return;
    auto d = _host.limits()->hit(limiter, principal, limit);
    if (d.allowed)
        return;
    _host.metrics
        .counter(plugin, "monlight_rate_limited_total", "429 answers", {{"plugin", plugin}, {"limiter", limiterLabel}})
        .inc();
    throw HttpError(429, "Rate limit exceeded").retryAfter(d.retryAfter);
}

void Dispatcher::authGuard(const std::string& plugin, const std::string& ip)
{
    auto d = _host.limits()->authGuard(ip, _host.settings.authFailureLimit);
    if (d.allowed)
        return;
    _host.metrics
        .counter(plugin, "monlight_rate_limited_total", "429 answers", {{"plugin", plugin}, {"limiter", "auth_guard"}})
        .inc();
    throw HttpError(429, "Too many failed authentication attempts").retryAfter(d.retryAfter);
}

void Dispatcher::authFailed(const std::string& plugin, const std::string& kind, const std::string& ip, bool counts)
{
    if (counts)
        _host.limits()->recordAuthFailure(ip);
    _host.metrics.counter(plugin, "monlight_auth_failures_total", "401 answers", {{"plugin", plugin}, {"kind", kind}})
        .inc();
}

void Dispatcher::sendError(RequestImpl& req, ResponseImpl& resp, const HttpError& e)
{
    if (resp.sent())
    {
        _log.warning("error after the response was sent (rid=" + req.requestId() + "): " + e.detail());
        return;
    }
    for (const auto& h : e.headers())
        resp.setHeader(h.first, h.second);
    if (e.closesConnection())
    {
        resp.closeAfter();
        resp.setHeader("Connection", "close");
    }
    resp.json(e.status(), e.body());
}

void Dispatcher::internalError(RequestImpl& req, ResponseImpl& resp, const std::string& what)
{
    _log.error("request " + req.requestId() + " " + req.method() + " " + req.path() + " failed: " + what);
    if (resp.sent())
        return;
    std::string extra = ",\"reference\":";
    Json::appendQuoted(extra, req.requestId());
    try
    {
        resp.json(500, HttpError::detailBody("Internal server error", extra));
    }
    catch (...)
    {
        _log.warning("request " + req.requestId() + ": cannot send the 500 answer: " + currentExceptionText());
    }
}

void Dispatcher::record(const std::string& plugin, const std::string& route, const std::string& method, int status,
                        double seconds, bool timed)
{
    Counter* counter;
    Histogram* histogram = nullptr;
    {
        // The series keys are made in buffers of this thread that keep their capacity: no allocation once the
        // series exist.
        thread_local std::string key;
        thread_local std::string hkey;
        const std::string methodValue = methodLabel(method);
        key.assign(plugin).append(1, '\x1f').append(route).append(1, '\x1f').append(methodValue).append(1, '\x1f');
        char digits[12];
        int n = std::snprintf(digits, sizeof digits, "%d", status);
        key.append(digits, static_cast<std::size_t>(std::max(n, 0)));
        std::lock_guard<std::mutex> lock(_metricsMutex);
        auto it = _counters.find(key);
        if (it == _counters.end())
            it = _counters
                     .emplace(key, &_host.metrics.counter(plugin == "host" ? "" : plugin, "monlight_http_requests_total",
                                                          "Requests answered",
                                                          {{"plugin", plugin},
                                                           {"route", route},
                                                           {"method", methodValue},
                                                           {"status", std::to_string(status)}}))
                     .first;
        counter = it->second;
        if (timed)
        {
            hkey.assign(plugin).append(1, '\x1f').append(route);
            auto hit = _histograms.find(hkey);
            if (hit == _histograms.end())
                hit = _histograms
                          .emplace(hkey, &_host.metrics.histogram(plugin == "host" ? "" : plugin,
                                                                  "monlight_http_request_duration_seconds",
                                                                  "Handler time until the response is complete",
                                                                  {{"plugin", plugin}, {"route", route}}, kBuckets))
                          .first;
            histogram = hit->second;
        }
    }
    counter->inc();
    if (histogram)
        histogram->observe(seconds);
}

} // namespace Host
} // namespace Monlight
