#pragma once

#include <Poco/Logger.h>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace Monlight
{
namespace Host
{

/// Warnings about what strangers send (malformed requests, cut connections), at most one line per period and
/// cause, the next one carrying the count of lines suppressed meanwhile (§0.16).
class ThrottledLog
{
public:
    explicit ThrottledLog(Poco::Logger& logger, std::chrono::seconds period = std::chrono::seconds(60));

    /// Logs `line` at warning level unless a line of `cause` was logged within the period; then counts it.
    void warning(const std::string& cause, const std::string& line);

private:
    struct Slot
    {
        std::chrono::steady_clock::time_point last;
        std::uint64_t suppressed = 0;
        bool used = false;
    };
    Poco::Logger& _logger;
    std::chrono::seconds _period;
    std::mutex _mutex;
    std::map<std::string, Slot> _slots; ///< one per cause; causes are fixed strings of the host, never input
};

} // namespace Host
} // namespace Monlight
