#include "Fingerprint.h"

#include <Poco/DigestEngine.h>
#include <Poco/MD5Engine.h>

namespace Monlight
{
namespace ErrorTracker
{

namespace
{

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

bool isHex(char c)
{
    return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool isBlank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

bool isAsciiSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string_view trimBlanks(std::string_view s)
{
    while (!s.empty() && isBlank(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && isBlank(s.back()))
        s.remove_suffix(1);
    return s;
}

std::string_view trimSpaces(std::string_view s)
{
    while (!s.empty() && isAsciiSpace(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && isAsciiSpace(s.back()))
        s.remove_suffix(1);
    return s;
}

/// Splits `s` into (text before the final `:<digits>`, digits); false when it does not end that way.
bool splitTrailingNumber(std::string_view s, std::string_view& before, std::string_view& digits)
{
    std::size_t end = s.size();
    std::size_t i = end;
    while (i > 0 && isDigit(s[i - 1]))
        --i;
    if (i == end || i == 0 || s[i - 1] != ':')
        return false;
    digits = s.substr(i);
    before = s.substr(0, i - 1);
    return true;
}

bool isUuidAt(std::string_view s, std::size_t pos)
{
    static const int groups[] = {8, 4, 4, 4, 12};
    if (s.size() - pos < 36)
        return false;
    std::size_t p = pos;
    for (int g = 0; g < 5; ++g)
    {
        for (int k = 0; k < groups[g]; ++k, ++p)
        {
            if (!isHex(s[p]))
                return false;
        }
        if (g < 4)
        {
            if (s[p] != '-')
                return false;
            ++p;
        }
    }
    return true;
}

} // namespace

namespace
{
std::string md5Hex(std::string_view text)
{
    Poco::MD5Engine md5;
    md5.update(text.data(), static_cast<unsigned>(text.size()));
    return Poco::DigestEngine::digestToHex(md5.digest());
}
} // namespace

std::string Fingerprint::key(std::string_view project, std::string_view exceptionType, std::string_view traceback,
                             std::string_view message)
{
    std::string k;
    std::string loc = location(traceback, message);
    k.reserve(project.size() + exceptionType.size() + loc.size() + 2);
    k.append(project).append(1, ':').append(exceptionType).append(1, ':').append(loc);
    return k;
}

std::string Fingerprint::compute(std::string_view project, std::string_view exceptionType,
                                 std::string_view traceback, std::string_view message)
{
    return md5Hex(key(project, exceptionType, traceback, message));
}

std::string Fingerprint::compute(std::string_view project, std::string_view exceptionType,
                                 std::string_view traceback, std::string_view message,
                                 const std::vector<std::string>* parts)
{
    if (!parts || parts->empty())
        return compute(project, exceptionType, traceback, message);
    std::string text(project);
    text += ':';
    std::string defaultKey;
    bool first = true;
    for (const auto& part : *parts)
    {
        if (!first)
            text += '\x1f';
        first = false;
        if (part == "{{ default }}" || part == "{{default}}")
        {
            if (defaultKey.empty())
                defaultKey = key(project, exceptionType, traceback, message);
            text += defaultKey;
        }
        else
            text += part;
    }
    return md5Hex(text);
}

std::string Fingerprint::location(std::string_view traceback, std::string_view message)
{
    std::string loc = pythonLocation(traceback);
    if (!loc.empty())
        return loc;
    loc = javaScriptLocation(traceback);
    if (!loc.empty())
        return loc;
    if (!trimSpaces(traceback).empty())
        return normalize(traceback);
    return normalize(message);
}

std::string Fingerprint::pythonLocation(std::string_view tb)
{
    static const std::string_view marker = "File \"";
    static const std::string_view lineMarker = ", line ";
    std::string best;
    bool found = false;
    std::size_t pos = tb.find(marker);
    while (pos != std::string_view::npos)
    {
        std::size_t pathStart = pos + marker.size();
        std::size_t quote = tb.find('"', pathStart);
        if (quote != std::string_view::npos && tb.substr(quote + 1, lineMarker.size()) == lineMarker)
        {
            std::size_t digitsStart = quote + 1 + lineMarker.size();
            std::size_t digitsEnd = digitsStart;
            while (digitsEnd < tb.size() && isDigit(tb[digitsEnd]))
                ++digitsEnd;
            if (digitsEnd > digitsStart)
            {
                best.assign(tb.data() + pathStart, quote - pathStart);
                best += ':';
                best.append(tb.data() + digitsStart, digitsEnd - digitsStart);
                found = true;
            }
        }
        pos = tb.find(marker, pos + 1);
    }
    return found ? best : std::string();
}

std::string Fingerprint::javaScriptLocation(std::string_view tb)
{
    std::size_t start = 0;
    while (start <= tb.size())
    {
        std::size_t nl = tb.find('\n', start);
        std::size_t end = nl == std::string_view::npos ? tb.size() : nl;
        std::string_view line = trimBlanks(tb.substr(start, end - start));
        if (!line.empty())
        {
            std::string_view text;
            bool candidate = false;
            if (line.substr(0, 3) == "at ")
            {
                std::string_view rest = line.substr(3);
                std::size_t open = rest.rfind('(');
                if (!rest.empty() && rest.back() == ')' && open != std::string_view::npos)
                    text = rest.substr(open + 1, rest.size() - open - 2);
                else
                    text = rest;
                candidate = true;
            }
            else
            {
                std::size_t at = line.find('@');
                if (at != std::string_view::npos)
                {
                    text = line.substr(at + 1);
                    candidate = true;
                }
            }
            if (candidate)
            {
                std::string loc = parseJsLocationText(text);
                if (!loc.empty())
                    return loc;
            }
        }
        if (nl == std::string_view::npos)
            break;
        start = nl + 1;
    }
    return std::string();
}

std::string Fingerprint::parseJsLocationText(std::string_view text)
{
    text = trimBlanks(text);
    std::string_view r, a;
    if (!splitTrailingNumber(text, r, a))
        return std::string();
    std::string_view file = r, line = a;
    std::string_view r2, b;
    if (splitTrailingNumber(r, r2, b))
    {
        file = r2;
        line = b;
    }
    if (file.empty())
        return std::string();
    std::string loc(file);
    loc += ':';
    loc.append(line.data(), line.size());
    return loc;
}

std::string Fingerprint::normalize(std::string_view text)
{
    std::string noUuid;
    noUuid.reserve(text.size());
    for (std::size_t i = 0; i < text.size();)
    {
        if (isHex(text[i]) && isUuidAt(text, i))
        {
            noUuid += "{uuid}";
            i += 36;
        }
        else
            noUuid += text[i++];
    }
    std::string out;
    out.reserve(noUuid.size());
    for (std::size_t i = 0; i < noUuid.size();)
    {
        if (isDigit(noUuid[i]))
        {
            out += '0';
            while (i < noUuid.size() && isDigit(noUuid[i]))
                ++i;
        }
        else
            out += noUuid[i++];
    }
    return out;
}

} // namespace ErrorTracker
} // namespace Monlight
