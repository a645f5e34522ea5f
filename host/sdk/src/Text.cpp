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

} // namespace Text
} // namespace Monlight
