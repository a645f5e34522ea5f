#include "Monlight/Text.h"

namespace Monlight
{
namespace Text
{

std::optional<std::int64_t> parseDigits(std::string_view s, std::size_t maxDigits)
{
    if (s.empty() || s.size() > maxDigits || s.size() > 18)
        return std::nullopt;
    std::int64_t v = 0;
    for (char c : s)
    {
        if (c < '0' || c > '9')
            return std::nullopt;
        v = v * 10 + (c - '0');
    }
    return v;
}

bool hasControlChars(std::string_view text)
{
    for (std::size_t i = 0; i < text.size(); ++i)
    {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x20 || c == 0x7F)
            return true;
        if (c == 0xC2 && i + 1 < text.size())
        {
            const auto d = static_cast<unsigned char>(text[i + 1]);
            if (d >= 0x80 && d <= 0x9F)
                return true;
        }
    }
    return false;
}

} // namespace Text
} // namespace Monlight
