#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace Monlight
{
namespace LogViewer
{

/// One json-file record (§3.8) as Docker wrote it.
struct DockerRecord
{
    std::string log;         ///< the `log` text, still with its trailing `\n` (absent on partial records)
    bool isStderr = false;   ///< `stream` == `stderr`; anything else is stdout
    std::int64_t timeMs = 0; ///< `time`, or the ingest time when missing/unparsable
};

/// Decoding of Docker json-file lines (§3.8). Pure functions.
class LineDecoder
{
public:
    /// Parses one physical line (without its `\n`) as a JSON object with a string `log`. Returns nothing when
    /// the line is not such an object (the caller counts it as `log_line_invalid`). `time` is read with
    /// Time::parseRfc3339 (any number of fraction digits, truncated to ms); unparsable → `ingestMs`.
    static std::optional<DockerRecord> decode(std::string_view line, std::int64_t ingestMs);

    /// True when the record's `log` is a Docker partial (does not end with `\n`).
    static bool isPartial(const DockerRecord& record)
    {
        return record.log.empty() || record.log.back() != '\n';
    }

    /// The stored text of a line: one trailing `\n` then one `\r` removed, invalid UTF-8 → U+FFFD, and with
    /// `stripAnsi` ANSI escape sequences (CSI, OSC, two-byte ESC) removed.
    static std::string cleanText(std::string_view text, bool stripAnsi);

    /// Removes ANSI escape sequences (§3.8).
    static std::string stripAnsi(std::string_view text);

    /// Largest prefix length ≤ `max` of `text` that does not cut a UTF-8 sequence (at least 1 when max ≥ 1
    /// and the text starts with an invalid byte).
    static std::size_t utf8Cut(std::string_view text, std::size_t max);
};

} // namespace LogViewer
} // namespace Monlight
