#pragma once

#include "LevelDetector.h"
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace Monlight
{
namespace LogViewer
{

/// Selection of log entries shared by the query route (§3.2) and the live tail (§3.5).
struct LogFilter
{
    std::vector<std::string> containers; ///< any of these exact names; empty = all
    std::vector<Level> levels;           ///< any of these levels; empty = all
    std::optional<bool> isStderr;        ///< stream filter
    std::optional<std::string> match;    ///< FTS5 MATCH expression (bound, never pasted)
    std::optional<std::string> contains; ///< lower-cased ASCII substring (tail only)
    std::optional<std::int64_t> since;   ///< timestamp >= since (ms)
    std::optional<std::int64_t> until;   ///< timestamp <= until (ms)
    std::optional<std::string> traceId;  ///< exact trace id (§12)
    std::optional<bool> fromApi;         ///< `source_kind`: true = api, false = docker (§12)
    std::int64_t limit = 100;
    std::int64_t offset = 0;
};

} // namespace LogViewer
} // namespace Monlight
