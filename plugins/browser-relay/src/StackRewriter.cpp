#include "StackRewriter.h"

#include "StackFrame.h"
#include <Monlight/Json.h>
#include <map>

namespace Monlight
{
namespace BrowserRelay
{

StackRewriter::Result StackRewriter::rewrite(const std::string& stack, const MapResolver& resolve)
{
    Result result;
    std::map<std::string, std::shared_ptr<const SourceMap>> maps;
    std::string out;
    out.reserve(stack.size());
    std::size_t start = 0, index = 0;
    for (;;)
    {
        const auto nl = stack.find('\n', start);
        std::string_view line(stack.data() + start, (nl == std::string::npos ? stack.size() : nl) - start);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);

        bool rewritten = false;
        if (auto frame = StackFrame::parse(line))
        {
            auto found = maps.find(frame->file);
            if (found == maps.end())
                found = maps.emplace(frame->file, resolve(frame->file)).first;
            if (found->second)
            {
                if (auto pos = found->second->lookup(frame->line, frame->column))
                {
                    out += frame->format(pos->name, pos->source, pos->line, pos->column);
                    result.frames.push_back(MappedFrame{index, pos->source, pos->line, pos->content});
                    rewritten = true;
                }
            }
        }
        if (!rewritten)
            out.append(line.data(), line.size());
        if (nl == std::string::npos)
            break;
        out += '\n';
        start = nl + 1;
        ++index;
    }
    if (!result.frames.empty())
    {
        result.changed = out != stack;
        result.stack = std::move(out);
    }
    else
    {
        result.stack = stack;
    }
    return result;
}

std::vector<std::pair<std::int64_t, std::string>> StackRewriter::contextLines(const std::string& content,
                                                                             std::int64_t line)
{
    std::vector<std::pair<std::int64_t, std::string>> lines;
    const std::int64_t first = line - 2, last = line + 2;
    std::int64_t current = 1;
    std::size_t start = 0;
    while (current <= last)
    {
        const auto nl = content.find('\n', start);
        if (current >= first)
        {
            std::string text = content.substr(start, (nl == std::string::npos ? content.size() : nl) - start);
            if (!text.empty() && text.back() == '\r')
                text.pop_back();
            lines.emplace_back(current, std::move(text));
        }
        if (nl == std::string::npos)
            break;
        start = nl + 1;
        ++current;
    }
    return lines;
}

void StackRewriter::writeSourceContext(Json::Writer& w, const Result& rewrite)
{
    bool open = false;
    std::size_t entries = 0;
    for (const auto& frame : rewrite.frames)
    {
        if (!frame.content || entries == 5)
            continue;
        if (!open)
        {
            w.key("source_context").beginArray();
            open = true;
        }
        ++entries;
        w.beginObject()
            .field("frame", static_cast<std::int64_t>(frame.lineIndex))
            .field("source", frame.source)
            .field("line", frame.line)
            .key("context")
            .beginArray();
        for (const auto& [n, text] : contextLines(*frame.content, frame.line))
            w.beginObject().field("line", n).field("text", Json::truncateChars(text, 200)).endObject();
        w.endArray().endObject();
    }
    if (open)
        w.endArray();
}

} // namespace BrowserRelay
} // namespace Monlight
