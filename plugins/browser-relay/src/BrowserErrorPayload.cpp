#include "BrowserErrorPayload.h"

#include <Monlight/HttpError.h>
#include <Monlight/Json.h>

namespace Monlight
{
namespace BrowserRelay
{

namespace
{

bool isNumber(const Poco::Dynamic::Var& v)
{
    return !v.isEmpty() && v.isNumeric() && !v.isBoolean();
}

} // namespace

BrowserErrorPayload BrowserErrorPayload::parse(const std::string& body, const std::string& defaultEnvironment)
{
    const auto obj = Json::parseObject(body);
    BrowserErrorPayload p;
    const auto type = Json::getString(*obj, "type");
    if (!type)
        throw HttpError(400, "Missing required field: type");
    const auto message = Json::getString(*obj, "message");
    if (!message)
        throw HttpError(400, "Missing required field: message");
    const auto stack = Json::getString(*obj, "stack");
    if (!stack)
        throw HttpError(400, "Missing required field: stack");

    if (Json::has(*obj, "release"))
    {
        const auto release = Json::getString(*obj, "release");
        const std::size_t n = release ? Json::codePoints(*release) : 0;
        if (n < 1 || n > 100)
            throw HttpError(400, "Field 'release' must be 1-100 characters");
        p._release = release;
    }
    const auto environment = Json::getString(*obj, "environment");
    if (environment && !environment->empty())
    {
        if (Json::codePoints(*environment) > 50)
            throw HttpError(400, "Field 'environment' must be 1-50 characters");
        p._environment = *environment;
    }
    else
    {
        p._environment = defaultEnvironment;
    }

    p._type = type->empty() ? std::string("Error") : Json::truncateChars(*type, 200);
    p._message = *message;
    p._stack = *stack;
    if (const auto url = Json::getString(*obj, "url"))
        p._url = Json::truncateChars(*url, 2048);
    if (const auto ua = Json::getString(*obj, "user_agent"))
        p._userAgent = Json::truncateChars(*ua, 512);
    if (const auto sid = Json::getString(*obj, "session_id"))
    {
        const std::size_t n = Json::codePoints(*sid);
        if (n >= 1 && n <= 128)
            p._sessionId = sid;
    }
    const Poco::Dynamic::Var ts = obj->get("timestamp");
    if (!ts.isEmpty() && (ts.isString() || isNumber(ts)))
        p._timestampJson = Json::stringify(ts);
    if (const auto context = Json::getObject(*obj, "context"))
    {
        p._contextJson = Json::stringify(Poco::Dynamic::Var(context));
        const Poco::Dynamic::Var uid = context->get("user_id");
        if (!uid.isEmpty() && uid.isString())
            p._userId = uid.convert<std::string>();
        else if (isNumber(uid))
            p._userId = Json::stringify(uid);
    }
    return p;
}

std::string BrowserErrorPayload::build(const std::string& project, const StackRewriter::Result* rewrite) const
{
    std::string out = render(project, rewrite, true, true);
    if (out.size() > MAX_PAYLOAD)
        out = render(project, rewrite, false, true);
    if (out.size() > MAX_PAYLOAD)
        out = render(project, rewrite, false, false);
    return out;
}

std::string BrowserErrorPayload::render(const std::string& project, const StackRewriter::Result* rewrite,
                                        bool withContext, bool withOriginal) const
{
    const bool changed = rewrite && rewrite->changed;
    Json::Writer w;
    w.beginObject()
        .field("project", project)
        .field("environment", _environment)
        .field("exception_type", _type)
        .field("message", _message)
        .field("traceback", changed ? rewrite->stack : _stack)
        .field("request_method", "BROWSER");
    if (_url)
        w.field("request_url", *_url);
    if (_userId)
        w.field("user_id", *_userId);
    w.key("extra").beginObject();
    if (_userAgent)
        w.field("user_agent", *_userAgent);
    if (_sessionId)
        w.field("session_id", *_sessionId);
    if (_release)
        w.field("release", *_release);
    if (_timestampJson)
        w.key("timestamp").raw(*_timestampJson);
    if (_contextJson)
        w.key("context").raw(*_contextJson);
    if (changed && withOriginal)
        w.field("original_stack", _stack);
    if (rewrite && withContext)
        StackRewriter::writeSourceContext(w, *rewrite);
    w.endObject().endObject();
    return w.take();
}

} // namespace BrowserRelay
} // namespace Monlight
