#include "DsnSeedList.h"

namespace Monlight
{
namespace BrowserRelay
{

namespace
{

std::string trim(const std::string& s)
{
    const auto b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos)
        return std::string();
    const auto e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

std::size_t codePoints(const std::string& s)
{
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80)
            ++n;
    return n;
}

} // namespace

bool DsnSeedList::isValidKey(const std::string& key)
{
    if (key.size() < 8 || key.size() > 64)
        return false;
    for (char c : key)
    {
        const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                        c == '_' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

bool DsnSeedList::parse(const std::string& value, std::vector<Entry>& entries, std::string& error)
{
    std::size_t start = 0;
    for (;;)
    {
        const auto comma = value.find(',', start);
        const std::string item =
            trim(value.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
        if (!item.empty())
        {
            const auto colon = item.find(':');
            if (colon == std::string::npos)
            {
                error = "malformed entry \"" + item.substr(0, 6) + "…\": expected project:key";
                return false;
            }
            Entry e{trim(item.substr(0, colon)), trim(item.substr(colon + 1))};
            const std::size_t projectChars = codePoints(e.project);
            if (projectChars < 1 || projectChars > 100)
            {
                error = "malformed entry for project \"" + e.project.substr(0, 100) +
                        "\": project must be 1-100 characters";
                return false;
            }
            if (!isValidKey(e.key))
            {
                error = "malformed entry for project \"" + e.project +
                        "\": key must be 8-64 characters of A-Z a-z 0-9 _ -";
                return false;
            }
            entries.push_back(std::move(e));
        }
        if (comma == std::string::npos)
            break;
        start = comma + 1;
    }
    return true;
}

} // namespace BrowserRelay
} // namespace Monlight
