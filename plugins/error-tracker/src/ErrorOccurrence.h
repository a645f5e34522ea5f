#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace Monlight
{
namespace ErrorTracker
{

/// One kept occurrence of a group.
struct ErrorOccurrence
{
    std::int64_t id = 0;
    std::int64_t timestamp = 0;
    std::optional<std::string> requestUrl;
    std::optional<std::string> requestMethod;
    std::optional<std::string> requestHeaders; ///< JSON text
    std::optional<std::string> userId;
    std::optional<std::string> sessionId;
    std::optional<std::string> extra; ///< JSON text
    std::string traceback;
};

} // namespace ErrorTracker
} // namespace Monlight
