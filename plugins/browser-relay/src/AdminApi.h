#pragma once

#include "RelayStore.h"
#include "DsnKeyCache.h"
#include "SourceMapCache.h"
#include <Monlight/Http.h>

namespace Monlight
{
namespace BrowserRelay
{

/// The admin routes (§5.2, §5.3): DSN keys and source maps. Keeps the in-memory caches in step with the
/// store.
class AdminApi
{
public:
    AdminApi(RelayStore& store, DsnKeyCache& keys, SourceMapCache& maps);

    /// Declares the six admin routes (AuthPolicy::AdminKey); the upload route gets `sourceMapCap` as body
    /// cap.
    /// The admin routes: admin key, `perMinute` requests per admin key, source maps up to `sourceMapCap` bytes.
    void addRoutes(Router& router, std::size_t sourceMapCap, std::int64_t perMinute);

    void createDsnKey(Request& req, Response& res);
    void listDsnKeys(Request& req, Response& res);
    void deactivateDsnKey(Request& req, Response& res);
    void uploadSourceMap(Request& req, Response& res);
    void listSourceMaps(Request& req, Response& res);
    void deleteSourceMap(Request& req, Response& res);

    /// 32 lowercase hex characters from 16 bytes of the OS CSPRNG.
    static std::string generateKey();
    /// A `{id}` path segment (Monlight::parseId), else HttpError 400 `Invalid ID`.
    static std::int64_t parseId(const std::string& segment);
    /// §11.1: `browser-relay.public_url`, the base of the printed Sentry DSNs (empty = from the request).
    void setPublicUrl(std::string url) { _publicUrl = std::move(url); }

private:
    RelayStore& _store;
    DsnKeyCache& _keys;
    SourceMapCache& _maps;
    std::string _publicUrl;
};

} // namespace BrowserRelay
} // namespace Monlight
