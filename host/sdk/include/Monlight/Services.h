#pragma once

#include "Monlight/Http.h"
#include "Monlight/HttpError.h"
#include "Monlight/Version.h"
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace Monlight
{

/// Base of every object shared between plugins through the registry.
class MONLIGHT_API Service
{
public:
    virtual ~Service();
};

/// Host-wide registry of named services (OSP's service registry). Names: `auth`, `ratelimit`, `cors`
/// (from common), `error-tracker.ingest`, `metrics-collector.ingest`.
class MONLIGHT_API ServiceRegistry
{
public:
    /// Registers `service` under `name`; throws Poco::ExistsException when taken.
    void add(const std::string& name, std::shared_ptr<Service> service);
    void remove(const std::string& name);
    std::shared_ptr<Service> find(const std::string& name) const;
    template <typename T> std::shared_ptr<T> get(const std::string& name) const
    {
        return std::dynamic_pointer_cast<T>(find(name));
    }

private:
    mutable std::mutex _mutex;
    std::map<std::string, std::shared_ptr<Service>> _services;
};

/// API, admin and DSN key checks, registered as service `auth` (by `common`). Keys are compared by their SHA-256 in
/// constant time against every configured key; a key of another realm is not accepted.
class MONLIGHT_API AuthService : public Service
{
public:
    ~AuthService() override;
    /// Sets the keys of a realm (`error-tracker`, `browser-relay:admin`, ...). Keys are hashed once here.
    virtual void setKeys(const std::string& realm, const std::vector<std::string>& keys) = 0;
    /// Constant-time check of `presented` against every key of `realm` (SHA-256, all keys compared).
    /// Returns the matched configured key (the principal) or nothing.
    virtual std::optional<std::string> verify(const std::string& realm, const std::string& presented) const = 0;
    /// The browser relay installs the DSN lookup here.
    virtual void setDsnResolver(std::function<std::optional<DsnIdentity>(const std::string&)> resolver) = 0;
    virtual std::optional<DsnIdentity> resolveDsn(const std::string& key) const = 0;
};

/// Per-principal limiters and the brute-force guard, registered as service `ratelimit` (by `common`). A limiter is a
/// sliding 60 s window of one-second slots: a request is allowed iff the window's count is below the limit (so the
/// (N+1)-th request inside any 60 s is refused), rejected requests are not counted, and `retryAfter` is the
/// smallest whole number of seconds (1–60) after which the request would be allowed.
class MONLIGHT_API RateLimitService : public Service
{
public:
    ~RateLimitService() override;
    struct Decision
    {
        bool allowed = true;
        int retryAfter = 0; ///< seconds, 1–60, when not allowed
    };
    /// Counts one request of `principal` on limiter `limiter` (a name: `error-tracker:key`, ...) if it is
    /// below `perMinute`; 0 = unlimited.
    virtual Decision hit(const std::string& limiter, const std::string& principal, std::int64_t perMinute) = 0;
    /// Whether `ip` is blocked by the brute-force guard (limit = `host.auth_failure_limit`, 0 = off).
    virtual Decision authGuard(const std::string& ip, std::int64_t limit) = 0;
    /// Records one failed authentication of `ip`.
    virtual void recordAuthFailure(const std::string& ip) = 0;
};

/// Builds CORS policies from origin lists (see CorsPolicy), registered as service `cors` (by `common`).
class MONLIGHT_API CorsService : public Service
{
public:
    ~CorsService() override;
    /// Throws Poco::InvalidArgumentException naming a malformed origin pattern.
    virtual std::shared_ptr<CorsPolicy> makePolicy(const std::vector<std::string>& origins) const = 0;
};

/// Result of an in-process ingest: exactly the status and body the HTTP endpoint would answer.
struct MONLIGHT_API IngestReply
{
    int status = 0;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;

    /// The reply the HTTP endpoint gives for `e`: its status, HttpError::body() and its headers.
    static IngestReply fromError(const HttpError& e);
    /// Runs `work` and answers what it throws as the HTTP endpoint would: HttpError → fromError(), StorageError →
    /// fromError(toHttpError()), anything else → 500 `Internal server error`.
    static IngestReply answer(const std::function<IngestReply()>& work);
};

/// In-process ingest: same validation, storage and answer as the plugin's HTTP ingest route, without
/// authentication or rate limits (the caller did both).
/// Registered as `error-tracker.ingest` and `metrics-collector.ingest`.
class MONLIGHT_API JsonIngestService : public Service
{
public:
    ~JsonIngestService() override;
    virtual IngestReply ingest(const std::string& jsonBody) = 0;
};

} // namespace Monlight
