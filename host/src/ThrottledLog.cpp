#include "ThrottledLog.h"

namespace Monlight
{
namespace Host
{

ThrottledLog::ThrottledLog(Poco::Logger& logger, std::chrono::seconds period) : _logger(logger), _period(period)
{
}

void ThrottledLog::warning(const std::string& cause, const std::string& line)
{
    auto now = std::chrono::steady_clock::now();
    std::uint64_t suppressed = 0;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        Slot& slot = _slots[cause];
        if (slot.used && now - slot.last < _period)
        {
            ++slot.suppressed;
            return;
        }
        suppressed = slot.suppressed;
        slot.suppressed = 0;
        slot.last = now;
        slot.used = true;
    }
    if (suppressed)
        _logger.warning(line + " (" + std::to_string(suppressed) + " similar lines suppressed)");
    else
        _logger.warning(line);
}

} // namespace Host
} // namespace Monlight
