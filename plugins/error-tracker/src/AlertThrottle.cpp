#include "AlertThrottle.h"

namespace Monlight
{
namespace ErrorTracker
{

AlertThrottle::AlertThrottle(int maxPerHour, int cooldownMinutes)
    : _maxPerHour(maxPerHour), _cooldownMs(static_cast<std::int64_t>(cooldownMinutes) * 60000)
{
}

bool AlertThrottle::admit(const std::string& project, std::optional<std::int64_t> lastAlertAt,
                          std::int64_t nowMs)
{
    if (_cooldownMs > 0 && lastAlertAt && nowMs - *lastAlertAt < _cooldownMs)
    {
        ++_suppressed[project];
        return false;
    }
    std::deque<std::int64_t>& sent = _sent[project];
    while (!sent.empty() && sent.front() <= nowMs - 3600000)
        sent.pop_front();
    if (_maxPerHour > 0 && static_cast<std::int64_t>(sent.size()) >= _maxPerHour)
    {
        ++_suppressed[project];
        return false;
    }
    sent.push_back(nowMs);
    return true;
}

std::int64_t AlertThrottle::takeSuppressed(const std::string& project)
{
    auto it = _suppressed.find(project);
    if (it == _suppressed.end())
        return 0;
    std::int64_t n = it->second;
    _suppressed.erase(it);
    return n;
}

} // namespace ErrorTracker
} // namespace Monlight
