#include "RelayJobs.h"

namespace Monlight
{
namespace BrowserRelay
{

RelayJobs::RelayJobs(RelayStore& store, DsnKeyCache& keys, SourceMapCache& maps, int retentionDays)
    : _store(store), _keys(keys), _maps(maps), _retentionDays(retentionDays)
{
}

void RelayJobs::flushUsage()
{
    _store.touch(_keys.takePendingUses(), _maps.takePendingUses());
}

std::size_t RelayJobs::applyRetention(std::int64_t nowMs)
{
    if (_retentionDays <= 0)
        return 0;
    flushUsage(); // uses noted since the last flush keep a map alive
    const std::int64_t cutoff = nowMs - static_cast<std::int64_t>(_retentionDays) * 86400000LL;
    const auto deleted = _store.deleteSourceMapsUnusedSince(cutoff);
    for (const auto& m : deleted)
        _maps.remove(m.id);
    return deleted.size();
}

} // namespace BrowserRelay
} // namespace Monlight
