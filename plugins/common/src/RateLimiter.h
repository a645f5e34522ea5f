#pragma once

#include "SlidingWindow.h"
#include "Monlight/Services.h"
#include <functional>
#include <map>
#include <memory>
#include <mutex>

namespace Monlight
{
namespace Common
{

/// The RateLimitService: one SlidingWindow per limiter name plus the brute-force guard's window of failed
/// authentications per IP. The clock is injectable for tests.
class RateLimiter : public RateLimitService
{
public:
    using Clock = std::function<std::int64_t()>;
    /// `clock` returns epoch seconds (default: the system clock).
    explicit RateLimiter(Clock clock = {});

    Decision hit(const std::string& limiter, const std::string& principal, std::int64_t perMinute) override;
    Decision authGuard(const std::string& ip, std::int64_t limit) override;
    void recordAuthFailure(const std::string& ip) override;

private:
    SlidingWindow& limiter(const std::string& name);
    Clock _clock;
    std::mutex _mutex;
    std::map<std::string, std::unique_ptr<SlidingWindow>> _limiters;
    SlidingWindow _failures;
};

} // namespace Common
} // namespace Monlight
