#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace Monlight
{
namespace ErrorTracker
{

/// One error group row (SPEC §2.10 `errors`).
struct ErrorGroup
{
    std::int64_t id = 0;
    std::string fingerprint;
    std::string project;
    std::string environment;
    std::string exceptionType;
    std::string message;   ///< cut to 1000 chars in list results
    std::string traceback; ///< empty in list results
    std::string source;
    std::int64_t count = 0;
    std::int64_t firstSeen = 0;
    std::int64_t lastSeen = 0;
    bool resolved = false;
    std::optional<std::int64_t> resolvedAt;
};

} // namespace ErrorTracker
} // namespace Monlight
