#include "DsnKeyCache.h"

namespace Monlight
{
namespace BrowserRelay
{

void DsnKeyCache::load(const std::vector<DsnKeyRecord>& keys)
{
    std::unique_lock<std::shared_mutex> lock(_mutex);
    _keys.clear();
    for (const auto& k : keys)
        _keys[k.publicKey] = Entry{k.id, k.project, k.active, k.lastUsedAt.value_or(0)};
}

void DsnKeyCache::put(const DsnKeyRecord& key)
{
    std::unique_lock<std::shared_mutex> lock(_mutex);
    auto& e = _keys[key.publicKey];
    e.id = key.id;
    e.project = key.project;
    e.active = key.active;
}

std::optional<DsnIdentity> DsnKeyCache::resolve(const std::string& key, std::int64_t nowMs)
{
    DsnIdentity id;
    bool note = false;
    {
        std::shared_lock<std::shared_mutex> lock(_mutex);
        const auto it = _keys.find(key);
        if (it == _keys.end() || !it->second.active)
            return std::nullopt;
        id.id = it->second.id;
        id.project = it->second.project;
        note = nowMs - it->second.lastNotedMs >= 60000;
    }
    if (note)
    {
        {
            std::unique_lock<std::shared_mutex> lock(_mutex);
            const auto it = _keys.find(key);
            if (it != _keys.end())
                it->second.lastNotedMs = nowMs;
        }
        std::lock_guard<std::mutex> lock(_pendingMutex);
        _pending[id.id] = nowMs;
    }
    return id;
}

std::vector<std::pair<std::int64_t, std::int64_t>> DsnKeyCache::takePendingUses()
{
    std::lock_guard<std::mutex> lock(_pendingMutex);
    std::vector<std::pair<std::int64_t, std::int64_t>> out(_pending.begin(), _pending.end());
    _pending.clear();
    return out;
}

std::size_t DsnKeyCache::size() const
{
    std::shared_lock<std::shared_mutex> lock(_mutex);
    return _keys.size();
}

} // namespace BrowserRelay
} // namespace Monlight
