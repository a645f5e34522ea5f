#pragma once

#include "LogEntry.h"
#include "LogFilter.h"
#include "Monlight/Http.h"
#include <optional>
#include <string>
#include <string_view>

namespace Monlight
{
namespace LogViewer
{

/// Turns query parameters into a LogFilter (§3.2, §3.5) and evaluates filters in memory for live entries.
class FilterParser
{
public:
    /// `container`, `level`, `stream`, `search`/`q`, `search_mode`, `since`, `until`, `limit`, `offset` of
    /// §3.2 and `trace_id`, `source_kind` of §12. Throws HttpError 400 `Invalid parameter: <name>`.
    static LogFilter parseQuery(const QueryParams& q, std::int64_t nowMs);

    /// `container`, `level`, `stream`, `contains` of §3.5 (and `trace_id`, `source_kind` of §12). Throws
    /// HttpError 400 `Invalid parameter: <name>`.
    static LogFilter parseTail(const QueryParams& q);

    /// `LEVEL` (exact) or `>=LEVEL`; nothing when unparsable.
    static std::optional<std::vector<Level>> parseLevelFilter(const std::string& value);

    /// The `search_mode=words` rewrite: every whitespace-separated word as a quoted FTS5 phrase (inner `"`
    /// doubled), words without any token dropped; nothing when no word is left.
    static std::optional<std::string> wordsToFts(const std::string& text);

    /// Whether `entry` passes the container/level/stream/contains/trace/source-kind parts of `filter` (live tail).
    static bool matches(const LogFilter& filter, const LogEntry& entry);

    /// ASCII lower-casing (the `contains` folding).
    static std::string asciiLower(std::string_view s);
};

} // namespace LogViewer
} // namespace Monlight
