#pragma once

#include "RelayStore.h"
#include "SourceMap.h"
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace Monlight
{
namespace BrowserRelay
{

/// Which maps exist (an in-memory index of (project, release, fileKey) → id, so a miss costs no database
/// read) and the parsed maps themselves in an LRU bounded by estimated bytes (§5.9). Thread-safe.
class SourceMapCache
{
public:
    /// Reads the stored map JSON of an id (nothing when it no longer exists).
    using Loader = std::function<std::optional<std::string>(std::int64_t id)>;

    SourceMapCache(std::size_t budgetBytes, Loader loader);

    /// Replaces the index with `maps` (at start).
    void loadIndex(const std::vector<SourceMapRecord>& maps);
    /// A map was uploaded or replaced: indexes it and drops its parsed entry.
    void put(std::int64_t id, const std::string& project, const std::string& release,
             const std::string& fileKey);
    /// A map was deleted.
    void remove(std::int64_t id);

    /// The map for a stack frame's file within (project, release) per §5.8: exact fileKey, else the only map
    /// whose last path segment matches. Null when there is none or it cannot be parsed. Notes the use.
    std::shared_ptr<const SourceMap> find(const std::string& project, const std::string& release,
                                          const std::string& file, std::int64_t nowMs);

    /// Uses not yet written (id, ms), at most one per map per hour; cleared by this call.
    std::vector<std::pair<std::int64_t, std::int64_t>> takePendingUses();

    std::size_t cachedBytes() const;
    std::size_t cachedMaps() const;
    std::size_t indexedMaps() const;

private:
    struct IndexEntry
    {
        std::int64_t id;
        std::string fileKey;
        std::string lastSegment;
        std::string group;
        std::int64_t lastNotedMs;
    };
    struct Parsed
    {
        std::shared_ptr<const SourceMap> map;
        std::size_t bytes;
        std::list<std::int64_t>::iterator lru;
    };

    static std::string groupKey(const std::string& project, const std::string& release);
    std::optional<std::int64_t> select(const std::string& group, const std::string& file) const;
    void dropParsed(std::int64_t id);
    void insertParsed(std::int64_t id, std::shared_ptr<const SourceMap> map);

    const std::size_t _budget;
    Loader _loader;
    mutable std::mutex _mutex;
    std::unordered_map<std::int64_t, IndexEntry> _byId;
    std::unordered_map<std::string, std::vector<std::int64_t>> _byGroup;
    std::unordered_map<std::int64_t, Parsed> _parsed;
    std::list<std::int64_t> _lru; ///< most recently used first
    std::size_t _bytes = 0;
    std::set<std::int64_t> _broken; ///< stored content that does not parse (until replaced)
    std::unordered_map<std::int64_t, std::int64_t> _pending;
    std::uint64_t _generation = 0; ///< bumped on every change, so a parse racing an upload is not cached
};

} // namespace BrowserRelay
} // namespace Monlight
