#include "AdminApi.h"

#include "FileKey.h"
#include "SentryIngest.h"
#include "SourceMap.h"
#include <Monlight/HttpError.h>
#include <Monlight/Json.h>
#include <Monlight/Time.h>
#include <Poco/Exception.h>
#include <cerrno>
#include <sys/random.h>

namespace Monlight
{
namespace BrowserRelay
{

namespace
{

std::string requireString(const Poco::JSON::Object& obj, const char* key)
{
    const auto v = Json::getString(obj, key);
    if (!v)
        throw HttpError(400, std::string("Missing required field: ") + key);
    return *v;
}

void requireLength(const std::string& value, const char* field, std::size_t max)
{
    const std::size_t n = Json::codePoints(value);
    if (n < 1 || n > max)
        throw HttpError(400, std::string("Field '") + field + "' must be 1-" + std::to_string(max) +
                                 " characters");
}

} // namespace

AdminApi::AdminApi(RelayStore& store, DsnKeyCache& keys, SourceMapCache& maps)
    : _store(store), _keys(keys), _maps(maps)
{
}

void AdminApi::addRoutes(Router& router, std::size_t sourceMapCap, std::int64_t perMinute)
{
    using namespace std::placeholders;
    // Every admin route: the admin key, counted per admin key on `admin_rate_limit`.
    auto admin = [perMinute](Route route) { return route.auth(AuthPolicy::AdminKey).limit(Limiter::Admin, perMinute); };
    router.add(admin(Route::post("/api/dsn-keys")).handle(std::bind(&AdminApi::createDsnKey, this, _1, _2)));
    router.add(admin(Route::get("/api/dsn-keys")).handle(std::bind(&AdminApi::listDsnKeys, this, _1, _2)));
    router.add(admin(Route::del("/api/dsn-keys/{id}")).handle(std::bind(&AdminApi::deactivateDsnKey, this, _1, _2)));
    router.add(admin(Route::post("/api/source-maps"))
                   .bodyCap(sourceMapCap)
                   .handle(std::bind(&AdminApi::uploadSourceMap, this, _1, _2)));
    router.add(admin(Route::get("/api/source-maps")).handle(std::bind(&AdminApi::listSourceMaps, this, _1, _2)));
    router.add(admin(Route::del("/api/source-maps/{id}")).handle(std::bind(&AdminApi::deleteSourceMap, this, _1, _2)));
}

std::string AdminApi::generateKey()
{
    unsigned char bytes[16];
    std::size_t got = 0;
    while (got < sizeof bytes)
    {
        const ssize_t n = getrandom(bytes + got, sizeof bytes - got, 0);
        if (n < 0)
        {
            if (errno == EINTR)
                continue;
            throw Poco::SystemException("getrandom failed");
        }
        got += static_cast<std::size_t>(n);
    }
    static const char* hex = "0123456789abcdef";
    std::string key;
    for (unsigned char b : bytes)
    {
        key += hex[b >> 4];
        key += hex[b & 15];
    }
    return key;
}

std::int64_t AdminApi::parseId(const std::string& segment)
{
    if (auto id = Monlight::parseId(segment))
        return *id;
    throw HttpError(400, "Invalid ID");
}

void AdminApi::createDsnKey(Request& req, Response& res)
{
    const auto obj = Json::parseObject(req.body());
    const std::string project = requireString(*obj, "project");
    requireLength(project, "project", 100);
    DsnKeyRecord rec;
    for (int attempt = 0;; ++attempt)
    {
        try
        {
            rec = _store.createDsnKey(project, generateKey(), Time::nowMs());
            break;
        }
        catch (const DuplicateKey&)
        {
            if (attempt == 2)
                throw; // 128 random bits do not collide; a repeated failure is a real error
        }
    }
    _keys.put(rec);
    Json::Writer w;
    w.beginObject()
        .field("id", rec.id)
        .field("public_key", rec.publicKey)
        .field("project", rec.project)
        .field("active", true)
        .field("created_at", Time::formatMs(rec.createdAt))
        .field("project_number", rec.id)
        .field("sentry_dsn", SentryIngest::dsn(req, _publicUrl, rec.publicKey, rec.id))
        .endObject();
    res.json(201, w.str());
}

void AdminApi::listDsnKeys(Request& req, Response& res)
{
    std::optional<bool> active;
    if (const auto a = req.query().get("active"))
    {
        if (*a == "true")
            active = true;
        else if (*a == "false")
            active = false;
        else
            throw HttpError(400, "Invalid parameter: active");
    }
    const auto keys = _store.dsnKeys(req.query().get("project"), active);
    Json::Writer w;
    w.beginObject().key("keys").beginArray();
    for (const auto& k : keys)
    {
        w.beginObject()
            .field("id", k.id)
            .field("public_key", k.publicKey)
            .field("project", k.project)
            .field("active", k.active)
            .field("created_at", Time::formatMs(k.createdAt));
        w.field("last_used_at", Time::formatMs(k.lastUsedAt));
        w.field("project_number", k.id).field("sentry_dsn", SentryIngest::dsn(req, _publicUrl, k.publicKey, k.id));
        w.endObject();
    }
    w.endArray().endObject();
    res.json(200, w.str());
}

void AdminApi::deactivateDsnKey(Request& req, Response& res)
{
    const std::int64_t id = parseId(req.pathParam("id"));
    const auto rec = _store.deactivateDsnKey(id);
    if (!rec)
        throw HttpError(404, "DSN key not found");
    _keys.put(*rec);
    Json::Writer w;
    w.beginObject().field("status", "deactivated").field("id", id).endObject();
    res.json(200, w.str());
}

void AdminApi::uploadSourceMap(Request& req, Response& res)
{
    const auto obj = Json::parseObject(req.body());
    const std::string project = requireString(*obj, "project");
    const std::string release = requireString(*obj, "release");
    const std::string fileUrl = requireString(*obj, "file_url");
    const Poco::Dynamic::Var content = obj->get("map_content");
    const bool isString = !content.isEmpty() && content.isString();
    const bool isObject = !content.isEmpty() && content.type() == typeid(Poco::JSON::Object::Ptr);
    if (!isString && !isObject)
        throw HttpError(400, "Missing required field: map_content");
    requireLength(project, "project", 100);
    requireLength(release, "release", 100);
    requireLength(fileUrl, "file_url", 500);

    std::string stored;
    try
    {
        if (isString)
        {
            stored = content.extract<std::string>();
            SourceMap::parse(stored);
        }
        else
        {
            const auto map = content.extract<Poco::JSON::Object::Ptr>();
            SourceMap::fromObject(*map);
            stored = Json::stringify(content);
        }
    }
    catch (const Poco::DataFormatException&)
    {
        throw HttpError(400, "Invalid source map format");
    }

    const std::string fileKey = FileKey::of(fileUrl);
    const auto up = _store.putSourceMap(project, release, fileKey, stored, Time::nowMs());
    _maps.put(up.id, project, release, fileKey);
    Json::Writer w;
    w.beginObject()
        .field("status", up.replaced ? "replaced" : "uploaded")
        .field("id", up.id)
        .field("project", project)
        .field("release", release)
        .field("file_url", fileKey)
        .field("size", static_cast<std::int64_t>(stored.size()))
        .endObject();
    res.json(up.replaced ? 200 : 201, w.str());
}

void AdminApi::listSourceMaps(Request& req, Response& res)
{
    const auto maps = _store.sourceMaps(req.query().get("project"), req.query().get("release"));
    Json::Writer w;
    w.beginObject().key("source_maps").beginArray();
    for (const auto& m : maps)
    {
        w.beginObject()
            .field("id", m.id)
            .field("project", m.project)
            .field("release", m.release)
            .field("file_url", m.fileUrl)
            .field("size", m.size)
            .field("uploaded_at", Time::formatMs(m.uploadedAt));
        w.field("last_used_at", Time::formatMs(m.lastUsedAt));
        w.endObject();
    }
    w.endArray().field("total", static_cast<std::int64_t>(maps.size())).endObject();
    res.json(200, w.str());
}

void AdminApi::deleteSourceMap(Request& req, Response& res)
{
    const std::int64_t id = parseId(req.pathParam("id"));
    const auto rec = _store.deleteSourceMap(id);
    if (!rec)
        throw HttpError(404, "Source map not found");
    _maps.remove(id);
    Json::Writer w;
    w.beginObject().field("status", "deleted").field("id", id).endObject();
    res.json(200, w.str());
}

} // namespace BrowserRelay
} // namespace Monlight
