#include "Monlight/HttpError.h"

#include "Monlight/Database.h"
#include "Monlight/Json.h"

namespace Monlight
{

HttpError::HttpError(int status, const std::string& detail) : Poco::Exception(detail, status), _status(status) {}

HttpError::~HttpError() noexcept = default;

const char* HttpError::name() const noexcept
{
    return "HTTP error";
}

const char* HttpError::className() const noexcept
{
    return typeid(*this).name();
}

Poco::Exception* HttpError::clone() const
{
    return new HttpError(*this);
}

void HttpError::rethrow() const
{
    throw *this;
}

HttpError& HttpError::header(const std::string& name, const std::string& value)
{
    _headers.emplace_back(name, value);
    return *this;
}

HttpError& HttpError::retryAfter(int seconds)
{
    _extraJson += ",\"retry_after\":" + std::to_string(seconds);
    return header("Retry-After", std::to_string(seconds));
}

HttpError& HttpError::index(std::size_t i)
{
    _extraJson += ",\"index\":" + std::to_string(i);
    return *this;
}

std::string HttpError::detailBody(std::string_view detail, std::string_view extraJson)
{
    std::string out = "{\"detail\":";
    Json::appendQuoted(out, detail);
    out.append(extraJson);
    out += '}';
    return out;
}

std::string HttpError::body() const
{
    return detailBody(detail(), _extraJson);
}

HttpError& HttpError::closeConnection()
{
    _close = true;
    return *this;
}

HttpError toHttpError(const StorageError& e)
{
    switch (e.reason())
    {
    case StorageError::Reason::Busy:
        return HttpError(503, "Server busy").header("Retry-After", "1");
    case StorageError::Reason::Stopping:
        return HttpError(503, "Shutting down").closeConnection();
    case StorageError::Reason::Unavailable:
        break;
    }
    return HttpError(503, "Database unavailable");
}

StartupError::StartupError(int exitCode, const std::string& category, const std::string& subject,
                           const std::string& reason)
    : Poco::Exception(subject + ": " + reason, exitCode), _exitCode(exitCode), _category(category),
      _subject(subject), _reason(reason)
{
}

StartupError::~StartupError() noexcept = default;

const char* StartupError::name() const noexcept
{
    return "startup error";
}

Poco::Exception* StartupError::clone() const
{
    return new StartupError(*this);
}

void StartupError::rethrow() const
{
    throw *this;
}

std::string StartupError::line() const
{
    return "monlight-host: " + _category + ": " + _subject + ": " + _reason;
}

} // namespace Monlight
