#include "SentryEvent.h"

#include "StackRewriter.h"
#include <Monlight/Json.h>
#include <Monlight/Text.h>
#include <Poco/JSON/Array.h>
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
using Value = Json::Document::Value;

std::string str(const Object& o, const std::string& key)
{
    return Json::getString(o, key).value_or("");
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

// Events are read from a Json::Document (one pass, no Poco objects: issue 17's P14 profile had Poco's DOM at 46 %
// of an envelope's instructions). A field of another JSON type than asked for reads as absent, as Json::getString
// and friends do for Poco objects.

/// A string field ("" when absent or not a string).
std::string_view text(Value o, std::string_view key)
{
    return o[key].string();
}

/// The `values` of an `exception` (or `threads`, `breadcrumbs`) field, which may be an object with `values` or a
/// bare list; null when neither.
Value values(Value event, std::string_view key)
{
    const Value v = event[key];
    if (v.isArray())
        return v;
    const Value inner = v["values"];
    return inner.isArray() ? inner : Value();
}

/// A holder's `stacktrace.frames` array, or null.
Value framesOf(Value holder)
{
    const Value frames = holder["stacktrace"]["frames"];
    return frames.isArray() ? frames : Value();
}

/// The fields of a stack frame the renderers use, read in one pass over its members (the last of duplicate keys
/// wins; a field of another type reads as absent).
struct Frame
{
    std::string_view absPath, filename, module, function, contextLine;
    Value lineno, colno;
};

std::vector<Frame> frames(Value array)
{
    std::vector<Frame> out;
    out.reserve(array.size());
    array.elements(
        [&](Value v)
        {
            if (!v.isObject())
                return;
            Frame f;
            v.members(
                [&](std::string_view k, Value x)
                {
                    if (k == "abs_path")
                        f.absPath = x.string();
                    else if (k == "filename")
                        f.filename = x.string();
                    else if (k == "module")
                        f.module = x.string();
                    else if (k == "function")
                        f.function = x.string();
                    else if (k == "context_line")
                        f.contextLine = x.string();
                    else if (k == "lineno")
                        f.lineno = x;
                    else if (k == "colno")
                        f.colno = x;
                });
            out.push_back(f);
        });
    return out;
}

std::vector<Value> objects(Value array)
{
    std::vector<Value> out;
    array.elements(
        [&](Value v)
        {
            if (v.isObject())
                out.push_back(v);
        });
    return out;
}

/// An integer-ish value as text ("" unless a finite number).
std::string intText(Value n)
{
    if (!n.isNumber() || !std::isfinite(n.number()) || std::fabs(n.number()) >= 9.2e18)
        return "";
    return std::to_string(static_cast<long long>(n.number()));
}

std::string_view fileOf(const Frame& f)
{
    std::string_view file = f.absPath;
    if (file.empty())
        file = f.filename;
    if (file.empty())
        file = f.module;
    return file.empty() ? "<unknown>" : file;
}

std::string_view functionOf(const Frame& f)
{
    return f.function.empty() || f.function == "?" ? "<anonymous>" : f.function;
}

std::string headLine(const std::string& type, std::string_view value)
{
    return value.empty() ? type : type + ": " + std::string(value);
}

void renderPython(const std::vector<Frame>& frames, const std::string& head, std::string& out)
{
    if (!frames.empty())
    {
        out += "Traceback (most recent call last):\n";
        for (const Frame& f : frames)
        {
            out += "  File \"";
            out += fileOf(f);
            out += "\", line ";
            out += intText(f.lineno);
            out += ", in ";
            out += f.function.empty() ? std::string_view("<module>") : f.function;
            out += '\n';
            if (const std::string_view ctx = Text::trimAsciiSpace(f.contextLine); !ctx.empty())
            {
                out += "    ";
                out += ctx;
                out += '\n';
            }
        }
    }
    out += head;
}

void renderJs(const std::vector<Frame>& frames, const std::string& head, std::string& out)
{
    out += head;
    for (auto it = frames.rbegin(); it != frames.rend(); ++it)
    {
        const Frame& f = *it;
        const std::string line = intText(f.lineno);
        const std::string col = intText(f.colno);
        out += "\n    at ";
        out += functionOf(f);
        out += " (";
        out += fileOf(f);
        if (!line.empty())
            out += ":" + line;
        if (!line.empty() && !col.empty())
            out += ":" + col;
        out += ')';
    }
}

void renderOther(const std::vector<Frame>& frames, const std::string& head, std::string& out)
{
    out += head;
    for (auto it = frames.rbegin(); it != frames.rend(); ++it)
    {
        const Frame& f = *it;
        std::string fn(f.function);
        if (!f.module.empty() && fn.rfind(f.module, 0) != 0)
            fn = fn.empty() ? std::string(f.module) : std::string(f.module) + "." + fn;
        if (fn.empty())
            fn = "<unknown>";
        const std::string_view file = f.filename.empty() ? fileOf(f) : f.filename;
        const std::string line = intText(f.lineno);
        out += "\n  at ";
        out += fn;
        out += " (";
        out += file;
        if (!line.empty())
            out += ":" + line;
        out += ')';
    }
}

std::string messageOf(Value event)
{
    const Value le = event["logentry"];
    if (le.isObject())
    {
        if (const std::string_view f = text(le, "formatted"); !f.empty())
            return std::string(f);
        if (const std::string_view m = text(le, "message"); !m.empty())
            return std::string(m);
    }
    const Value m = event["message"];
    if (m.isString())
        return std::string(m.string());
    if (m.isObject())
    {
        if (const std::string_view f = text(m, "formatted"); !f.empty())
            return std::string(f);
        return std::string(text(m, "message"));
    }
    return "";
}

bool isJsPlatform(std::string_view platform)
{
    return platform == "javascript" || platform == "node";
}

/// A string, number or bool (what a tag may hold).
bool isScalar(Value v)
{
    return v.isString() || v.isNumber() || v.isBool();
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

void writeHeaders(Json::Writer& w, Value headers)
{
    static const std::set<std::string, std::less<>> secret = {"authorization", "cookie", "set-cookie", "x-api-key",
                                                              "proxy-authorization", "x-monlight-key", "x-sentry-auth"};
    auto isSecret = [](std::string_view key)
    {
        std::string k(key);
        std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        return secret.count(k) > 0;
    };
    w.beginObject();
    if (headers.isObject())
    {
        headers.uniqueMembers(
            [&](std::string_view k, Value v)
            {
                if (!isSecret(k) && v.isString())
                    w.field(k, v.string());
            });
    }
    else if (headers.isArray())
    {
        headers.elements(
            [&](Value pair)
            {
                if (!pair.isArray() || pair.size() != 2)
                    return;
                Value name, value;
                int i = 0;
                pair.elements([&](Value e) { (i++ ? value : name) = e; });
                if (name.isString() && value.isString() && !isSecret(name.string()))
                    w.field(name.string(), value.string());
            });
    }
    w.endObject();
}

/// The two elements of a two-element array (null, null otherwise).
std::pair<Value, Value> pairOf(Value a)
{
    std::pair<Value, Value> out;
    if (!a.isArray() || a.size() != 2)
        return out;
    int i = 0;
    a.elements([&](Value e) { (i++ ? out.second : out.first) = e; });
    return out;
}

} // namespace

std::string normalizeEventId(std::string_view id)
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

Rendered render(Value event)
{
    Rendered r;
    const std::string_view platform = text(event, "platform");
    r.javascript = isJsPlatform(platform);
    const bool python = platform == "python";
    const auto exceptions = objects(values(event, "exception"));
    const std::string fallbackType = r.javascript ? "Error" : "Exception";
    auto typeOf = [&](Value ex)
    {
        std::string t(text(ex, "type"));
        if (ex["mechanism"]["synthetic"].boolean())
            t.clear();
        return t.empty() ? fallbackType : t;
    };
    auto renderOne = [&](const std::vector<Frame>& frames, const std::string& head, std::string& out)
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
        const Value primary = exceptions.back();
        r.type = typeOf(primary);
        r.message = std::string(text(primary, "value"));
        if (r.message.empty())
            r.message = messageOf(event);
        if (python)
        {
            for (std::size_t i = 0; i < exceptions.size(); ++i)
            {
                if (i)
                    r.traceback += "\n\nDuring handling of the above exception, another exception occurred:\n\n";
                const Value ex = exceptions[i];
                renderOne(frames(framesOf(ex)), headLine(typeOf(ex), text(ex, "value")), r.traceback);
            }
        }
        else
            renderOne(frames(framesOf(primary)), headLine(r.type, text(primary, "value")), r.traceback);
        return r;
    }
    r.type = "Message";
    r.message = messageOf(event);
    // A message with a stack (attach_stacktrace): the crashed or current thread, else the first with frames.
    Value chosen;
    bool found = false;
    for (const Value t : objects(values(event, "threads")))
    {
        if (!framesOf(t).isArray())
            continue;
        const bool crashed = t["crashed"].boolean();
        const bool current = t["current"].boolean();
        if (!found || crashed || current)
            chosen = t, found = true;
        if (crashed)
            break;
    }
    if (found)
        renderOne(frames(framesOf(chosen)), headLine(r.type, r.message), r.traceback);
    else if (framesOf(event).isArray())
        renderOne(frames(framesOf(event)), headLine(r.type, r.message), r.traceback);
    return r;
}

std::string errorPayload(Value event, const std::string& project, const std::string& defaultEnvironment,
                         const MapLookup& maps)
{
    const Rendered r = render(event);
    const std::string_view platform = text(event, "platform");
    const std::string release(text(event, "release"));
    std::string environment(text(event, "environment"));
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

    const Value request = event["request"];
    std::string method(request.isObject() ? text(request, "method") : std::string_view());
    std::transform(method.begin(), method.end(), method.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    if (method.empty() && platform == "javascript")
        method = "BROWSER"; // a browser page: the error tracker's `source` is `browser` (§2.2)

    std::string userId;
    if (const Value user = event["user"]; user.isObject())
    {
        for (const char* k : {"id", "username", "email"})
        {
            const Value v = user[k];
            if (v.isString())
                userId = std::string(v.string());
            else if (v.isNumber())
                userId = v.compact();
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
        if (request.isObject())
        {
            if (const Value url = request["url"]; url.isString())
                w.field("request_url", url.string());
            if (const Value headers = request["headers"]; !headers.isNull())
            {
                w.key("request_headers");
                writeHeaders(w, headers);
            }
        }
        if (!method.empty())
            w.field("request_method", method);
        if (!userId.empty())
            w.field("user_id", userId);
        if (const Value fp = event["fingerprint"]; fp.isArray())
        {
            // The error tracker takes 1-16 non-empty parts of at most 1000 code points: empty parts are left out
            // and longer ones cut (at a code point boundary), so a valid Sentry event is never refused for them.
            std::vector<std::string> parts;
            fp.elements(
                [&](Value v)
                {
                    if (parts.size() >= 16)
                        return;
                    std::string part;
                    if (v.isString())
                        part = std::string(v.string());
                    else if (v.isNumber())
                        part = v.compact();
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
                });
            if (!parts.empty())
            {
                w.key("fingerprint").beginArray();
                for (const auto& p : parts)
                    w.value(p);
                w.endArray();
            }
        }
        w.key("extra").beginObject();
        const std::string eventId = normalizeEventId(text(event, "event_id"));
        if (!eventId.empty())
            w.field("event_id", eventId);
        for (const char* k : {"level", "platform", "release", "dist", "server_name", "transaction", "logger"})
            if (const Value v = event[k]; v.isString())
                w.field(k, v.string());
        if (const Value sdk = event["sdk"]; sdk.isObject())
        {
            w.key("sdk").beginObject();
            if (const Value n = sdk["name"]; n.isString())
                w.field("name", n.string());
            if (const Value v = sdk["version"]; v.isString())
                w.field("version", v.string());
            w.endObject();
        }
        if (const Value tags = event["tags"]; !tags.isNull())
        {
            w.key("tags").beginObject();
            if (tags.isObject())
            {
                tags.uniqueMembers(
                    [&](std::string_view k, Value v)
                    {
                        if (isScalar(v))
                            w.key(k).raw(v.compact());
                    });
            }
            else if (tags.isArray())
            {
                tags.elements(
                    [&](Value pair)
                    {
                        const auto [name, value] = pairOf(pair);
                        if (name.isString() && isScalar(value))
                            w.key(name.string()).raw(value.compact());
                    });
            }
            w.endObject();
        }
        const Value ctx = event["contexts"];
        if (const Value tid = ctx["trace"]["trace_id"]; tid.isString())
            w.field("trace_id", tid.string());
        if (ctx.isObject() && contexts)
        {
            w.key("contexts").beginObject();
            for (const char* k : {"runtime", "os", "browser", "device"})
                if (const Value c = ctx[k]; !c.isNull())
                    w.key(k).raw(c.compact());
            w.endObject();
        }
        if (breadcrumbs)
        {
            const Value crumbs = values(event, "breadcrumbs");
            const std::size_t n = crumbs.size();
            if (n)
            {
                w.key("breadcrumbs").beginArray();
                std::size_t i = 0;
                crumbs.elements(
                    [&](Value c)
                    {
                        if (i++ >= (n > 50 ? n - 50 : 0))
                            w.raw(c.compact());
                    });
                w.endArray();
            }
        }
        if (const Value extra = event["extra"]; !extra.isNull())
            w.key("extra").raw(extra.compact());
        if (const Value ts = event["timestamp"]; !ts.isNull())
            w.key("timestamp").raw(ts.compact());
        if (rewritten && rewrite.changed)
        {
            w.field("original_stack", r.traceback);
            if (sourceContext)
                StackRewriter::writeSourceContext(w, rewrite);
        }
        w.endObject().endObject();
        return w.take();
    };
    // `extra` kept ≤ 64 KiB: breadcrumbs go first, then contexts, then the source context. What `extra` adds is
    // measured against the payload built without them, which is needed only when the whole payload is larger.
    static constexpr std::size_t EXTRA_CAP = 64 * 1024;
    std::string out = build(true, true, true);
    if (out.size() <= EXTRA_CAP)
        return out;
    const std::size_t base = build(false, false, false).size();
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
