#pragma once

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
        std::string type;         ///< the item header's `type` ("" when absent or not a string)
        std::string_view payload; ///< points into the parsed text
    };

    /// Parses `text` (which must outlive the result). Throws HttpError 400 `Invalid envelope: <reason>` on a
    /// framing error: a header line that is not a JSON object, a `length` past the end or not a non-negative
    /// integer.
    static SentryEnvelope parse(const std::string& text);
    /// A temporary would leave the items' payloads dangling.
    static SentryEnvelope parse(std::string&&) = delete;

    std::string eventId; ///< the envelope header's `event_id` as sent ("" when absent or not a string)
    std::string dsn;     ///< the envelope header's `dsn` ("" when absent or not a string)
    std::vector<Item> items;
};

} // namespace BrowserRelay
} // namespace Monlight
