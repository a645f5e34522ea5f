#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

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
    /// `extra.event_id` when it is a string of 32 hex digits once dashes are removed, as lowercase hex (SPEC
    /// §11.5: a second report of the same event id in the same group is not stored again).
    std::optional<std::string> eventId;
    /// The optional `fingerprint` field (§11.5): 1-16 non-empty strings of at most 1000 chars each.
    std::optional<std::vector<std::string>> fingerprint;

    static constexpr std::size_t MAX_FINGERPRINT_PARTS = 16;
    static constexpr std::size_t MAX_FINGERPRINT_PART_CHARS = 1000;
};

} // namespace ErrorTracker
} // namespace Monlight
