#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace Monlight
{
namespace ErrorTracker
{

/// One validated error report (the body of `POST /api/errors`, SPEC §2.2), with the stored truncations
/// applied.
class ErrorReport
{
public:
    /// Parses and validates a request body in the order of §2.2. Throws HttpError 400 with the exact `detail`
    /// of the first failing rule; nothing else is thrown for bad input.
    static ErrorReport parse(std::string_view body, const std::string& defaultEnvironment);

    /// True when `request_method` is exactly `BROWSER` (source `browser`).
    bool fromBrowser() const { return requestMethod && *requestMethod == "BROWSER"; }

    std::string project;
    std::string environment;
    std::string exceptionType;
    std::string message;
    std::string traceback;
    std::optional<std::string> requestUrl;     ///< truncated to 2048 chars
    std::optional<std::string> requestMethod;  ///< truncated to 16 chars
    std::optional<std::string> requestHeaders; ///< compact JSON text
    std::optional<std::string> userId;         ///< string, or the JSON text of a number; ≤ 200 chars
    std::optional<std::string> extra;          ///< compact JSON text
    std::optional<std::string> sessionId;      ///< `extra.session_id` when it is a string
};

} // namespace ErrorTracker
} // namespace Monlight
