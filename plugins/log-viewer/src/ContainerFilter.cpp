#include "ContainerFilter.h"

namespace Monlight
{
namespace LogViewer
{

namespace
{

/// Length of the UTF-8 character starting at `p` (1 for bytes that do not start a multi-byte sequence).
std::size_t charLength(unsigned char c)
{
    if (c >= 0xF0)
        return 4;
    if (c >= 0xE0)
        return 3;
    if (c >= 0xC0)
        return 2;
    return 1;
}

} // namespace

ContainerFilter::ContainerFilter(const std::vector<std::string>& patterns)
{
    for (const auto& p : patterns)
    {
        if (p.empty())
            continue;
        if (p[0] == '!')
        {
            if (p.size() > 1)
                _exclude.push_back(p.substr(1));
        }
        else
            _include.push_back(p);
    }
}

bool ContainerFilter::watches(const std::string& name) const
{
    bool included = _include.empty();
    for (const auto& p : _include)
    {
        if (globMatch(p, name))
        {
            included = true;
            break;
        }
    }
    if (!included)
        return false;
    for (const auto& p : _exclude)
    {
        if (globMatch(p, name))
            return false;
    }
    return true;
}

bool ContainerFilter::globMatch(std::string_view pattern, std::string_view text)
{
    // Iterative matcher with single backtrack point for the last `*` (linear in practice, no recursion).
    std::size_t p = 0, t = 0;
    std::size_t starP = std::string_view::npos, starT = 0;
    while (t < text.size())
    {
        if (p < pattern.size() && pattern[p] == '*')
        {
            starP = p++;
            starT = t;
        }
        else if (p < pattern.size() && pattern[p] == '?')
        {
            ++p;
            t += charLength(static_cast<unsigned char>(text[t]));
        }
        else if (p < pattern.size() && pattern[p] == text[t])
        {
            ++p;
            ++t;
        }
        else if (starP != std::string_view::npos)
        {
            p = starP + 1;
            starT += charLength(static_cast<unsigned char>(text[starT]));
            t = starT;
        }
        else
            return false;
    }
    if (t > text.size())
        return false;
    while (p < pattern.size() && pattern[p] == '*')
        ++p;
    return p == pattern.size();
}

} // namespace LogViewer
} // namespace Monlight
