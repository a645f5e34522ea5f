#pragma once

#include "Monlight/Version.h"
#include <Poco/Exception.h>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace Monlight
{

/// An error that maps to an HTTP answer with the JSON body `{"detail":"<text>"}` (plus the members of
/// `extraJson`, e.g. `,"index":3`, after `detail`). Handlers throw it; only the dispatcher (and the in-process
/// ingest services) turn it into a response, always through body().
class MONLIGHT_API HttpError : public Poco::Exception
{
public:
    HttpError(int status, const std::string& detail);
    HttpError(const HttpError&) = default;
    ~HttpError() noexcept override;

    const char* name() const noexcept override;
    const char* className() const noexcept override;
    Poco::Exception* clone() const override;
    void rethrow() const override;

    int status() const { return _status; }
    const std::string& detail() const { return message(); }

    /// Adds a response header (e.g. `Retry-After`, `Allow`).
    HttpError& header(const std::string& name, const std::string& value);
    /// Adds `"retry_after":N` to the body and a `Retry-After: N` header.
    HttpError& retryAfter(int seconds);
    /// Adds `"index":i` to the body (first invalid batch item).
    HttpError& index(std::size_t i);
    /// Asks the dispatcher to close the connection after the answer.
    HttpError& closeConnection();

    const std::vector<std::pair<std::string, std::string>>& headers() const { return _headers; }
    const std::string& extraJson() const { return _extraJson; }
    /// The answer's body: detailBody(detail(), extraJson()).
    std::string body() const;
    /// `{"detail":"<detail>"<extraJson>}`, the one error body of every route (detail escaped as a JSON string).
    static std::string detailBody(std::string_view detail, std::string_view extraJson = {});
    bool closesConnection() const { return _close; }

private:
    int _status;
    std::vector<std::pair<std::string, std::string>> _headers;
    std::string _extraJson;
    bool _close = false;
};

class StorageError;

/// The answer to a database that cannot take the work: Busy → 503 `Server busy` with `Retry-After: 1`, Stopping →
/// 503 `Shutting down` (closing the connection), Unavailable → 503 `Database unavailable`.
MONLIGHT_API HttpError toHttpError(const StorageError& e);

/// Fatal startup problem with its process exit code (sysexits: 65 bad data, 70 internal or plugin, 71 system,
/// 73 cannot create, 78 configuration) and the single stderr line `monlight-host: <category>: <subject>: <reason>`.
class MONLIGHT_API StartupError : public Poco::Exception
{
public:
    StartupError(int exitCode, const std::string& category, const std::string& subject, const std::string& reason);
    StartupError(const StartupError&) = default;
    ~StartupError() noexcept override;

    const char* name() const noexcept override;
    Poco::Exception* clone() const override;
    void rethrow() const override;

    int exitCode() const { return _exitCode; }
    /// `monlight-host: <category>: <subject>: <reason>`
    std::string line() const;

private:
    int _exitCode;
    std::string _category, _subject, _reason;
};

} // namespace Monlight
