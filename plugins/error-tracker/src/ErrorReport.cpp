#include "ErrorReport.h"

#include "Monlight/HttpError.h"
#include "Monlight/Json.h"

namespace Monlight
{
namespace ErrorTracker
{

namespace
{

std::string requireString(const Poco::JSON::Object& obj, const std::string& key)
{
    auto v = Json::getString(obj, key);
    if (!v)
        throw HttpError(400, "Missing required field: " + key);
    return *v;
}

std::optional<std::string> optionalJson(const Poco::JSON::Object& obj, const std::string& key)
{
    if (!Json::has(obj, key))
        return std::nullopt;
    return Json::stringify(obj.get(key));
}

} // namespace

ErrorReport ErrorReport::parse(std::string_view body, const std::string& defaultEnvironment)
{
    Poco::JSON::Object::Ptr obj = Json::parseObject(body);
    ErrorReport r;
    r.project = requireString(*obj, "project");
    r.exceptionType = requireString(*obj, "exception_type");
    r.message = requireString(*obj, "message");
    r.traceback = requireString(*obj, "traceback");

    std::size_t projectLen = Json::codePoints(r.project);
    if (projectLen < 1 || projectLen > 100)
        throw HttpError(400, "Field 'project' must be 1-100 characters");
    std::size_t typeLen = Json::codePoints(r.exceptionType);
    if (typeLen < 1 || typeLen > 200)
        throw HttpError(400, "Field 'exception_type' must be 1-200 characters");

    auto env = Json::getString(*obj, "environment");
    if (env && !env->empty())
    {
        if (Json::codePoints(*env) > 50)
            throw HttpError(400, "Field 'environment' must be 1-50 characters");
        r.environment = *env;
    }
    else
        r.environment = defaultEnvironment;

    if (auto url = Json::getString(*obj, "request_url"))
        r.requestUrl = Json::truncateChars(*url, 2048);
    if (auto method = Json::getString(*obj, "request_method"))
        r.requestMethod = Json::truncateChars(*method, 16);
    r.requestHeaders = optionalJson(*obj, "request_headers");

    if (Json::has(*obj, "user_id"))
    {
        Poco::Dynamic::Var uid = obj->get("user_id");
        if (uid.isString())
            r.userId = Json::truncateChars(uid.extract<std::string>(), 200);
        else if (uid.isNumeric() && !uid.isBoolean())
            r.userId = Json::truncateChars(Json::stringify(uid), 200);
    }

    r.extra = optionalJson(*obj, "extra");
    if (Poco::JSON::Object::Ptr extra = Json::getObject(*obj, "extra"))
        r.sessionId = Json::getString(*extra, "session_id");
    return r;
}

} // namespace ErrorTracker
} // namespace Monlight
