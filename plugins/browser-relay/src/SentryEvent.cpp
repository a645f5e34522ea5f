#include "SentryEvent.h"

#include "StackRewriter.h"
#include <Monlight/Json.h>
#include <Poco/JSON/Array.h>
#include <Poco/String.h>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

namespace Monlight
{
namespace BrowserRelay
{
namespace SentryEvent
{

namespace
{

using Poco::JSON::Array;
using Poco::JSON::Object;

std::string str(const Object& o, const std::string& key)
{
    return Json::getString(o, key).value_or("");
}

/// An integer-ish field as text ("" when absent).
std::string numText(const Object& o, const std::string& key)
{
    const auto n = Json::getNumber(o, key);
    if (!n || !std::isfinite(*n))
        return "";
    return std::to_string(static_cast<long long>(*n));
}

/// The `values` of an `exception` (or `threads`) field, which may be an object with `values` or a bare list.
Array::Ptr values(const Object& event, const std::string& key)
{
    if (const auto a = Json::getArray(event, key))
        return a;
    if (const auto o = Json::getObject(event, key))
        return Json::getArray(*o, "values");
    return nullptr;
}

Array::Ptr framesOf(const Object& holder)
{
    if (const auto st = Json::getObject(holder, "stacktrace"))
        return Json::getArray(*st, "frames");
    return nullptr;
}

std::vector<Object::Ptr> objects(const Array::Ptr& a)
{
    std::vector<Object::Ptr> out;
    if (!a)
        return out;
    for (std::size_t i = 0; i < a->size(); ++i)
        if (const auto o = a->getObject(static_cast<unsigned>(i)))
            out.push_back(o);
    return out;
}

std::string fileOf(const Object& f)
{
    std::string file = str(f, "abs_path");
    if (file.empty())
        file = str(f, "filename");
    if (file.empty())
        file = str(f, "module");
    return file.empty() ? "<unknown>" : file;
}

std::string functionOf(const Object& f)
{
    std::string fn = str(f, "function");
    return fn.empty() || fn == "?" ? "<anonymous>" : fn;
}

std::string headLine(const std::string& type, const std::string& value)
{
    return value.empty() ? type : type + ": " + value;
}

void renderPython(const std::vector<Object::Ptr>& frames, const std::string& head, std::string& out)
{
    if (!frames.empty())
    {
        out += "Traceback (most recent call last):\n";
        for (const auto& f : frames)
        {
            out += "  File \"" + fileOf(*f) + "\", line " + numText(*f, "lineno") + ", in " +
                   (str(*f, "function").empty() ? "<module>" : str(*f, "function")) + "\n";
            const std::string ctx = Poco::trim(str(*f, "context_line"));
            if (!ctx.empty())
                out += "    " + ctx + "\n";
        }
    }
    out += head;
}

void renderJs(const std::vector<Object::Ptr>& frames, const std::string& head, std::string& out)
{
    out += head;
    for (auto it = frames.rbegin(); it != frames.rend(); ++it)
    {
        const Object& f = **it;
        std::string loc = fileOf(f);
        const std::string line = numText(f, "lineno");
        const std::string col = numText(f, "colno");
        if (!line.empty())
            loc += ":" + line;
        if (!line.empty() && !col.empty())
            loc += ":" + col;
        out += "\n    at " + functionOf(f) + " (" + loc + ")";
    }
}

void renderOther(const std::vector<Object::Ptr>& frames, const std::string& head, std::string& out)
{
    out += head;
    for (auto it = frames.rbegin(); it != frames.rend(); ++it)
    {
        const Object& f = **it;
        std::string fn = str(f, "function");
        const std::string mod = str(f, "module");
        if (!mod.empty() && fn.rfind(mod, 0) != 0)
            fn = fn.empty() ? mod : mod + "." + fn;
        if (fn.empty())
            fn = "<unknown>";
        std::string file = str(f, "filename");
        if (file.empty())
            file = fileOf(f);
        const std::string line = numText(f, "lineno");
        out += "\n  at " + fn + " (" + file + (line.empty() ? "" : ":" + line) + ")";
    }
}

std::string messageOf(const Object& event)
{
    if (const auto le = Json::getObject(event, "logentry"))
    {
        if (const auto f = Json::getString(*le, "formatted"); f && !f->empty())
            return *f;
        if (const auto m = Json::getString(*le, "message"); m && !m->empty())
            return *m;
    }
    if (const auto m = Json::getString(event, "message"))
        return *m;
    if (const auto mo = Json::getObject(event, "message"))
    {
        if (const auto f = Json::getString(*mo, "formatted"); f && !f->empty())
            return *f;
        return str(*mo, "message");
    }
    return "";
}

bool isJsPlatform(const std::string& platform)
{
    return platform == "javascript" || platform == "node";
}

/// A scalar JSON value as label/attribute text, or nothing for objects, arrays and null.
std::optional<Poco::Dynamic::Var> scalar(const Poco::Dynamic::Var& v)
{
    if (v.isEmpty() || v.type() == typeid(Object::Ptr) || v.type() == typeid(Array::Ptr))
        return std::nullopt;
    return std::optional<Poco::Dynamic::Var>(std::in_place, v);
}

/// Sentry attributes `{"k":{"value":v,"type":t}}` (or bare values) → (key, scalar value).
std::vector<std::pair<std::string, Poco::Dynamic::Var>> attributes(const Object& record)
{
    std::vector<std::pair<std::string, Poco::Dynamic::Var>> out;
    const auto attrs = Json::getObject(record, "attributes");
    if (!attrs)
        return out;
    for (const auto& [k, v] : *attrs)
    {
        Poco::Dynamic::Var value = v;
        if (v.type() == typeid(Object::Ptr))
        {
            const auto o = v.extract<Object::Ptr>();
            if (!o->has("value"))
                continue;
            value = o->get("value");
        }
        if (const auto s = scalar(value))
            out.emplace_back(k, *s);
    }
    return out;
}

void writeScalar(Json::Writer& w, const Poco::Dynamic::Var& v)
{
    w.raw(Json::stringify(v));
}

void writeHeaders(Json::Writer& w, const Poco::Dynamic::Var& headers)
{
    static const std::set<std::string> secret = {"authorization", "cookie", "set-cookie", "x-api-key",
                                                 "proxy-authorization", "x-monlight-key", "x-sentry-auth"};
    auto isSecret = [](std::string k)
    {
        std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        return secret.count(k) > 0;
    };
    w.beginObject();
    if (headers.type() == typeid(Object::Ptr))
    {
        for (const auto& [k, v] : *headers.extract<Object::Ptr>())
            if (!isSecret(k) && v.isString())
                w.field(k, v.extract<std::string>());
    }
    else if (headers.type() == typeid(Array::Ptr))
    {
        const auto a = headers.extract<Array::Ptr>();
        for (std::size_t i = 0; i < a->size(); ++i)
        {
            const auto pair = a->getArray(static_cast<unsigned>(i));
            if (!pair || pair->size() != 2 || !pair->get(0).isString() || !pair->get(1).isString())
                continue;
            const std::string k = pair->get(0).extract<std::string>();
            if (!isSecret(k))
                w.field(k, pair->get(1).extract<std::string>());
        }
    }
    w.endObject();
}

} // namespace

std::string normalizeEventId(const std::string& id)
{
    std::string out;
    for (char c : id)
    {
        if (c == '-')
            continue;
        if (!std::isxdigit(static_cast<unsigned char>(c)))
            return "";
        out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return out.size() == 32 ? out : "";
}

Rendered render(const Object& event)
{
    Rendered r;
    const std::string platform = str(event, "platform");
    r.javascript = isJsPlatform(platform);
    const bool python = platform == "python";
    const auto exceptions = objects(values(event, "exception"));
    const std::string fallbackType = r.javascript ? "Error" : "Exception";
    auto typeOf = [&](const Object& ex)
    {
        std::string t = str(ex, "type");
        if (const auto mech = Json::getObject(ex, "mechanism"))
            if (mech->has("synthetic") && mech->get("synthetic").isBoolean() && mech->get("synthetic").extract<bool>())
                t.clear();
        return t.empty() ? fallbackType : t;
    };
    auto renderOne = [&](const std::vector<Object::Ptr>& frames, const std::string& head, std::string& out)
    {
        if (python)
            renderPython(frames, head, out);
        else if (r.javascript)
            renderJs(frames, head, out);
        else
            renderOther(frames, head, out);
    };
    if (!exceptions.empty())
    {
        const Object& primary = *exceptions.back();
        r.type = typeOf(primary);
        r.message = str(primary, "value");
        if (r.message.empty())
            r.message = messageOf(event);
        if (python)
        {
            for (std::size_t i = 0; i < exceptions.size(); ++i)
            {
                if (i)
                    r.traceback += "\n\nDuring handling of the above exception, another exception occurred:\n\n";
                const Object& ex = *exceptions[i];
                renderOne(objects(framesOf(ex)), headLine(typeOf(ex), str(ex, "value")), r.traceback);
            }
        }
        else
            renderOne(objects(framesOf(primary)), headLine(r.type, str(primary, "value")), r.traceback);
        return r;
    }
    r.type = "Message";
    r.message = messageOf(event);
    // A message with a stack (attach_stacktrace): the crashed or current thread, else the first with frames.
    Object::Ptr chosen;
    for (const auto& t : objects(values(event, "threads")))
    {
        if (!framesOf(*t))
            continue;
        const bool crashed = t->has("crashed") && t->get("crashed").isBoolean() && t->get("crashed").extract<bool>();
        const bool current = t->has("current") && t->get("current").isBoolean() && t->get("current").extract<bool>();
        if (!chosen || crashed || current)
            chosen = t;
        if (crashed)
            break;
    }
    if (chosen)
        renderOne(objects(framesOf(*chosen)), headLine(r.type, r.message), r.traceback);
    else if (framesOf(event))
        renderOne(objects(framesOf(event)), headLine(r.type, r.message), r.traceback);
    return r;
}

std::string errorPayload(const Object& event, const std::string& project, const std::string& defaultEnvironment,
                         const MapLookup& maps)
{
    const Rendered r = render(event);
    const std::string platform = str(event, "platform");
    const std::string release = str(event, "release");
    std::string environment = str(event, "environment");
    if (environment.empty())
        environment = defaultEnvironment;
    environment = Json::truncateChars(environment, 50);

    // Browser events: source maps as POST /api/browser/errors (§5.8–§5.10).
    StackRewriter::Result rewrite;
    bool rewritten = false;
    if (r.javascript && !release.empty() && maps && !r.traceback.empty())
    {
        rewrite = StackRewriter::rewrite(r.traceback, [&](const std::string& file) { return maps(release, file); });
        rewritten = true;
    }

    const auto request = Json::getObject(event, "request");
    std::string method = request ? str(*request, "method") : "";
    std::transform(method.begin(), method.end(), method.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (method.empty() && platform == "javascript")
        method = "BROWSER"; // a browser page: the error tracker's `source` is `browser` (§2.2)

    std::string userId;
    if (const auto user = Json::getObject(event, "user"))
    {
        for (const char* k : {"id", "username", "email"})
        {
            if (!Json::has(*user, k))
                continue;
            const auto v = user->get(k);
            if (v.isString())
                userId = v.extract<std::string>();
            else if (v.isNumeric() && !v.isBoolean())
                userId = Json::stringify(v);
            if (!userId.empty())
                break;
        }
    }

    auto build = [&](bool breadcrumbs, bool contexts, bool sourceContext)
    {
        Json::Writer w;
        w.beginObject()
            .field("project", project)
            .field("environment", environment)
            .field("exception_type", Json::truncateChars(r.type, 200))
            .field("message", r.message)
            .field("traceback", rewritten && rewrite.changed ? rewrite.stack : r.traceback);
        if (request)
        {
            if (const auto url = Json::getString(*request, "url"))
                w.field("request_url", *url);
            if (Json::has(*request, "headers"))
            {
                w.key("request_headers");
                writeHeaders(w, request->get("headers"));
            }
        }
        if (!method.empty())
            w.field("request_method", method);
        if (!userId.empty())
            w.field("user_id", userId);
        if (const auto fp = Json::getArray(event, "fingerprint"))
        {
            // The error tracker takes 1-16 non-empty parts of at most 1000 code points: empty parts are left out
            // and longer ones cut (at a code point boundary), so a valid Sentry event is never refused for them.
            std::vector<std::string> parts;
            for (std::size_t i = 0; i < fp->size() && parts.size() < 16; ++i)
            {
                const auto v = fp->get(static_cast<unsigned>(i));
                std::string part;
                if (v.isString())
                    part = v.extract<std::string>();
                else if (v.isNumeric() && !v.isBoolean())
                    part = Json::stringify(v);
                std::size_t cut = 0, points = 0;
                while (cut < part.size() && points < 1000)
                {
                    ++cut;
                    while (cut < part.size() && (static_cast<unsigned char>(part[cut]) & 0xC0) == 0x80)
                        ++cut;
                    ++points;
                }
                part.resize(cut);
                if (!part.empty())
                    parts.push_back(std::move(part));
            }
            if (!parts.empty())
            {
                w.key("fingerprint").beginArray();
                for (const auto& p : parts)
                    w.value(p);
                w.endArray();
            }
        }
        w.key("extra").beginObject();
        const std::string eventId = normalizeEventId(str(event, "event_id"));
        if (!eventId.empty())
            w.field("event_id", eventId);
        for (const char* k : {"level", "platform", "release", "dist", "server_name", "transaction", "logger"})
            if (const auto v = Json::getString(event, k))
                w.field(k, *v);
        if (const auto sdk = Json::getObject(event, "sdk"))
        {
            w.key("sdk").beginObject();
            if (const auto n = Json::getString(*sdk, "name"))
                w.field("name", *n);
            if (const auto v = Json::getString(*sdk, "version"))
                w.field("version", *v);
            w.endObject();
        }
        if (Json::has(event, "tags"))
        {
            const auto tags = event.get("tags");
            w.key("tags").beginObject();
            if (tags.type() == typeid(Object::Ptr))
            {
                for (const auto& [k, v] : *tags.extract<Object::Ptr>())
                    if (const auto s = scalar(v))
                        w.key(k), writeScalar(w, *s);
            }
            else if (tags.type() == typeid(Array::Ptr))
            {
                const auto a = tags.extract<Array::Ptr>();
                for (std::size_t i = 0; i < a->size(); ++i)
                {
                    const auto pair = a->getArray(static_cast<unsigned>(i));
                    if (pair && pair->size() == 2 && pair->get(0).isString())
                        if (const auto s = scalar(pair->get(1)))
                            w.key(pair->get(0).extract<std::string>()), writeScalar(w, *s);
                }
            }
            w.endObject();
        }
        const auto ctx = Json::getObject(event, "contexts");
        if (ctx)
            if (const auto trace = Json::getObject(*ctx, "trace"))
                if (const auto tid = Json::getString(*trace, "trace_id"))
                    w.field("trace_id", *tid);
        if (ctx && contexts)
        {
            w.key("contexts").beginObject();
            for (const char* k : {"runtime", "os", "browser", "device"})
                if (Json::has(*ctx, k))
                    w.key(k).raw(Json::stringify(ctx->get(k)));
            w.endObject();
        }
        if (breadcrumbs)
        {
            const auto crumbs = values(event, "breadcrumbs");
            if (crumbs && crumbs->size())
            {
                w.key("breadcrumbs").beginArray();
                const std::size_t n = crumbs->size();
                for (std::size_t i = n > 50 ? n - 50 : 0; i < n; ++i)
                    w.raw(Json::stringify(crumbs->get(static_cast<unsigned>(i))));
                w.endArray();
            }
        }
        if (Json::has(event, "extra"))
            w.key("extra").raw(Json::stringify(event.get("extra")));
        if (Json::has(event, "timestamp"))
            w.key("timestamp").raw(Json::stringify(event.get("timestamp")));
        if (rewritten && rewrite.changed)
        {
            w.field("original_stack", r.traceback);
            if (sourceContext)
                StackRewriter::writeSourceContext(w, rewrite);
        }
        w.endObject().endObject();
        return w.take();
    };
    // `extra` kept ≤ 64 KiB: breadcrumbs go first, then contexts, then the source context.
    static constexpr std::size_t EXTRA_CAP = 64 * 1024;
    const std::size_t base = build(false, false, false).size();
    std::string out = build(true, true, true);
    if (out.size() - base <= EXTRA_CAP)
        return out;
    out = build(false, true, true);
    if (out.size() - base <= EXTRA_CAP)
        return out;
    out = build(false, false, true);
    if (out.size() - base <= EXTRA_CAP)
        return out;
    return build(false, false, false);
}

std::string logsPayload(const Object& container, const std::string& project, std::size_t& count)
{
    count = 0;
    Json::Writer w;
    w.beginObject().key("logs").beginArray();
    for (const auto& rec : objects(Json::getArray(container, "items")))
    {
        const auto body = Json::getString(*rec, "body");
        if (!body || body->empty())
            continue;
        const auto attrs = attributes(*rec);
        std::string level = str(*rec, "level");
        std::transform(level.begin(), level.end(), level.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        std::string mapped;
        if (level == "trace" || level == "debug")
            mapped = "DEBUG";
        else if (level == "info")
            mapped = "INFO";
        else if (level == "warn" || level == "warning")
            mapped = "WARNING";
        else if (level == "error")
            mapped = "ERROR";
        else if (level == "fatal")
            mapped = "CRITICAL";
        else if (const auto sev = Json::getNumber(*rec, "severity_number"))
            mapped = *sev <= 8 ? "DEBUG" : *sev <= 12 ? "INFO" : *sev <= 16 ? "WARNING" : *sev <= 20 ? "ERROR" : "CRITICAL";
        std::string source = project;
        for (const auto& [k, v] : attrs)
            if (k == "service.name" && v.isString() && !v.extract<std::string>().empty())
                source = Json::truncateChars(v.extract<std::string>(), 128);
        w.beginObject();
        if (const auto ts = Json::getNumber(*rec, "timestamp"))
            w.field("timestamp", *ts);
        if (!mapped.empty())
            w.field("level", mapped);
        w.field("message", *body).field("source", source);
        const std::string traceId = normalizeEventId(str(*rec, "trace_id"));
        if (!traceId.empty())
            w.field("trace_id", traceId);
        w.key("attributes").beginObject();
        for (const auto& [k, v] : attrs)
        {
            if (k == "sentry.environment")
                w.key("environment"), writeScalar(w, v);
            else if (k == "sentry.release")
                w.key("release"), writeScalar(w, v);
            else if (k.rfind("sentry.", 0) != 0)
                w.key(k), writeScalar(w, v);
        }
        w.endObject().endObject();
        ++count;
    }
    w.endArray().endObject();
    return w.take();
}

std::string metricsPayload(const Object& container, const std::string& project, std::size_t& count,
                           std::size_t& invalid)
{
    count = invalid = 0;
    Json::Writer w;
    w.beginObject().key("metrics").beginArray();
    for (const auto& rec : objects(Json::getArray(container, "items")))
    {
        const std::string name = str(*rec, "name");
        const std::string type = str(*rec, "type");
        const auto value = Json::getNumber(*rec, "value");
        std::string mapped = type == "counter" ? "counter" : type == "gauge" ? "gauge" : type == "distribution" ? "histogram" : "";
        bool nameOk = !name.empty() && Json::codePoints(name) <= 200;
        for (unsigned char c : name)
            if (c < 0x20 || c == 0x7f)
                nameOk = false;
        if (!nameOk || mapped.empty() || !value)
        {
            ++invalid;
            continue;
        }
        w.beginObject().field("name", name).field("type", mapped).field("value", *value);
        if (const auto ts = Json::getNumber(*rec, "timestamp"))
            w.field("timestamp", *ts);
        w.field("project", project);
        w.key("labels").beginObject();
        std::size_t labels = 0;
        auto label = [&](const std::string& k, const Poco::Dynamic::Var& v)
        {
            if (labels >= 32 || k.empty() || Json::codePoints(k) > 100)
                return;
            std::string text = v.isString() ? v.extract<std::string>() : Json::stringify(v);
            if (Json::codePoints(text) > 1000)
                return;
            w.key(k);
            if (v.isString() || v.isNumeric() || v.isBoolean())
                writeScalar(w, v);
            else
                w.value(text);
            ++labels;
        };
        const auto attrs = attributes(*rec);
        for (const auto& [k, v] : attrs)
        {
            if (k == "sentry.environment")
                label("environment", v);
            else if (k == "sentry.release")
                label("release", v);
        }
        for (const auto& [k, v] : attrs)
            if (k.rfind("sentry.", 0) != 0 && k.rfind("user.", 0) != 0 && k != "server.address")
                label(k, v);
        w.endObject().endObject();
        ++count;
    }
    w.endArray().endObject();
    return w.take();
}

} // namespace SentryEvent
} // namespace BrowserRelay
} // namespace Monlight
