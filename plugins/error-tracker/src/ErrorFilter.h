#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace Monlight
{
namespace ErrorTracker
{

/// Filters of `GET /api/errors` (already validated).
struct ErrorFilter
{
    std::optional<std::string> project;
    std::optional<std::string> environment;
    std::optional<bool> resolved;   ///< nothing = both
    std::optional<std::string> fts; ///< FTS5 MATCH expression
    std::optional<std::string> tsQuery; ///< the same search as PostgreSQL `to_tsquery('simple', ...)` text
    bool matchNothing = false;      ///< a search without any token
    std::optional<std::string> source;
    std::optional<std::string> sessionId;
    std::optional<std::int64_t> since;
    std::optional<std::int64_t> until;
    std::string sort = "last_seen"; ///< `last_seen`, `first_seen` or `count`
    std::int64_t limit = 50;
    std::int64_t offset = 0;
};

} // namespace ErrorTracker
} // namespace Monlight
