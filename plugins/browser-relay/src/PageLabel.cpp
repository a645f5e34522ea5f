#include "PageLabel.h"

#include <cctype>

namespace Monlight
{
namespace BrowserRelay
{

namespace
{

bool isHex(char c)
{
    return std::isxdigit(static_cast<unsigned char>(c)) != 0;
}

bool allDigits(std::string_view s)
{
    if (s.empty())
        return false;
    for (char c : s)
        if (c < '0' || c > '9')
            return false;
    return true;
}

bool allHex(std::string_view s)
{
    for (char c : s)
        if (!isHex(c))
            return false;
    return true;
}

bool isUuid(std::string_view s)
{
    static const int groups[] = {8, 4, 4, 4, 12};
    std::size_t pos = 0;
    for (int g = 0; g < 5; ++g)
    {
        if (g > 0)
        {
            if (pos >= s.size() || s[pos] != '-')
                return false;
            ++pos;
        }
        const auto len = static_cast<std::size_t>(groups[g]);
        if (pos + len > s.size() || !allHex(s.substr(pos, len)))
            return false;
        pos += len;
    }
    return pos == s.size();
}

bool isId(std::string_view segment)
{
    return allDigits(segment) || isUuid(segment) || (segment.size() >= 16 && allHex(segment));
}

/// Cuts UTF-8 text to at most `max` code points.
std::string cutChars(const std::string& s, std::size_t max)
{
    std::size_t chars = 0;
    for (std::size_t i = 0; i < s.size(); ++i)
    {
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80)
        {
            if (chars == max)
                return s.substr(0, i);
            ++chars;
        }
    }
    return s;
}

} // namespace

std::string PageLabel::path(std::string_view url)
{
    std::string_view rest = url;
    const auto scheme = url.find("://");
    if (scheme != std::string_view::npos)
    {
        const auto slash = url.find('/', scheme + 3);
        rest = slash == std::string_view::npos ? std::string_view() : url.substr(slash);
    }
    const auto cut = rest.find_first_of("?#");
    if (cut != std::string_view::npos)
        rest = rest.substr(0, cut);
    return rest.empty() ? std::string("/") : std::string(rest);
}

std::string PageLabel::normalize(std::string_view path)
{
    std::string out;
    out.reserve(path.size());
    std::size_t start = 0;
    for (;;)
    {
        const auto slash = path.find('/', start);
        const std::string_view segment =
            path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
        if (isId(segment))
            out += "{id}";
        else
            out.append(segment.data(), segment.size());
        if (slash == std::string_view::npos)
            break;
        out += '/';
        start = slash + 1;
    }
    return cutChars(out, 200);
}

} // namespace BrowserRelay
} // namespace Monlight
