#pragma once

#include "RelayStore.h"
#include <Monlight/Http.h>
#include <cstdint>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace Monlight
{
namespace BrowserRelay
{

/// All DSN keys in memory (§5.2), so DSN authentication never reads the database. Updated synchronously by
/// create/deactivate; records when each key was last used (at most once per minute per key for the flush).
class DsnKeyCache
{
public:
    /// Replaces the content with `keys` (at start).
    void load(const std::vector<DsnKeyRecord>& keys);
    /// Adds or updates one key.
    void put(const DsnKeyRecord& key);

    /// The identity of an active key, nothing otherwise. Notes the use at `nowMs`.
    std::optional<DsnIdentity> resolve(const std::string& key, std::int64_t nowMs);

    /// Uses not yet written (id, ms), cleared by this call.
    std::vector<std::pair<std::int64_t, std::int64_t>> takePendingUses();

    std::size_t size() const;

private:
    struct Entry
    {
        std::int64_t id = 0;
        std::string project;
        bool active = true;
        std::int64_t lastNotedMs = 0; ///< the last use handed to the flush
    };
    mutable std::shared_mutex _mutex;
    std::unordered_map<std::string, Entry> _keys;
    std::mutex _pendingMutex;
    std::unordered_map<std::int64_t, std::int64_t> _pending;
};

} // namespace BrowserRelay
} // namespace Monlight
