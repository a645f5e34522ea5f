#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace Monlight
{
namespace LogViewer
{

/// Stored log levels in ascending severity (§3.10).
enum class Level
{
    Debug = 0,
    Info = 1,
    Warning = 2,
    Error = 3,
    Critical = 4
};

/// Level parsing and detection of §3.10. Pure functions.
class LevelDetector
{
public:
    /// `parseLevel` of §3.10: case-insensitive, whole string (`warn`, `Error`, `fatal`). Nothing if unknown.
    static std::optional<Level> parse(std::string_view s);

    /// `DEBUG`, `INFO`, `WARNING`, `ERROR`, `CRITICAL`.
    static const char* name(Level level);

    /// Detects the level of an entry from its first line (rules 1–5), else the stream default (rule 6).
    static Level detect(std::string_view message, bool isStderr, Level stderrDefault);

    /// Rules 1–5 only, on the first line of `message`; nothing when none matches.
    static std::optional<Level> detectExplicit(std::string_view message);
};

} // namespace LogViewer
} // namespace Monlight
