#pragma once

#include <Poco/JSON/Object.h>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

namespace Monlight
{
namespace BrowserRelay
{

/// Web Vitals from Sentry performance items (§11.5): transactions with `measurements`, standalone v1 spans and
/// v2 span containers → `web_vitals_{lcp,inp,cls,fcp,ttfb}` histogram points as §5.7 stores them. Remembers the
/// page of each pageload segment for 30 minutes (at most 10 000), because @sentry/browser 11 sends LCP, CLS and
/// INP as later spans that carry no URL.
class SentryVitals
{
public:
    explicit SentryVitals(bool normalizePageIds) : _normalize(normalizePageIds) {}

    /// The `POST /api/metrics` body for one item (`transaction` or `span`), `count` = points (0 = nothing to send).
    std::string metrics(const std::string& itemType, const Poco::JSON::Object& payload, const std::string& project,
                        std::size_t& count);

    static constexpr std::size_t MAX_PAGES = 10000;
    static constexpr std::int64_t PAGE_TTL_MS = 30LL * 60 * 1000;

private:
    std::string page(const std::string& url) const;
    void remember(const std::string& spanId, const std::string& page);
    std::string recall(const std::string& spanId);

    bool _normalize;
    std::mutex _mutex;
    struct Entry
    {
        std::string page;
        std::int64_t atMs = 0;
        std::list<std::string>::iterator order;
    };
    std::unordered_map<std::string, Entry> _pages;
    std::list<std::string> _order; ///< oldest first
};

} // namespace BrowserRelay
} // namespace Monlight
