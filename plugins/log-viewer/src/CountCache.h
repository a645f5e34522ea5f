#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace Monlight
{
namespace LogViewer
{

/// Remembers `total` of recent queries (§3.2) as (count of matches with id ≤ upToId), so a repeated search
/// only counts the rows added since. Any delete (ring buffer, retention) bumps the generation and invalidates
/// every entry. Thread-safe.
class CountCache
{
public:
    struct Hit
    {
        std::int64_t upToId = 0;
        std::int64_t count = 0;
    };

    explicit CountCache(std::size_t maxEntries = 256) : _max(maxEntries) {}

    /// The current generation; read it before counting and pass it to store().
    std::uint64_t generation() const { return _generation.load(); }
    /// Called after rows were deleted.
    void invalidate() { _generation.fetch_add(1); }

    /// A valid entry for `key` counted under `generation`, or nothing.
    std::optional<Hit> find(const std::string& key, std::uint64_t generation) const;
    /// Stores a count made under `generation` (ignored when the generation moved on meanwhile).
    void store(const std::string& key, std::uint64_t generation, std::int64_t upToId, std::int64_t count);

private:
    struct Entry
    {
        std::uint64_t generation;
        Hit hit;
    };
    std::size_t _max;
    std::atomic<std::uint64_t> _generation{0};
    mutable std::mutex _mutex;
    std::map<std::string, Entry> _entries;
};

} // namespace LogViewer
} // namespace Monlight
