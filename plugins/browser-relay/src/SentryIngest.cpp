#include "SentryIngest.h"

#include "ContentDecoder.h"
#include "SentryEnvelope.h"
#include "SentryEvent.h"
#include <Monlight/HttpError.h>
#include <Monlight/Json.h>
#include <Monlight/Time.h>
#include <Poco/JSON/Array.h>
#include <Poco/NumberParser.h>
#include <Poco/String.h>
#include <Poco/URI.h>
#include <algorithm>
#include <cctype>
#include <tuple>

namespace Monlight
{
namespace BrowserRelay
{

namespace
{

constexpr std::size_t MAX_ITEM = 1024 * 1024; // §11.3: a larger item is skipped
const char* const EXPOSE = "X-Sentry-Rate-Limits, Retry-After, X-Sentry-Error, X-Request-Id";

HttpError invalidKey()
{
    return HttpError(403, "Invalid DSN key").header("X-Sentry-Rate-Limits", "3600::key:disabled");
}

HttpError rateLimited(int seconds)
{
    if (seconds < 1)
        seconds = 1;
    return HttpError(429, "Rate limit exceeded")
        .header("Retry-After", std::to_string(seconds))
        .header("X-Sentry-Rate-Limits", std::to_string(seconds) + "::key:monlight");
}

int retryAfterOf(const IngestReply& reply)
{
    for (const auto& [k, v] : reply.headers)
    {
        int seconds = 0;
        // An unreadable Retry-After from the target falls back to a minute, the Sentry SDKs' own default.
        if (Poco::icompare(k, "Retry-After") == 0 && Poco::NumberParser::tryParse(Poco::trim(v), seconds) && seconds >= 0)
            return seconds;
    }
    return 60;
}

} // namespace

struct SentryIngest::Outcome
{
    int status = 200; ///< 429 or 503 when a target refused
    int retryAfter = 0;
    std::string eventId;
};

SentryIngest::SentryIngest(const RelaySettings& settings, DsnKeyCache& keys, SourceMapCache& maps,
                           ForwardTarget& errors, ForwardTarget& metrics, ServiceRegistry& services,
                           MetricsRegistry& registry, std::shared_ptr<CorsPolicy> cors)
    : _settings(settings), _keys(keys), _maps(maps), _errors(errors), _metrics(metrics), _services(services),
      _registry(registry), _cors(std::move(cors)), _vitals(settings.normalizePageIds)
{
}

void SentryIngest::addRoutes(Router& router)
{
    for (const char* kind : {"envelope", "store"})
    {
        const bool store = kind[0] == 's';
        const std::string path = std::string("/api/{n}/") + kind;
        auto handler = [this, store](Request& req, Response& res) { handle(req, res, store); };
        router.add(Route::post(path).auth(AuthPolicy::Sentry).bodyCap(_settings.sentryMaxBody).handle(handler));
        router.add(Route::options(path).auth(AuthPolicy::Sentry).handle(handler));
    }
}

std::string SentryIngest::keyFromAuthHeader(const std::string& header)
{
    // `Sentry sentry_key=<key>, sentry_version=7, ...` (the `Sentry ` scheme is optional in practice)
    const std::string name = "sentry_key=";
    std::size_t pos = 0;
    while ((pos = header.find(name, pos)) != std::string::npos)
    {
        if (pos == 0 || header[pos - 1] == ' ' || header[pos - 1] == ',')
        {
            std::size_t start = pos + name.size(), end = start;
            while (end < header.size() && header[end] != ',' && header[end] != ' ')
                ++end;
            return header.substr(start, end - start);
        }
        pos += name.size();
    }
    return "";
}

std::string SentryIngest::keyFromDsn(const std::string& dsn)
{
    const std::size_t scheme = dsn.find("://");
    if (scheme == std::string::npos)
        return "";
    const std::size_t at = dsn.find('@', scheme + 3);
    const std::size_t slash = dsn.find('/', scheme + 3);
    if (at == std::string::npos || (slash != std::string::npos && slash < at))
        return "";
    std::string user = dsn.substr(scheme + 3, at - scheme - 3);
    const std::size_t colon = user.find(':');
    return colon == std::string::npos ? user : user.substr(0, colon);
}

std::string SentryIngest::dsn(Request& req, const std::string& publicUrl, const std::string& key, std::int64_t number)
{
    std::string scheme, hostPort, prefix;
    if (!publicUrl.empty())
    {
        Poco::URI u(publicUrl);
        scheme = u.getScheme();
        hostPort = u.getAuthority(); // the port only when not the scheme's default
        prefix = u.getPath();
    }
    else
    {
        scheme = req.raw().secure() ? "https" : "http";
        // A forwarded scheme counts only when the client address came from a trusted proxy (§0.7).
        const std::string proto = req.header("X-Forwarded-Proto", "");
        if ((proto == "https" || proto == "http") && req.clientIp() != req.raw().clientAddress().host().toString())
            scheme = proto;
        hostPort = req.header("Host", "localhost");
        // The combined listener's `/<plugin>` prefix: what the raw path has before path().
        std::string raw = req.raw().getURI();
        raw = raw.substr(0, raw.find('?'));
        const std::string& path = req.path();
        if (raw.size() > path.size() && raw.compare(raw.size() - path.size(), path.size(), path) == 0)
            prefix = raw.substr(0, raw.size() - path.size());
        else if (raw.size() > path.size() + 1 && raw.back() == '/' &&
                 raw.compare(raw.size() - 1 - path.size(), path.size(), path) == 0)
            prefix = raw.substr(0, raw.size() - 1 - path.size());
    }
    while (!prefix.empty() && prefix.back() == '/')
        prefix.pop_back();
    return scheme + "://" + key + "@" + hostPort + prefix + "/" + std::to_string(number);
}

void SentryIngest::count(const std::string& type, const char* outcome, std::uint64_t n)
{
    // Item types are bounded to the known ones, so a client cannot grow the label set.
    static const char* const known[] = {"event", "transaction", "span", "log", "trace_metric", "client_report",
                                        "session", "sessions", "check_in", "attachment", "profile",
                                        "profile_chunk", "replay_event", "replay_recording", "replay_video",
                                        "feedback", "user_report", "statsd", "metric_buckets", "otel_log",
                                        "otel_span", "raw_security", "security"};
    std::string t = "other";
    for (const char* k : known)
        if (type == k)
            t = type;
    _registry
        .counter("browser-relay", "monlight_sentry_items_total", "Sentry envelope items by outcome",
                 {{"plugin", "browser-relay"}, {"type", t}, {"outcome", outcome}})
        .inc(n);
}

void SentryIngest::handle(Request& req, Response& res, bool store)
{
    const std::string origin = req.header("Origin", "");
    if (!origin.empty())
    {
        if (!_cors || !_cors->allows(origin))
            throw HttpError(403, "Origin not allowed").header("Vary", "Origin");
        for (const auto& h : _cors->responseHeaders(origin))
            res.setHeader(h.first, h.second);
        res.setHeader("Access-Control-Expose-Headers", EXPOSE);
    }
    if (req.method() == "OPTIONS")
    {
        if (origin.empty())
            res.setHeader("Allow", "POST, OPTIONS");
        else
        {
            for (const auto& h : _cors->preflightHeaders(origin, req.header("Access-Control-Request-Method", ""),
                                                         req.header("Access-Control-Request-Headers", "")))
                res.setHeader(h.first, h.second);
            const std::string asked = req.header("Access-Control-Request-Headers", "");
            if (!asked.empty())
                res.setHeader("Access-Control-Allow-Headers", asked);
            res.setHeader("Access-Control-Allow-Methods", "POST, OPTIONS");
            res.setHeader("Access-Control-Max-Age", "86400");
        }
        res.send(204, "", "");
        return;
    }
    const auto number = parseId(req.pathParam("n"));
    if (!number)
        throw HttpError(404, "Not found");

    std::string key = req.query().get("sentry_key").value_or("");
    if (key.empty())
        key = keyFromAuthHeader(req.header("X-Sentry-Auth", ""));
    if (key.empty())
        key = keyFromAuthHeader(req.header("Authorization", ""));

    std::string project;
    auto authorize = [&](const std::string& k)
    {
        const auto id = k.empty() ? std::nullopt : _keys.resolve(k, Time::nowMs());
        if (!id || id->id != *number)
        {
            _registry
                .counter("browser-relay", "monlight_auth_failures_total", "401 answers",
                         {{"plugin", "browser-relay"}, {"kind", "dsn"}})
                .inc();
            throw invalidKey();
        }
        project = id->project;
        if (const auto limits = _services.get<RateLimitService>("ratelimit"))
        {
            for (const auto& [limiter, principal, limit] :
                 {std::make_tuple(std::string("browser-relay:dsn_ip"), k + "|" + req.clientIp(), _settings.rateLimit),
                  std::make_tuple(std::string("browser-relay:dsn"), k, _settings.dsnRateLimit)})
            {
                if (limit <= 0)
                    continue;
                const auto d = limits->hit(limiter, principal, limit);
                if (!d.allowed)
                {
                    _registry
                        .counter("browser-relay", "monlight_rate_limited_total", "429 answers",
                                 {{"plugin", "browser-relay"}, {"limiter", limiter.substr(14)}})
                        .inc();
                    throw rateLimited(d.retryAfter);
                }
            }
        }
    };
    if (!key.empty())
        authorize(key);

    std::string text;
    try
    {
        text = ContentDecoder::decode(req.body(), req.header("Content-Encoding", ""), _settings.sentryMaxDecompressed);
    }
    catch (const HttpError& e)
    {
        if (e.status() == 413)
            throw HttpError(413, "Request body too large").closeConnection();
        throw;
    }

    Outcome out;
    if (store)
    {
        if (key.empty())
            throw invalidKey();
        process(req, res, true, project, out, text);
    }
    else
    {
        // The envelope is parsed before any item is routed: a framing error stores nothing.
        if (key.empty())
        {
            const auto nl = text.find('\n');
            Poco::JSON::Object::Ptr header;
            try
            {
                header = Json::parseObject(std::string_view(text).substr(0, nl == std::string::npos ? text.size() : nl));
            }
            catch (const HttpError&)
            {
                throw HttpError(400, "Invalid envelope: envelope header is not valid JSON");
            }
            key = keyFromDsn(Json::getString(*header, "dsn").value_or(""));
            authorize(key);
        }
        process(req, res, false, project, out, text);
    }
    if (out.status == 429)
        throw rateLimited(out.retryAfter);
    if (out.status == 503)
        throw HttpError(503, "Service unavailable").header("Retry-After", "10");
    Json::Writer w;
    w.beginObject();
    if (!out.eventId.empty())
        w.field("id", out.eventId);
    w.endObject();
    res.json(200, w.str());
}

void SentryIngest::process(Request& req, Response&, bool store, const std::string& project, Outcome& out,
                           const std::string& text)
{
    auto forwardTo = [&](ForwardTarget& target, const std::string& payload, const std::string& type) -> bool
    {
        IngestReply reply;
        try
        {
            reply = target.forward(payload, req.requestId(), true);
        }
        catch (const HttpError&)
        {
            count(type, "dropped");
            out.status = 503;
            return false;
        }
        if (reply.status == 429)
        {
            count(type, "rate_limited");
            out.status = 429;
            out.retryAfter = retryAfterOf(reply);
            return false;
        }
        if (reply.status >= 500)
        {
            count(type, "dropped");
            out.status = 503;
            return false;
        }
        count(type, reply.status >= 400 ? "invalid" : "accepted");
        return true;
    };
    const std::string proj = project;
    SentryEvent::MapLookup maps = [this, proj](const std::string& release, const std::string& file)
    { return _maps.find(proj, release, file, Time::nowMs()); };

    auto routeEvent = [&](std::string_view payload, const std::string& type) -> bool
    {
        std::optional<Json::Document> doc;
        try
        {
            doc.emplace(payload);
            if (!doc->root().isObject())
                throw HttpError(400, "Request body must be a JSON object");
        }
        catch (const HttpError&)
        {
            if (store)
                throw;
            count(type, "invalid");
            return true;
        }
        const Json::Document::Value event = doc->root();
        if (out.eventId.empty())
            out.eventId = SentryEvent::normalizeEventId(event["event_id"].string());
        const std::string et = SentryEvent::errorPayload(event, project, _settings.defaultEnvironment, maps);
        return forwardTo(_errors, et, type);
    };

    if (store)
    {
        routeEvent(text, "event");
        return;
    }

    const SentryEnvelope env = SentryEnvelope::parse(text);
    out.eventId = SentryEvent::normalizeEventId(env.eventId);
    for (const auto& item : env.items)
    {
        const std::string& type = item.type;
        if (item.payload.size() > MAX_ITEM)
        {
            count(type, "too_large");
            continue;
        }
        if (type == "event")
        {
            if (!routeEvent(item.payload, type))
                return;
        }
        else if (type == "log" || type == "trace_metric" || type == "client_report" || type == "transaction" ||
                 type == "span")
        {
            Poco::JSON::Object::Ptr container;
            try
            {
                container = Json::parseObject(item.payload);
            }
            catch (const HttpError&)
            {
                count(type, "invalid");
                continue;
            }
            if (type == "log")
            {
                std::size_t n = 0;
                const std::string body = SentryEvent::logsPayload(*container, project, n);
                const auto logs = _services.get<JsonIngestService>("log-viewer.logs");
                if (!logs || n == 0)
                {
                    count(type, n == 0 ? "invalid" : "dropped");
                    continue;
                }
                const IngestReply reply = IngestReply::answer([&] { return logs->ingest(body); });
                if (reply.status == 429)
                {
                    count(type, "rate_limited");
                    out.status = 429;
                    out.retryAfter = retryAfterOf(reply);
                    return;
                }
                if (reply.status >= 500)
                {
                    count(type, "dropped");
                    out.status = 503;
                    return;
                }
                count(type, reply.status >= 400 ? "invalid" : "accepted");
            }
            else if (type == "transaction" || type == "span")
            {
                std::size_t n = 0;
                const std::string body = _vitals.metrics(type, *container, project, n);
                if (n == 0)
                {
                    count(type, "dropped"); // performance data other than Web Vitals is not stored
                    continue;
                }
                if (!forwardTo(_metrics, body, type))
                    return;
            }
            else if (type == "trace_metric")
            {
                std::size_t n = 0, invalid = 0;
                const std::string body = SentryEvent::metricsPayload(*container, project, n, invalid);
                if (n == 0)
                {
                    count(type, "invalid");
                    continue;
                }
                if (!forwardTo(_metrics, body, type))
                    return;
            }
            else
            {
                if (const auto discarded = Json::getArray(*container, "discarded_events"))
                    for (std::size_t i = 0; i < discarded->size(); ++i)
                    {
                        const auto d = discarded->getObject(static_cast<unsigned>(i));
                        if (!d)
                            continue;
                        const auto q = Json::getNumber(*d, "quantity");
                        const std::string reason = Json::truncateChars(Json::getString(*d, "reason").value_or(""), 64);
                        const std::string category =
                            Json::truncateChars(Json::getString(*d, "category").value_or(""), 64);
                        if (!q || *q <= 0 || reason.empty())
                            continue;
                        _registry
                            .counter("browser-relay", "monlight_sentry_client_discarded_total",
                                     "Items Sentry SDKs report they discarded",
                                     {{"plugin", "browser-relay"}, {"reason", reason}, {"category", category}})
                            .inc(static_cast<std::uint64_t>(*q));
                    }
                count(type, "counted");
            }
        }
        else if (type == "session" || type == "sessions" || type == "check_in")
            count(type, "counted");
        else
            count(type, "dropped");
    }
}

} // namespace BrowserRelay
} // namespace Monlight
