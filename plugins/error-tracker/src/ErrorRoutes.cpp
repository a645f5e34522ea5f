#include "ErrorRoutes.h"

#include "Monlight/HttpError.h"
#include "Monlight/Time.h"
#include "SearchQuery.h"
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/String.h>
#include <Poco/URI.h>
#include <algorithm>
#include <map>
#include <string_view>

namespace Monlight
{
namespace ErrorTracker
{

namespace
{

void writeOptJson(Json::Writer& w, const char* key, const std::optional<std::string>& json)
{
    w.key(key);
    if (json && !json->empty())
        w.raw(*json);
    else
        w.null();
}

void writeStringArray(Response& res, const char* key, const std::vector<std::string>& items)
{
    Json::Writer w;
    w.beginObject().key(key).beginArray();
    for (const auto& s : items)
        w.value(s);
    w.endArray().endObject();
    res.json(200, w.str());
}

std::string_view trimmed(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

bool allDigits(std::string_view s)
{
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// The last path segment of a file or URL, without its query or fragment.
std::string baseName(std::string_view path)
{
    auto q = path.find_first_of("?#");
    if (q != std::string_view::npos)
        path = path.substr(0, q);
    auto slash = path.find_last_of("/\\");
    if (slash != std::string_view::npos)
        path = path.substr(slash + 1);
    return std::string(path);
}

/// "file:line in function" from a JavaScript frame location `url:line:col` (or `url:line`) and its function.
std::string jsCulprit(std::string_view loc, std::string_view func)
{
    auto c1 = loc.rfind(':');
    if (c1 == std::string_view::npos || !allDigits(loc.substr(c1 + 1)))
        return {};
    std::string_view line = loc.substr(c1 + 1);
    std::string_view rest = loc.substr(0, c1);
    auto c2 = rest.rfind(':');
    if (c2 != std::string_view::npos && allDigits(rest.substr(c2 + 1)))
    {
        line = rest.substr(c2 + 1);
        rest = rest.substr(0, c2);
    }
    std::string out = baseName(rest) + ":" + std::string(line);
    if (!func.empty())
        out += " in " + std::string(func);
    return out;
}

} // namespace

std::string ErrorRoutes::culprit(const std::string& traceback)
{
    // Python: the last `File "path", line N, in func` (the raising frame); JavaScript: the first `at func (url:l:c)`
    // (V8) or `func@url:l:c` (Firefox, Safari) frame.
    std::string python;
    std::string js;
    std::size_t pos = 0;
    while (pos <= traceback.size())
    {
        std::size_t end = traceback.find('\n', pos);
        if (end == std::string::npos)
            end = traceback.size();
        std::string_view line = trimmed(std::string_view(traceback).substr(pos, end - pos));
        pos = end + 1;
        if (line.rfind("File \"", 0) == 0)
        {
            auto close = line.find("\", line ", 6);
            if (close == std::string_view::npos)
                continue;
            std::string_view file = line.substr(6, close - 6);
            std::string_view after = line.substr(close + 8);
            auto comma = after.find(',');
            std::string_view num = after.substr(0, comma);
            if (!allDigits(num))
                continue;
            python = baseName(file) + ":" + std::string(num);
            if (comma != std::string_view::npos && after.substr(comma).rfind(", in ", 0) == 0)
                python += " in " + std::string(trimmed(after.substr(comma + 5)));
        }
        else if (js.empty() && line.rfind("at ", 0) == 0)
        {
            std::string_view rest = line.substr(3);
            auto open = rest.rfind(" (");
            if (open != std::string_view::npos && rest.back() == ')')
                js = jsCulprit(rest.substr(open + 2, rest.size() - open - 3), rest.substr(0, open));
            else
                js = jsCulprit(rest, {});
        }
        else if (js.empty() && python.empty())
        {
            auto at = line.find('@');
            if (at != std::string_view::npos && line.find(' ') == std::string_view::npos)
                js = jsCulprit(line.substr(at + 1), line.substr(0, at));
        }
    }
    return python.empty() ? js : python;
}

ErrorRoutes::ErrorRoutes(std::shared_ptr<ErrorStore> store, std::shared_ptr<ErrorIngestService> ingest,
                         std::shared_ptr<AlertDispatcher> alerts)
    : _store(std::move(store)), _ingest(std::move(ingest)), _alerts(std::move(alerts))
{
}

void ErrorRoutes::install(Router& router)
{
    router.add(Route::post("/api/errors").auth(AuthPolicy::ApiKey).handle(
        [this](Request& q, Response& r) { postError(q, r); }));
    router.add(Route::get("/api/errors").auth(AuthPolicy::ApiKey).handle(
        [this](Request& q, Response& r) { listErrors(q, r); }));
    router.add(Route::get("/api/errors/{id}").auth(AuthPolicy::ApiKey).handle(
        [this](Request& q, Response& r) { getError(q, r); }));
    router.add(Route::get("/api/errors/{id}/histogram").auth(AuthPolicy::ApiKey).handle(
        [this](Request& q, Response& r) { getHistogram(q, r); }));
    router.add(Route::post("/api/errors/{id}/resolve").auth(AuthPolicy::ApiKey).handle(
        [this](Request& q, Response& r) { setResolved(q, r, true); }));
    router.add(Route::post("/api/errors/{id}/unresolve").auth(AuthPolicy::ApiKey).handle(
        [this](Request& q, Response& r) { setResolved(q, r, false); }));
    router.add(Route::post("/api/errors/bulk").auth(AuthPolicy::ApiKey).handle(
        [this](Request& q, Response& r) { bulkResolve(q, r); }));
    router.add(Route::get("/api/projects").auth(AuthPolicy::ApiKey).handle(
        [this](Request& q, Response& r) { listProjects(q, r); }));
    router.add(Route::get("/api/environments").auth(AuthPolicy::ApiKey).handle(
        [this](Request& q, Response& r) { listEnvironments(q, r); }));
    router.add(Route::post("/api/test-alert").auth(AuthPolicy::ApiKey).handle(
        [this](Request& q, Response& r) { testAlert(q, r); }));
}

ErrorFilter ErrorRoutes::parseFilter(const QueryParams& q, std::int64_t nowMs)
{
    ErrorFilter f;
    f.project = q.get("project");
    f.environment = q.get("environment");
    f.resolved = false;
    if (auto r = q.get("resolved"))
    {
        std::string v = Poco::toLower(*r);
        if (v == "false" || v == "0")
            f.resolved = false;
        else if (v == "true" || v == "1")
            f.resolved = true;
        else if (v == "all")
            f.resolved.reset();
        else
            throw HttpError(400, "Invalid parameter: resolved");
    }
    if (auto s = q.get("search"))
    {
        f.fts = SearchQuery::toFts(*s);
        f.tsQuery = SearchQuery::toTsQuery(*s);
        f.matchNothing = !f.fts;
    }
    if (auto s = q.get("source"))
    {
        if (*s != "browser" && *s != "server")
            throw HttpError(400, "Invalid parameter: source");
        f.source = *s;
    }
    f.sessionId = q.get("session_id");
    for (const char* name : {"since", "until"})
    {
        if (auto v = q.get(name))
        {
            auto ms = Time::parseQueryTimestamp(*v, nowMs);
            if (!ms)
                throw HttpError(400, std::string("Invalid parameter: ") + name);
            (std::string(name) == "since" ? f.since : f.until) = *ms;
        }
    }
    if (auto s = q.get("sort"))
    {
        if (*s != "last_seen" && *s != "first_seen" && *s != "count")
            throw HttpError(400, "Invalid parameter: sort");
        f.sort = *s;
    }
    f.limit = q.limit("limit", 50, 200);
    f.offset = q.offset("offset");
    return f;
}

void ErrorRoutes::writeGroup(Json::Writer& w, const ErrorGroup& g, bool withTraceback)
{
    w.field("id", g.id)
        .field("fingerprint", g.fingerprint)
        .field("project", g.project)
        .field("environment", g.environment)
        .field("exception_type", g.exceptionType)
        .field("message", g.message);
    if (withTraceback)
        w.field("traceback", g.traceback);
    // "orders.py:142 in create_order": where it was raised, for the list (issue 15)
    std::string where = culprit(g.traceback);
    if (!where.empty())
        w.field("culprit", where);
    w.field("count", g.count)
        .field("first_seen", Time::formatMs(g.firstSeen))
        .field("last_seen", Time::formatMs(g.lastSeen))
        .field("resolved", g.resolved);
    w.field("resolved_at", Time::formatMs(g.resolvedAt));
    w.field("source", g.source);
}

void ErrorRoutes::postError(Request& req, Response& res)
{
    IngestReply reply = _ingest->process(req.body());
    res.json(reply.status, reply.body);
}

void ErrorRoutes::listErrors(Request& req, Response& res)
{
    ErrorFilter f = parseFilter(req.query(), Time::nowMs());
    std::int64_t total = 0;
    std::vector<ErrorGroup> groups = _store->list(f, total);
    // `histogram=24h`: each group's occurrences per hour of the last 24 h (oldest first), for sparklines
    auto histogram = req.query().get("histogram");
    if (histogram && *histogram != "24h")
        throw HttpError(400, "Invalid value for 'histogram' (only 24h)");
    const std::int64_t hour = 3600 * 1000;
    const std::int64_t firstHour = Time::nowMs() / hour * hour - 23 * hour;
    std::map<std::int64_t, std::map<std::int64_t, std::int64_t>> counts;
    if (histogram)
    {
        std::vector<std::int64_t> ids;
        for (const auto& g : groups)
            ids.push_back(g.id);
        counts = _store->hourly(ids, firstHour);
    }
    Json::Writer w;
    w.beginObject().key("errors").beginArray();
    for (const auto& g : groups)
    {
        w.beginObject();
        writeGroup(w, g, false);
        if (histogram)
        {
            w.key("hourly").beginArray();
            const auto it = counts.find(g.id);
            for (int i = 0; i < 24; ++i)
            {
                std::int64_t n = 0;
                if (it != counts.end())
                {
                    auto c = it->second.find(firstHour + i * hour);
                    if (c != it->second.end())
                        n = c->second;
                }
                w.value(n);
            }
            w.endArray();
        }
        w.endObject();
    }
    w.endArray().field("total", total).field("limit", f.limit).field("offset", f.offset).endObject();
    res.json(200, w.str());
}

void ErrorRoutes::getHistogram(Request& req, Response& res)
{
    auto id = Monlight::parseId(req.pathParam("id"));
    if (!id || !_store->find(*id))
        throw HttpError(404, "Error not found");
    const std::string period = req.query().get("period").value_or("24h");
    if (period != "24h" && period != "14d")
        throw HttpError(400, "Invalid value for 'period' (24h or 14d)");
    const std::int64_t hour = 3600 * 1000;
    const std::int64_t day = 24 * hour;
    const bool daily = period == "14d";
    const std::int64_t step = daily ? day : hour;
    const int n = daily ? 14 : 24;
    const std::int64_t now = Time::nowMs();
    const std::int64_t first = now / step * step - (n - 1) * step;
    auto counts = _store->hourly({*id}, first);
    std::vector<std::int64_t> buckets(static_cast<std::size_t>(n), 0);
    std::int64_t total = 0;
    for (const auto& [h, c] : counts[*id])
    {
        auto i = (h - first) / step;
        if (i >= 0 && i < n)
        {
            buckets[static_cast<std::size_t>(i)] += c;
            total += c;
        }
    }
    Json::Writer w;
    w.beginObject().field("id", *id).field("period", period).field("interval", daily ? "1d" : "1h");
    w.field("total", total).key("buckets").beginArray();
    for (int i = 0; i < n; ++i)
        w.beginObject()
            .field("start", Time::formatSeconds(first + i * step))
            .field("count", buckets[static_cast<std::size_t>(i)])
            .endObject();
    w.endArray().endObject();
    res.json(200, w.str());
}

void ErrorRoutes::getError(Request& req, Response& res)
{
    auto id = Monlight::parseId(req.pathParam("id"));
    std::optional<ErrorGroup> g;
    if (id)
        g = _store->find(*id);
    if (!g)
        throw HttpError(404, "Error not found");
    std::vector<ErrorOccurrence> occ = _store->occurrences(*id);
    Json::Writer w;
    w.beginObject();
    writeGroup(w, *g, true);
    w.key("occurrences").beginArray();
    for (const auto& o : occ)
    {
        w.beginObject()
            .field("id", o.id)
            .field("timestamp", Time::formatMs(o.timestamp))
            .field("request_url", o.requestUrl)
            .field("request_method", o.requestMethod);
        writeOptJson(w, "request_headers", o.requestHeaders);
        w.field("user_id", o.userId).field("session_id", o.sessionId);
        writeOptJson(w, "extra", o.extra);
        w.field("traceback", o.traceback).endObject();
    }
    w.endArray().endObject();
    res.json(200, w.str());
}

void ErrorRoutes::setResolved(Request& req, Response& res, bool resolved)
{
    auto id = Monlight::parseId(req.pathParam("id"));
    bool found = false;
    if (id)
        found = resolved ? _store->resolve(*id, Time::nowMs()) : _store->unresolve(*id);
    if (!found)
        throw HttpError(404, "Error not found");
    Json::Writer w;
    w.beginObject().field("status", resolved ? "resolved" : "unresolved").field("id", *id).endObject();
    res.json(200, w.str());
}

// `POST /api/errors/bulk` (issue 15): {"action":"resolve"|"unresolve","ids":[...]} or
// {"action":...,"filter":{...}} with the list's filters as strings. A filter changes at most BULK_CAP groups per
// call and says how many remain; an unknown filter key is refused rather than ignored, since ignoring it would
// widen what gets changed.
void ErrorRoutes::bulkResolve(Request& req, Response& res)
{
    const auto obj = Json::parseObject(req.body());
    const auto action = Json::getString(*obj, "action");
    if (!action || (*action != "resolve" && *action != "unresolve"))
        throw HttpError(400, "Field 'action' must be \"resolve\" or \"unresolve\"");
    const bool hasIds = Json::has(*obj, "ids");
    const bool hasFilter = Json::has(*obj, "filter");
    if (hasIds == hasFilter)
        throw HttpError(400, "Give exactly one of 'ids' and 'filter'");
    std::vector<std::int64_t> ids;
    std::optional<ErrorFilter> filter;
    if (hasIds)
    {
        const auto arr = Json::getArray(*obj, "ids");
        const std::string bad =
            "Field 'ids' must be an array of 1-" + std::to_string(BULK_CAP) + " error ids";
        if (!arr || arr->size() == 0 || arr->size() > static_cast<std::size_t>(BULK_CAP))
            throw HttpError(400, bad);
        for (std::size_t i = 0; i < arr->size(); ++i)
        {
            const auto v = arr->get(static_cast<unsigned>(i));
            if (!v.isNumeric() || v.isBoolean())
                throw HttpError(400, bad);
            const double d = v.convert<double>();
            if (!(d >= 1 && d <= 999999999999999999.0) ||
                d != static_cast<double>(static_cast<std::int64_t>(d)))
                throw HttpError(400, bad);
            ids.push_back(static_cast<std::int64_t>(d));
        }
    }
    else
    {
        const auto f = Json::getObject(*obj, "filter");
        if (!f)
            throw HttpError(400, "Field 'filter' must be an object");
        static const char* const KEYS[] = {"project", "environment", "resolved", "search",
                                           "source",  "session_id",  "since",    "until"};
        std::string query;
        for (const auto& [k, v] : *f)
        {
            if (std::none_of(std::begin(KEYS), std::end(KEYS), [&k = k](const char* n) { return k == n; }))
                throw HttpError(400, "Invalid parameter: filter." + k);
            if (v.isEmpty())
                continue;
            if (!v.isString())
                throw HttpError(400, "Invalid parameter: filter." + k);
            std::string key, value;
            Poco::URI::encode(k, "&=+#%", key);
            Poco::URI::encode(v.extract<std::string>(), "&=+#%", value);
            query += (query.empty() ? "" : "&") + key + "=" + value;
        }
        filter = parseFilter(QueryParams(query), Time::nowMs());
    }
    const bool resolve = *action == "resolve";
    const auto r =
        _store->setResolvedBulk(ids, filter ? &*filter : nullptr, resolve, Time::nowMs(), BULK_CAP);
    Json::Writer w;
    w.beginObject()
        .field("status", resolve ? "resolved" : "unresolved")
        .field("matched", r.matched)
        .field("updated", r.updated)
        .field("remaining", r.remaining)
        .endObject();
    res.json(200, w.str());
}

void ErrorRoutes::listProjects(Request&, Response& res)
{
    writeStringArray(res, "projects", _store->projects());
}

void ErrorRoutes::listEnvironments(Request& req, Response& res)
{
    writeStringArray(res, "environments", _store->environments(req.query().get("project")));
}

void ErrorRoutes::testAlert(Request& req, Response& res)
{
    std::vector<std::string> channels = _alerts ? _alerts->channelNames() : std::vector<std::string>{};
    if (channels.empty())
        throw HttpError(503, "No alert channel configured");
    auto wait = req.query().get("wait");
    if (wait && (Poco::icompare(*wait, "true") == 0 || *wait == "1"))
    {
        auto results = _alerts->deliverTestNow();
        Json::Writer w;
        w.beginObject().field("status", "completed").key("results").beginArray();
        for (const auto& r : results)
            w.beginObject()
                .field("channel", r.channel)
                .field("ok", r.ok)
                .field("detail", r.detail)
                .endObject();
        w.endArray().endObject();
        res.json(200, w.str());
        return;
    }
    _alerts->enqueueTest();
    Json::Writer w;
    w.beginObject().field("status", "test alert dispatched").key("channels").beginArray();
    for (const auto& c : channels)
        w.value(c);
    w.endArray().endObject();
    res.json(202, w.str());
}

} // namespace ErrorTracker
} // namespace Monlight
