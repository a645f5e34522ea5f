#pragma once

#include "Monlight/Version.h"
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace Monlight
{

/// Who may call a route. A missing or wrong key is 401; every 401 on an API_KEY or ADMIN_KEY route counts towards
/// the per-IP brute-force guard (`host.auth_failure_limit`); DSN failures do not.
enum class AuthPolicy
{
    None,     ///< open (health, UI); counted on the per-IP limiter
    ApiKey,   ///< the plugin's `api_key` in X-API-Key
    AdminKey, ///< the plugin's `admin_api_key` in X-API-Key
    Dsn,      ///< a browser DSN key in X-Monlight-Key (or `?key=` when the route allows the query key)
    Sentry    ///< the handler authenticates and rate-limits by the DSN it finds in the request (the relay's Sentry
              ///< ingest); no per-IP limit
};

/// The identity behind an active DSN key (its project), answered by the hook the browser relay installs in the
/// AuthService.
struct DsnIdentity
{
    std::int64_t id = 0;
    std::string project;
};

/// Decoded query string: pairs split on `&` and their first `=`, last occurrence wins, `+` → space, `%XX` decoded
/// (a malformed `%` sequence is kept literally), a key without `=` has the value "".
class MONLIGHT_API QueryParams
{
public:
    QueryParams() = default;
    explicit QueryParams(const std::string& rawQuery);
    /// The value, or nothing when absent or empty (empty = absent).
    std::optional<std::string> get(const std::string& name) const;
    /// The value even when empty; nothing when the key is absent.
    std::optional<std::string> getRaw(const std::string& name) const;
    bool has(const std::string& name) const { return get(name).has_value(); }
    const std::map<std::string, std::string>& all() const { return _values; }

    /// Lenient `limit`: unparsable/≤0 → dflt, above max → max.
    std::int64_t limit(const std::string& name, std::int64_t dflt, std::int64_t max) const;
    /// Lenient `offset`: unparsable/negative → 0.
    std::int64_t offset(const std::string& name) const;

private:
    std::map<std::string, std::string> _values;
};

/// A request as seen by a handler, after routing, authentication, limits and the body cap.
class MONLIGHT_API Request
{
public:
    virtual ~Request();
    virtual const std::string& method() const = 0; ///< `HEAD` requests report `HEAD`
    virtual const std::string& path() const = 0;   ///< without query and without the combined-listener prefix
    virtual const QueryParams& query() const = 0;
    /// A `{name}` placeholder of the route pattern.
    virtual std::string pathParam(const std::string& name) const = 0;
    virtual std::string header(const std::string& name, const std::string& dflt = "") const = 0;
    virtual bool hasHeader(const std::string& name) const = 0;
    virtual const std::string& clientIp() const = 0;
    virtual const std::string& requestId() const = 0;
    /// The key that authenticated the request (API/admin/DSN key), empty for AuthPolicy::None.
    virtual const std::string& principal() const = 0;
    /// For AuthPolicy::Dsn routes: the key's identity.
    virtual const std::optional<DsnIdentity>& dsn() const = 0;
    /// The whole body, read once with the route's cap (413 via HttpError when exceeded, chunked included).
    virtual const std::string& body() = 0;
    /// The underlying Poco request (for streaming responses).
    virtual Poco::Net::HTTPServerRequest& raw() = 0;
};

/// The response of a handler. Common headers (X-Request-Id, nosniff, CORS) are already set by the dispatcher.
class MONLIGHT_API Response
{
public:
    virtual ~Response();
    virtual void setHeader(const std::string& name, const std::string& value) = 0;
    /// Sends a JSON body with `Cache-Control: no-store`.
    virtual void json(int status, const std::string& body) = 0;
    /// Sends a body with the given content type (no body on HEAD).
    virtual void send(int status, const std::string& contentType, const std::string& body) = 0;
    virtual bool sent() const = 0;
    /// Takes the connection out of the HTTP server for a long-lived response (SSE). The caller writes the status
    /// line and headers itself (use headBlock()) and owns the socket; the worker thread returns at once.
    virtual Poco::Net::StreamSocket detach() = 0;
    /// The dispatcher's headers (request id, nosniff, CORS) as `Name: value\r\n` lines, for detached responses.
    virtual std::string headBlock() const = 0;
};

/// A `{id}` path segment: 1 to 18 ASCII digits (leading zeros allowed) with a value of at least 1; nothing
/// otherwise (a sign, a space, `1e3`, non-ASCII digits). Routes answer 404 (or 400 `Invalid ID`) for nothing.
MONLIGHT_API std::optional<std::int64_t> parseId(std::string_view segment);

using Handler = std::function<void(Request&, Response&)>;

/// An origin allow-list (implemented by `common`, obtained through CorsService). Entries: an exact origin
/// (compared ASCII case-insensitively), a pattern with one `*` matching at least one character without `/`, `:`
/// or `@`, or `*` alone (every origin).
class MONLIGHT_API CorsPolicy
{
public:
    virtual ~CorsPolicy();
    /// Exact origins and `https://*.example.com` wildcards (any depth of subdomain, not the apex).
    virtual bool allows(const std::string& origin) const = 0;
    /// Headers for a response to an allowed origin (Access-Control-Allow-Origin, Vary, Expose-Headers).
    virtual std::vector<std::pair<std::string, std::string>> responseHeaders(const std::string& origin) const = 0;
    /// Headers answering a preflight from an allowed origin for the requested method/headers.
    virtual std::vector<std::pair<std::string, std::string>>
    preflightHeaders(const std::string& origin, const std::string& requestMethod,
                     const std::string& requestHeaders) const = 0;
};

/// The rate limiters a route is counted on. Which ones apply follows from its AuthPolicy; each limiter is one
/// sliding 60 s window per principal, shared by every route of the plugin that counts on it.
enum class Limiter
{
    Ip,     ///< AuthPolicy::None: per client IP, host-wide; default `host.ip_rate_limit`
    Key,    ///< AuthPolicy::ApiKey: per API key; default the plugin's `rate_limit`
    Admin,  ///< AuthPolicy::AdminKey: per admin key; default unlimited
    DsnIp,  ///< AuthPolicy::Dsn: per (DSN key, client IP); default the plugin's `rate_limit`
    Dsn     ///< AuthPolicy::Dsn: per DSN key over all IPs; default unlimited
};

/// One route and its whole posture, declared in one statement:
///
///     router.add(Route::post("/api/errors").auth(AuthPolicy::ApiKey).bodyCap(256 * 1024)
///                    .handle([this](Request& q, Response& r) { postError(q, r); }));
///
/// Pattern: an exact path with optional `{name}` segments (`/api/errors/{id}`); a pattern ending in `/*` matches
/// every path below it (UI assets). One trailing `/` in a request path is ignored except below a `/*` pattern.
/// Exact paths win over placeholders, placeholders over `/*`. The host checks, in this order: CORS (when declared),
/// the route for the method (404, 405 with `Allow`), authentication and the limiters of the auth policy, the body
/// cap, then calls the handler. Every route must state its auth policy and a handler; Router::add() throws
/// Poco::InvalidArgumentException otherwise, or for a limiter its policy does not count on.
class MONLIGHT_API Route
{
public:
    /// `GET` routes also answer `HEAD` (without a body).
    static Route get(std::string pattern);
    static Route post(std::string pattern);
    static Route del(std::string pattern);
    /// An `OPTIONS` route whose handler answers preflights by its own rules (the relay's Sentry ingest echoes the
    /// requested headers); a route with cors() needs none, the host answers its preflights.
    static Route options(std::string pattern);

    /// Who may call it (required).
    Route& auth(AuthPolicy policy);
    /// Accepts the key in the query when its header is absent: `?api_key=` (ApiKey, for EventSource, which cannot
    /// send headers) or `?key=`/`?dsn=` (Dsn, for sendBeacon).
    Route& queryKey();
    /// CORS for this route's path: every `OPTIONS` on it is a preflight answered by the host (204 to an allowed
    /// `Origin`, `Allow` without `Origin`, 403 `Origin not allowed` otherwise, counted on the per-IP limiter), a
    /// present but disallowed `Origin` on any other method gets 403 before anything else, and every answer to an
    /// allowed origin carries the CORS headers. A non-empty `area` (a path prefix ending in `/`) extends this to
    /// the paths below it that no route matches: their `OPTIONS` are preflights, their 404 carry the headers.
    Route& cors(std::shared_ptr<CorsPolicy> policy, std::string area = {});
    /// Per-minute limit of one of the limiters the auth policy counts on (0 = unlimited), instead of its default.
    Route& limit(Limiter limiter, std::int64_t perMinute);
    /// Largest accepted body in bytes, instead of the plugin's `max_body_size`: a larger Content-Length is
    /// refused with 413 before anything is read, and so is a chunked body once it grows past the cap.
    Route& bodyCap(std::size_t bytes);
    /// An HTML page: adds Content-Security-Policy, Referrer-Policy: no-referrer and X-Frame-Options: DENY.
    Route& uiPage();
    /// The handler (required), called after every check above passed.
    Route& handle(Handler handler);

    const std::string& method() const { return _method; }
    const std::string& pattern() const { return _pattern; }
    const std::optional<AuthPolicy>& authPolicy() const { return _auth; }
    bool acceptsQueryKey() const { return _queryKey; }
    const CorsPolicy* corsPolicy() const { return _cors.get(); }
    const std::string& corsArea() const { return _corsArea; }
    /// The limit set with limit(), or nothing (the limiter's default applies).
    std::optional<std::int64_t> limitOf(Limiter limiter) const;
    std::size_t maxBody() const { return _bodyCap; } ///< 0 = the plugin's `max_body_size`
    bool isUiPage() const { return _uiPage; }
    const Handler& handler() const { return _handler; }

private:
    Route(std::string method, std::string pattern);

    std::string _method;
    std::string _pattern;
    std::optional<AuthPolicy> _auth;
    bool _queryKey = false;
    std::shared_ptr<CorsPolicy> _cors;
    std::string _corsArea;
    std::vector<std::pair<Limiter, std::int64_t>> _limits;
    std::size_t _bodyCap = 0;
    bool _uiPage = false;
    Handler _handler;
};

/// Route table of one plugin.
class MONLIGHT_API Router
{
public:
    virtual ~Router();
    /// Adds a route (see Route for the checks).
    virtual void add(Route route) = 0;
};

} // namespace Monlight
