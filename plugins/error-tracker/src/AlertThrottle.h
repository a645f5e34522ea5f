#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>

namespace Monlight
{
namespace ErrorTracker
{

/// Alert throttling of SPEC §2.9: per-group cooldown, then a rolling per-project hourly budget, with a
/// count of suppressed events per project. Not thread-safe (used by the alert worker only).
class AlertThrottle
{
public:
    AlertThrottle(int maxPerHour, int cooldownMinutes);

    /// Decides for an event of `groupId`/`project` at `nowMs`; `lastAlertAt` is the group's last alert time.
    /// When admitted the alert is recorded; when not, the suppression is counted.
    bool admit(const std::string& project, std::optional<std::int64_t> lastAlertAt, std::int64_t nowMs);

    /// Suppressed events of `project` since its previous sent alert, and resets the count.
    std::int64_t takeSuppressed(const std::string& project);

private:
    int _maxPerHour;
    std::int64_t _cooldownMs;
    std::map<std::string, std::deque<std::int64_t>> _sent;
    std::map<std::string, std::int64_t> _suppressed;
};

} // namespace ErrorTracker
} // namespace Monlight
