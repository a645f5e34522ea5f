#include "FileKey.h"

namespace Monlight
{
namespace BrowserRelay
{

std::string FileKey::of(std::string_view url)
{
    std::string key;
    const auto scheme = url.find("://");
    if (scheme != std::string_view::npos)
    {
        const auto slash = url.find('/', scheme + 3);
        key = slash == std::string_view::npos ? std::string("/") : std::string(url.substr(slash));
    }
    else
    {
        key = std::string(url);
        if (key.empty() || key[0] != '/')
            key.insert(key.begin(), '/');
    }
    const auto cut = key.find_first_of("?#");
    if (cut != std::string::npos)
        key.erase(cut);
    if (key.empty())
        key = "/";
    return key;
}

std::string FileKey::lastSegment(std::string_view key)
{
    const auto slash = key.rfind('/');
    return std::string(slash == std::string_view::npos ? key : key.substr(slash + 1));
}

} // namespace BrowserRelay
} // namespace Monlight
