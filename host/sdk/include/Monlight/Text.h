#pragma once
/// Small text rules shared by the host, the SDK and every plugin: hexadecimal digits, unsigned decimals, the
/// UTF-8 encoding of one code point and control characters. (UTF-8 validation lives in Json.h, timestamps in Time.h.)

#include "Monlight/Version.h"
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace Monlight
{
namespace Text
{

/// The value of one hexadecimal digit (`0`-`9`, `a`-`f`, `A`-`F`), or -1 for any other character.
constexpr int hexValue(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/// Reads exactly four hexadecimal digits at `s[pos]` (a JSON `\uXXXX` escape) into `out`. False when fewer than
/// four characters remain or one of them is not a hexadecimal digit.
inline bool readHex4(std::string_view s, std::size_t pos, std::uint32_t& out)
{
    if (pos + 4 > s.size())
        return false;
    out = 0;
    for (std::size_t i = pos; i < pos + 4; ++i)
    {
        const int v = hexValue(s[i]);
        if (v < 0)
            return false;
        out = (out << 4) | static_cast<std::uint32_t>(v);
    }
    return true;
}

/// Appends the UTF-8 encoding of code point `cp` (1 to 4 bytes) to `out`. The caller passes a Unicode scalar value
/// (at most U+10FFFF, not a surrogate); the function does not check it.
inline void appendUtf8(std::string& out, std::uint32_t cp)
{
    if (cp < 0x80)
        out += static_cast<char>(cp);
    else if (cp < 0x800)
    {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    else if (cp < 0x10000)
    {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    else
    {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

/// ASCII white space: space, tab, LF, CR, FF, VT (what Poco::trim and C's isspace in the C locale take).
inline bool isAsciiSpace(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/// `s` without ASCII white space (isAsciiSpace) at either end.
inline std::string_view trimAsciiSpace(std::string_view s)
{
    while (!s.empty() && isAsciiSpace(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && isAsciiSpace(s.back()))
        s.remove_suffix(1);
    return s;
}

/// True when `text` (valid UTF-8 assumed) holds a control character: U+0000-U+001F, U+007F or U+0080-U+009F
/// (the last encoded as C2 80 - C2 9F). Names (containers, metrics) must not hold one.
MONLIGHT_API bool hasControlChars(std::string_view text);

/// An unsigned decimal of 1 to `maxDigits` ASCII digits (leading zeros allowed; no sign, space, dot or any other
/// character) as its value; nothing otherwise. `maxDigits` is at most 18, so the value always fits in int64.
MONLIGHT_API std::optional<std::int64_t> parseDigits(std::string_view s, std::size_t maxDigits = 18);

} // namespace Text
} // namespace Monlight
