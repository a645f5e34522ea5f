#pragma once

#include "SourceMap.h"
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace Monlight
{
namespace Json
{
class Writer;
}
namespace BrowserRelay
{

/// Rewrites a browser stack with source maps (§5.10).
class StackRewriter
{
public:
    /// Returns the map for a frame's file (the URL as written in the stack), or null when there is none.
    using MapResolver = std::function<std::shared_ptr<const SourceMap>(const std::string& file)>;

    /// A frame line that was mapped.
    struct MappedFrame
    {
        std::size_t lineIndex = 0; ///< index of the line in the stack split on `\n`
        std::string source;
        std::int64_t line = 0; ///< 1-based original line (up to 2^31)
        std::shared_ptr<const std::string> content; ///< `sourcesContent` of the source, may be null
    };

    struct Result
    {
        std::string stack; ///< the rewritten stack (the input unchanged when no frame was mapped)
        bool changed = false;
        std::vector<MappedFrame> frames;
    };

    /// Maps every mappable frame line; other lines are copied. The resolver is asked once per distinct file.
    static Result rewrite(const std::string& stack, const MapResolver& resolve);

    /// Lines `line-2 … line+2` (1-based) of `content` split on `\n` (a trailing `\r` removed) that exist.
    static std::vector<std::pair<std::int64_t, std::string>> contextLines(const std::string& content,
                                                                          std::int64_t line);

    /// Writes `"source_context": [{"frame", "source", "line", "context": [{"line", "text"}…]}…]` into the open
    /// object of `w`: the first 5 mapped frames that have source content, each with its contextLines (a line's text
    /// cut to 200 code points). Writes nothing when no mapped frame has content.
    static void writeSourceContext(Json::Writer& w, const Result& rewrite);
};

} // namespace BrowserRelay
} // namespace Monlight
