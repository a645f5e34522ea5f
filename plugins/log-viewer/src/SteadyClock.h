#pragma once

#include <chrono>
#include <cstdint>

namespace Monlight
{
namespace LogViewer
{

/// Milliseconds of the monotonic clock (deadlines, stall detection; never a timestamp).
inline std::int64_t steadyMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace LogViewer
} // namespace Monlight
