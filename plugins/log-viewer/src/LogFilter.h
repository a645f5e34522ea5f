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
    std::optional<std::string> contains; ///< lower-cased ASCII substring (tail, and `search_mode=substring`)
    std::optional<std::int64_t> since;   ///< timestamp >= since (ms)
    std::optional<std::int64_t> until;   ///< timestamp <= until (ms)
    std::optional<std::string> traceId;  ///< exact trace id (§12)
    std::optional<bool> fromApi;         ///< `source_kind`: true = api, false = docker (§12)
    /// `host` (query route only): a host name as an error event's `server_name` gives it: the container of that
    /// name, or (8 to 64 hex digits) the container whose id starts with it (inside Docker the host name is the id).
    std::optional<std::string> host;
    std::int64_t limit = 100;
    std::int64_t offset = 0;
    /// Keyset paging of the query route: only entries strictly older than this one in (timestamp, id) order.
    std::optional<std::int64_t> beforeId;
    /// The timestamp of `beforeId` when the client knows it (else looked up).
    std::optional<std::int64_t> beforeTs;
};

} // namespace LogViewer
} // namespace Monlight
