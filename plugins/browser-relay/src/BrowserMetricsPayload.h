#pragma once

#include <cstddef>
#include <string>

namespace Monlight
{
namespace BrowserRelay
{

/// Validation and label enrichment of `POST /api/browser/metrics` (§5.7, with the §4.2 rules and messages).
class BrowserMetricsPayload
{
public:
    struct Options
    {
        std::string project; ///< the DSN key's project
        bool normalizePageIds = true;
        std::size_t maxItems = 1000; ///< the collector's default `max_batch_items`
        std::size_t maxLabels = 32;  ///< the collector's default `max_labels`
    };

    /// Validates `body` and returns the bare JSON array forwarded to the collector; `items` receives the item
    /// count. Throws HttpError 400 (item errors carry `index`).
    static std::string build(const std::string& body, const Options& options, std::size_t& items);
};

} // namespace BrowserRelay
} // namespace Monlight
