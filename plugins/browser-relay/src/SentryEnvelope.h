#pragma once

#include <Poco/JSON/Object.h>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace Monlight
{
namespace BrowserRelay
{

/// A Sentry envelope (§11.3): a header line, then items, each a header line and a payload framed by `length`
/// or by the next newline.
class SentryEnvelope
{
public:
    struct Item
    {
        std::string type;                 ///< the item header's `type` ("" when absent)
        Poco::JSON::Object::Ptr header;   ///< the item header
        std::string_view payload;         ///< points into the parsed text
    };

    /// Parses `text` (which must outlive the result). Throws HttpError 400 `Invalid envelope: <reason>` on a
    /// framing error: bad header JSON, a `length` past the end or not a non-negative integer.
    static SentryEnvelope parse(const std::string& text);
    /// A temporary would leave the items' payloads dangling.
    static SentryEnvelope parse(std::string&&) = delete;

    Poco::JSON::Object::Ptr header; ///< never null (`{}` for an empty first line)
    std::vector<Item> items;
};

} // namespace BrowserRelay
} // namespace Monlight
