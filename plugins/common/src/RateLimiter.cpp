#include "RateLimiter.h"

#include <chrono>

namespace Monlight
{
namespace Common
{

RateLimiter::RateLimiter(Clock clock) : _clock(std::move(clock))
{
    if (!_clock)
        _clock = [] {
            return std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                .count();
        };
}

SlidingWindow& RateLimiter::limiter(const std::string& name)
{
    std::lock_guard<std::mutex> lock(_mutex);
    auto& slot = _limiters[name];
    if (!slot)
        slot = std::make_unique<SlidingWindow>();
    return *slot;
}

RateLimitService::Decision RateLimiter::hit(const std::string& name, const std::string& principal,
                                            std::int64_t perMinute)
{
    if (perMinute <= 0)
        return {true, 0};
    auto d = limiter(name).hit(principal, perMinute, _clock());
    return {d.allowed, d.retryAfter};
}

RateLimitService::Decision RateLimiter::authGuard(const std::string& ip, std::int64_t limit)
{
    if (limit <= 0)
        return {true, 0};
    auto d = _failures.check(ip, limit, _clock());
    return {d.allowed, d.retryAfter};
}

void RateLimiter::recordAuthFailure(const std::string& ip)
{
    _failures.add(ip, _clock());
}

} // namespace Common
} // namespace Monlight
