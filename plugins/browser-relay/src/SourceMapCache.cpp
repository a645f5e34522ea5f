#include "SourceMapCache.h"

#include "FileKey.h"
#include <Poco/Exception.h>

namespace Monlight
{
namespace BrowserRelay
{

SourceMapCache::SourceMapCache(std::size_t budgetBytes, Loader loader)
    : _budget(budgetBytes), _loader(std::move(loader))
{
}

std::string SourceMapCache::groupKey(const std::string& project, const std::string& release)
{
    std::string key = project;
    key += '\0';
    key += release;
    return key;
}

void SourceMapCache::loadIndex(const std::vector<SourceMapRecord>& maps)
{
    std::lock_guard<std::mutex> lock(_mutex);
    _byId.clear();
    _byGroup.clear();
    _parsed.clear();
    _lru.clear();
    _bytes = 0;
    _broken.clear();
    ++_generation;
    for (const auto& m : maps)
    {
        const std::string group = groupKey(m.project, m.release);
        _byId[m.id] =
            IndexEntry{m.id, m.fileUrl, FileKey::lastSegment(m.fileUrl), group, m.lastUsedAt.value_or(0)};
        _byGroup[group].push_back(m.id);
    }
}

void SourceMapCache::put(std::int64_t id, const std::string& project, const std::string& release,
                         const std::string& fileKey)
{
    std::lock_guard<std::mutex> lock(_mutex);
    ++_generation;
    dropParsed(id);
    _broken.erase(id);
    if (_byId.count(id))
        return; // replaced in place: same key, same id
    const std::string group = groupKey(project, release);
    _byId[id] = IndexEntry{id, fileKey, FileKey::lastSegment(fileKey), group, 0};
    _byGroup[group].push_back(id);
}

void SourceMapCache::remove(std::int64_t id)
{
    std::lock_guard<std::mutex> lock(_mutex);
    ++_generation;
    dropParsed(id);
    _broken.erase(id);
    _pending.erase(id);
    const auto it = _byId.find(id);
    if (it == _byId.end())
        return;
    auto& ids = _byGroup[it->second.group];
    for (auto i = ids.begin(); i != ids.end(); ++i)
    {
        if (*i == id)
        {
            ids.erase(i);
            break;
        }
    }
    if (ids.empty())
        _byGroup.erase(it->second.group);
    _byId.erase(it);
}

std::optional<std::int64_t> SourceMapCache::select(const std::string& group, const std::string& file) const
{
    const auto g = _byGroup.find(group);
    if (g == _byGroup.end())
        return std::nullopt;
    const std::string key = FileKey::of(file);
    for (const auto id : g->second)
        if (_byId.at(id).fileKey == key)
            return id;
    const std::string last = FileKey::lastSegment(key);
    std::optional<std::int64_t> only;
    for (const auto id : g->second)
    {
        if (_byId.at(id).lastSegment == last)
        {
            if (only)
                return std::nullopt; // ambiguous
            only = id;
        }
    }
    return only;
}

std::shared_ptr<const SourceMap> SourceMapCache::find(const std::string& project, const std::string& release,
                                                      const std::string& file, std::int64_t nowMs)
{
    std::int64_t id = 0;
    std::uint64_t generation = 0;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        const auto selected = select(groupKey(project, release), file);
        if (!selected || _broken.count(*selected))
            return nullptr;
        id = *selected;
        auto& entry = _byId.at(id);
        if (nowMs - entry.lastNotedMs >= 3600000)
        {
            entry.lastNotedMs = nowMs;
            _pending[id] = nowMs;
        }
        const auto p = _parsed.find(id);
        if (p != _parsed.end())
        {
            _lru.splice(_lru.begin(), _lru, p->second.lru);
            return p->second.map;
        }
        generation = _generation;
    }

    // Parse outside the lock: a large map takes milliseconds and other requests must not wait for it.
    const auto content = _loader(id);
    if (!content)
        return nullptr;
    std::shared_ptr<const SourceMap> map;
    try
    {
        map = SourceMap::parse(*content);
    }
    catch (const Poco::Exception&)
    {
        std::lock_guard<std::mutex> lock(_mutex);
        if (generation == _generation)
            _broken.insert(id);
        return nullptr;
    }
    std::lock_guard<std::mutex> lock(_mutex);
    if (generation == _generation && !_parsed.count(id))
        insertParsed(id, map);
    return map;
}

void SourceMapCache::insertParsed(std::int64_t id, std::shared_ptr<const SourceMap> map)
{
    const std::size_t bytes = map->estimatedBytes();
    if (bytes > _budget)
        return;
    while (_bytes + bytes > _budget && !_lru.empty())
        dropParsed(_lru.back());
    _lru.push_front(id);
    _parsed[id] = Parsed{std::move(map), bytes, _lru.begin()};
    _bytes += bytes;
}

void SourceMapCache::dropParsed(std::int64_t id)
{
    const auto it = _parsed.find(id);
    if (it == _parsed.end())
        return;
    _bytes -= it->second.bytes;
    _lru.erase(it->second.lru);
    _parsed.erase(it);
}

std::vector<std::pair<std::int64_t, std::int64_t>> SourceMapCache::takePendingUses()
{
    std::lock_guard<std::mutex> lock(_mutex);
    std::vector<std::pair<std::int64_t, std::int64_t>> out(_pending.begin(), _pending.end());
    _pending.clear();
    return out;
}

std::size_t SourceMapCache::cachedBytes() const
{
    std::lock_guard<std::mutex> lock(_mutex);
    return _bytes;
}

std::size_t SourceMapCache::cachedMaps() const
{
    std::lock_guard<std::mutex> lock(_mutex);
    return _parsed.size();
}

std::size_t SourceMapCache::indexedMaps() const
{
    std::lock_guard<std::mutex> lock(_mutex);
    return _byId.size();
}

} // namespace BrowserRelay
} // namespace Monlight
