#include "Base64Vlq.h"

#include <limits>

namespace Monlight
{
namespace BrowserRelay
{

int Base64Vlq::digitValue(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

bool Base64Vlq::decode(std::string_view text, std::size_t& pos, std::int32_t& value)
{
    std::uint64_t acc = 0;
    unsigned shift = 0;
    for (;;)
    {
        if (pos >= text.size())
            return false;
        const int digit = digitValue(text[pos++]);
        if (digit < 0)
            return false;
        // 33 bits (sign + 32-bit magnitude) is the most a valid value can need; anything longer overflows.
        if (shift > 32)
            return false;
        acc |= static_cast<std::uint64_t>(digit & 0x1f) << shift;
        shift += 5;
        if ((digit & 0x20) == 0)
            break;
    }
    const std::int64_t magnitude = static_cast<std::int64_t>(acc >> 1);
    const std::int64_t v = (acc & 1) ? -magnitude : magnitude;
    if (v < std::numeric_limits<std::int32_t>::min() || v > std::numeric_limits<std::int32_t>::max())
        return false;
    value = static_cast<std::int32_t>(v);
    return true;
}

bool Base64Vlq::decodeAll(std::string_view text, std::vector<std::int32_t>& values)
{
    std::size_t pos = 0;
    while (pos < text.size())
    {
        std::int32_t v = 0;
        if (!decode(text, pos, v))
            return false;
        values.push_back(v);
    }
    return true;
}

} // namespace BrowserRelay
} // namespace Monlight
