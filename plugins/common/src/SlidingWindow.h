#pragma once

#include <array>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

namespace Monlight
{
namespace Common
{

/// Per-principal sliding 60-second window with one-second slots (§0.6). Not tied to a clock: callers pass the
/// current epoch second, so the arithmetic is testable. Thread-safe.
class SlidingWindow
{
public:
    struct Decision
    {
        bool allowed = true;
        int retryAfter = 0;
    };

    explicit SlidingWindow(std::size_t maxPrincipals = 100000) : _max(maxPrincipals) {}

    /// Allowed iff the count of seconds now-59…now is below `limit`; an allowed request is counted.
    Decision hit(const std::string& principal, std::int64_t limit, std::int64_t now);
    /// Like hit() but never counts (the brute-force guard's check).
    Decision check(const std::string& principal, std::int64_t limit, std::int64_t now);
    /// Counts one event unconditionally (a failed authentication).
    void add(const std::string& principal, std::int64_t now);
    std::size_t size() const;

private:
    struct Window
    {
        std::array<std::int64_t, 60> second{};
        std::array<std::uint32_t, 60> count{};
        std::int64_t last = 0;
        std::list<std::string>::iterator lru;
    };
    static std::int64_t sumFrom(const Window& w, std::int64_t from, std::int64_t now);
    static Decision decide(const Window& w, std::int64_t limit, std::int64_t now);
    Window& window(const std::string& principal, std::int64_t now);

    std::size_t _max;
    mutable std::mutex _mutex;
    std::unordered_map<std::string, Window> _windows;
    std::list<std::string> _lru; // front = most recently used
};

} // namespace Common
} // namespace Monlight
