#include "ErrorReport.h"

#include "Monlight/HttpError.h"
#include "Monlight/Json.h"
#include "Monlight/Text.h"

namespace Monlight
{
namespace ErrorTracker
{

namespace
{

using Value = Json::Document::Value;

std::string requireString(Value v, const char* key)
{
    if (!v.isString())
        throw HttpError(400, std::string("Missing required field: ") + key);
    return std::string(v.string());
}

std::optional<std::string> optionalJson(Value v)
{
    if (v.isNull())
        return std::nullopt;
    return v.compact();
}

/// `extra.event_id` as 32 lowercase hex digits (dashes removed), or nothing when it is not such a string.
std::optional<std::string> normalizeEventId(std::string_view id)
{
    std::string out;
    out.reserve(32);
    for (char c : id)
    {
        if (c == '-')
            continue;
        int v = Text::hexValue(c);
        if (v < 0 || out.size() == 32)
            return std::nullopt;
        out += "0123456789abcdef"[v];
    }
    if (out.size() != 32)
        return std::nullopt;
    return out;
}

const char* const FINGERPRINT_RULE =
    "Field 'fingerprint' must be an array of 1-16 non-empty strings of at most 1000 characters";

} // namespace

ErrorReport ErrorReport::parse(std::string_view body, const std::string& defaultEnvironment)
{
    Json::Document doc(body);
    Value root = doc.root();
    if (!root.isObject())
        throw HttpError(400, "Request body must be a JSON object");

    // One walk over the members; the last of duplicate keys wins (§0.8).
    Value project, exceptionType, message, traceback, environment, requestUrl, requestMethod, requestHeaders,
        userId, extra, fingerprint;
    root.members(
        [&](std::string_view k, Value v)
        {
            switch (k.size())
            {
            case 5:
                if (k == "extra")
                    extra = v;
                break;
            case 7:
                if (k == "project")
                    project = v;
                else if (k == "message")
                    message = v;
                else if (k == "user_id")
                    userId = v;
                break;
            case 9:
                if (k == "traceback")
                    traceback = v;
                break;
            case 11:
                if (k == "environment")
                    environment = v;
                else if (k == "request_url")
                    requestUrl = v;
                else if (k == "fingerprint")
                    fingerprint = v;
                break;
            case 14:
                if (k == "exception_type")
                    exceptionType = v;
                else if (k == "request_method")
                    requestMethod = v;
                break;
            case 15:
                if (k == "request_headers")
                    requestHeaders = v;
                break;
            default:
                break;
            }
        });

    ErrorReport r;
    r.project = requireString(project, "project");
    r.exceptionType = requireString(exceptionType, "exception_type");
    r.message = requireString(message, "message");
    r.traceback = requireString(traceback, "traceback");

    std::size_t projectLen = Json::codePoints(r.project);
    if (projectLen < 1 || projectLen > 100)
        throw HttpError(400, "Field 'project' must be 1-100 characters");
    std::size_t typeLen = Json::codePoints(r.exceptionType);
    if (typeLen < 1 || typeLen > 200)
        throw HttpError(400, "Field 'exception_type' must be 1-200 characters");

    if (environment.isString() && !environment.string().empty())
    {
        if (Json::codePoints(environment.string()) > 50)
            throw HttpError(400, "Field 'environment' must be 1-50 characters");
        r.environment = std::string(environment.string());
    }
    else
        r.environment = defaultEnvironment;

    if (!fingerprint.isNull())
    {
        if (!fingerprint.isArray() || fingerprint.size() < 1 || fingerprint.size() > MAX_FINGERPRINT_PARTS)
            throw HttpError(400, FINGERPRINT_RULE);
        std::vector<std::string> parts;
        parts.reserve(fingerprint.size());
        fingerprint.elements(
            [&](Value part)
            {
                if (!part.isString() || part.string().empty() ||
                    Json::codePoints(part.string()) > MAX_FINGERPRINT_PART_CHARS)
                    throw HttpError(400, FINGERPRINT_RULE);
                parts.emplace_back(part.string());
            });
        r.fingerprint = std::move(parts);
    }

    if (requestUrl.isString())
        r.requestUrl = Json::truncateChars(requestUrl.string(), 2048);
    if (requestMethod.isString())
        r.requestMethod = Json::truncateChars(requestMethod.string(), 16);
    r.requestHeaders = optionalJson(requestHeaders);

    if (userId.isString())
        r.userId = Json::truncateChars(userId.string(), 200);
    else if (userId.isNumber())
        r.userId = Json::truncateChars(userId.compact(), 200);

    r.extra = optionalJson(extra);
    if (extra.isObject())
    {
        Value session = extra["session_id"];
        if (session.isString())
            r.sessionId = std::string(session.string());
        Value eventId = extra["event_id"];
        if (eventId.isString())
            r.eventId = normalizeEventId(eventId.string());
    }
    return r;
}

} // namespace ErrorTracker
} // namespace Monlight
