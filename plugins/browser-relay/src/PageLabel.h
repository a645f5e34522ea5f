#pragma once

#include <string>
#include <string_view>

namespace Monlight
{
namespace BrowserRelay
{

/// The `page` label of browser metrics (§5.7).
class PageLabel
{
public:
    /// Path of a page URL: after the authority when `url` contains `://`, up to `?`/`#`; `/` when empty.
    static std::string path(std::string_view url);
    /// Replaces all-digit, UUID and ≥16-hex-digit segments with `{id}`; cuts to 200 chars.
    static std::string normalize(std::string_view path);
};

} // namespace BrowserRelay
} // namespace Monlight
