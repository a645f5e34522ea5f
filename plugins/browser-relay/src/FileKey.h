#pragma once

#include <string>
#include <string_view>

namespace Monlight
{
namespace BrowserRelay
{

/// The file keys that source maps are stored and selected by (§5.8).
class FileKey
{
public:
    /// `https://shop.example.com/static/app.min.js?v=3` → `/static/app.min.js`; `app.min.js` → `/app.min.js`.
    static std::string of(std::string_view url);
    /// The text after the last `/` of a file key (or of a URL).
    static std::string lastSegment(std::string_view key);
};

} // namespace BrowserRelay
} // namespace Monlight
