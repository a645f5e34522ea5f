#include "CountCache.h"

namespace Monlight
{
namespace LogViewer
{

std::optional<CountCache::Hit> CountCache::find(const std::string& key, std::uint64_t generation) const
{
    std::lock_guard<std::mutex> lock(_mutex);
    auto it = _entries.find(key);
    if (it == _entries.end() || it->second.generation != generation || generation != _generation.load())
        return std::nullopt;
    return it->second.hit;
}

void CountCache::store(const std::string& key, std::uint64_t generation, std::int64_t upToId,
                       std::int64_t count)
{
    std::lock_guard<std::mutex> lock(_mutex);
    if (generation != _generation.load())
        return;
    if (_entries.size() >= _max && !_entries.count(key))
        _entries.clear(); // simple bound; searches repeat far more often than they vary
    _entries[key] = Entry{generation, Hit{upToId, count}};
}

} // namespace LogViewer
} // namespace Monlight
