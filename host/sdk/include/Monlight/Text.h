#pragma once
/// Small text rules shared by the host, the SDK and every plugin: hexadecimal digits and unsigned decimals.
/// (UTF-8 rules live in Json.h, timestamps in Time.h.)

#include "Monlight/Version.h"
#include <cstdint>
#include <optional>
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

/// An unsigned decimal of 1 to `maxDigits` ASCII digits (leading zeros allowed; no sign, space, dot or any other
/// character) as its value; nothing otherwise. `maxDigits` is at most 18, so the value always fits in int64.
MONLIGHT_API std::optional<std::int64_t> parseDigits(std::string_view s, std::size_t maxDigits = 18);

} // namespace Text
} // namespace Monlight
