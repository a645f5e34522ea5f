#include "StackFrame.h"

#include <algorithm>
#include <limits>

namespace Monlight
{
namespace BrowserRelay
{

namespace
{

bool isBlank(char c)
{
    return c == ' ' || c == '\t';
}

bool parseNumber(std::string_view digits, int& out)
{
    if (digits.empty() || digits.size() > 9)
        return false;
    int v = 0;
    for (char c : digits)
    {
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    if (v < 1)
        return false;
    out = v;
    return true;
}

/// `file:line:col`, read from the right.
bool parseLocation(std::string_view location, std::string& file, int& line, int& column)
{
    const auto lastColon = location.rfind(':');
    if (lastColon == std::string_view::npos || lastColon == 0)
        return false;
    const auto prevColon = location.rfind(':', lastColon - 1);
    if (prevColon == std::string_view::npos || prevColon == 0)
        return false;
    if (!parseNumber(location.substr(lastColon + 1), column))
        return false;
    if (!parseNumber(location.substr(prevColon + 1, lastColon - prevColon - 1), line))
        return false;
    file = std::string(location.substr(0, prevColon));
    return !file.empty();
}

std::string_view trimBlanks(std::string_view s)
{
    std::size_t b = 0, e = s.size();
    while (b < e && isBlank(s[b]))
        ++b;
    while (e > b && isBlank(s[e - 1]))
        --e;
    return s.substr(b, e - b);
}

} // namespace

std::optional<StackFrame> StackFrame::parse(std::string_view raw)
{
    std::size_t indentEnd = 0;
    while (indentEnd < raw.size() && isBlank(raw[indentEnd]))
        ++indentEnd;
    const std::string_view t = trimBlanks(raw);

    StackFrame frame;
    frame.indent = std::string(raw.substr(0, indentEnd));
    std::string_view location;
    if (t.substr(0, 3) == "at ")
    {
        frame.style = Style::Chrome;
        const std::string_view rest = t.substr(3);
        const auto open = rest.rfind('(');
        if (!rest.empty() && rest.back() == ')' && open != std::string_view::npos)
        {
            location = rest.substr(open + 1, rest.size() - open - 2);
            frame.function = std::string(trimBlanks(rest.substr(0, open)));
        }
        else
        {
            location = rest;
        }
    }
    else
    {
        const auto at = t.find('@');
        if (at == std::string_view::npos)
            return std::nullopt;
        frame.style = Style::Firefox;
        frame.function = std::string(t.substr(0, at));
        location = t.substr(at + 1);
    }
    if (!parseLocation(location, frame.file, frame.line, frame.column))
        return std::nullopt;
    return frame;
}

std::string StackFrame::format(const std::optional<std::string>& mappedName, const std::string& source,
                               std::int64_t sourceLine, std::int64_t sourceColumn) const
{
    std::string name = function;
    if (mappedName && !mappedName->empty())
    {
        name = *mappedName;
        if (function.compare(0, 4, "new ") == 0)
            name = "new " + name;
        else if (function.compare(0, 6, "async ") == 0)
            name = "async " + name;
    }
    std::string where = source + ":" + std::to_string(sourceLine) + ":" + std::to_string(sourceColumn);
    // Names and sources come from an uploaded map: a line break in them must not add lines to the stack (the
    // mapped frames are indexes of its lines).
    for (std::string* s : {&name, &where})
        std::replace_if(s->begin(), s->end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    if (style == Style::Firefox)
        return indent + name + "@" + where;
    if (name.empty())
        return indent + "at " + where;
    return indent + "at " + name + " (" + where + ")";
}

} // namespace BrowserRelay
} // namespace Monlight
