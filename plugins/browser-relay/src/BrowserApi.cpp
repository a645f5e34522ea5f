#include "BrowserApi.h"

#include "BrowserErrorPayload.h"
#include "BrowserMetricsPayload.h"
#include <Monlight/HttpError.h>
#include <Monlight/Json.h>
#include <Monlight/Time.h>

namespace Monlight
{
namespace BrowserRelay
{

namespace
{

const std::string& projectOf(Request& req)
{
    const auto& dsn = req.dsn();
    if (!dsn)
        throw HttpError(401, "Invalid DSN key");
    return dsn->project;
}

/// A JSON object body, if `body` is one.
Poco::JSON::Object::Ptr objectOrNull(const std::string& body)
{
    try
    {
        const Poco::Dynamic::Var v = Json::parse(body);
        if (v.type() == typeid(Poco::JSON::Object::Ptr))
            return v.extract<Poco::JSON::Object::Ptr>();
    }
    catch (const Poco::Exception&)
    {
    }
    return nullptr;
}

} // namespace

BrowserApi::BrowserApi(const RelaySettings& settings, SourceMapCache& maps, ForwardTarget& errors,
                       ForwardTarget& metrics)
    : _settings(settings), _maps(maps), _errors(errors), _metrics(metrics)
{
}

void BrowserApi::addRoutes(Router& router, const std::shared_ptr<CorsPolicy>& cors)
{
    // Every browser route: POST with a DSN key (also `?key=`, for sendBeacon), counted per (key, IP) on
    // `rate_limit` and per key on `dsn_rate_limit`; CORS on everything below /api/browser/, whose OPTIONS the host
    // answers.
    auto browserRoute = [&](std::string path) {
        return Route::post(std::move(path))
            .auth(AuthPolicy::Dsn)
            .queryKey()
            .limit(Limiter::DsnIp, _settings.rateLimit)
            .limit(Limiter::Dsn, _settings.dsnRateLimit)
            .cors(cors, "/api/browser/");
    };
    router.add(browserRoute("/api/browser/errors").handle([this](Request& q, Response& r) { postError(q, r); }));
    router.add(browserRoute("/api/browser/metrics").handle([this](Request& q, Response& r) { postMetrics(q, r); }));
}

std::string BrowserApi::errorPayload(const std::string& body, const std::string& project)
{
    const auto error = BrowserErrorPayload::parse(body, _settings.defaultEnvironment);
    if (error.release() && !error.stack().empty())
    {
        const std::string& release = *error.release();
        const std::int64_t now = Time::nowMs();
        const auto rewrite = StackRewriter::rewrite(error.stack(), [&](const std::string& file)
                                                    { return _maps.find(project, release, file, now); });
        return error.build(project, &rewrite);
    }
    return error.build(project, nullptr);
}

void BrowserApi::postError(Request& req, Response& res)
{
    const std::string& project = projectOf(req);
    const std::string payload = errorPayload(req.body(), project);
    const IngestReply reply = _errors.forward(payload, req.requestId());
    if (_errors.mode() == ForwardTarget::Mode::InProcess)
    {
        for (const auto& [name, value] : reply.headers)
            res.setHeader(name, value);
        res.json(reply.status, reply.body);
        return;
    }
    const bool passBody = reply.body.size() <= 4096 && objectOrNull(reply.body);
    res.json(reply.status, passBody ? reply.body : std::string("{\"status\":\"accepted\"}"));
}

void BrowserApi::postMetrics(Request& req, Response& res)
{
    BrowserMetricsPayload::Options options;
    options.project = projectOf(req);
    options.normalizePageIds = _settings.normalizePageIds;
    std::size_t items = 0;
    const std::string payload = BrowserMetricsPayload::build(req.body(), options, items);
    const IngestReply reply = _metrics.forward(payload, req.requestId());
    if (_metrics.mode() == ForwardTarget::Mode::InProcess && reply.status != 202 && reply.status != 200 &&
        reply.status != 201)
    {
        // The collector refused the batch (a 4xx the relay's validation did not foresee): its answer as is.
        res.json(reply.status, reply.body);
        return;
    }
    std::int64_t count = static_cast<std::int64_t>(items), dropped = 0;
    if (const auto obj = objectOrNull(reply.body))
    {
        if (const auto c = Json::getNumber(*obj, "count"))
            count = static_cast<std::int64_t>(*c);
        if (const auto d = Json::getNumber(*obj, "dropped"))
            dropped = static_cast<std::int64_t>(*d);
    }
    Json::Writer w;
    w.beginObject().field("status", "accepted").field("count", count).field("dropped", dropped).endObject();
    res.json(202, w.str());
}

} // namespace BrowserRelay
} // namespace Monlight
