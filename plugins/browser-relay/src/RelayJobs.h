#pragma once

#include "RelayStore.h"
#include "DsnKeyCache.h"
#include "SourceMapCache.h"
#include <cstdint>

namespace Monlight
{
namespace BrowserRelay
{

/// The background work of §5.13: the usage flush and source-map retention.
class RelayJobs
{
public:
    RelayJobs(RelayStore& store, DsnKeyCache& keys, SourceMapCache& maps, int retentionDays);

    /// Writes the batched `last_used_at` values of DSN keys and maps (one writer transaction).
    void flushUsage();

    /// With `retention_days` > 0: flushes usage, then deletes maps neither uploaded nor used since
    /// `nowMs - retention_days` and drops them from the cache. Returns how many were deleted.
    std::size_t applyRetention(std::int64_t nowMs);

private:
    RelayStore& _store;
    DsnKeyCache& _keys;
    SourceMapCache& _maps;
    int _retentionDays;
};

} // namespace BrowserRelay
} // namespace Monlight
