#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace Monlight
{
namespace BrowserRelay
{

/// One mappable line of a browser stack trace (§5.8): a Chrome/V8 `at fn (file:line:col)` frame or a
/// Firefox/Safari `fn@file:line:col` frame whose location has a line and a column.
struct StackFrame
{
    enum class Style
    {
        Chrome,
        Firefox
    };
    Style style = Style::Chrome;
    std::string indent;   ///< leading spaces/tabs of the original line
    std::string function; ///< may be empty
    std::string file;
    int line = 0;   ///< 1-based
    int column = 0; ///< 1-based

    /// Parses one stack line (without its `\n`). Nothing when it is not a frame or its location is not
    /// mappable.
    static std::optional<StackFrame> parse(std::string_view line);

    /// The rewritten line (§5.10) for a mapped position; `mappedName` replaces the function when non-empty
    /// (keeping a `new `/`async ` prefix).
    std::string format(const std::optional<std::string>& mappedName, const std::string& source,
                       std::int64_t sourceLine, std::int64_t sourceColumn) const;
};

} // namespace BrowserRelay
} // namespace Monlight
