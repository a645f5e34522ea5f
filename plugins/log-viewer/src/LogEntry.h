#pragma once

#include "LevelDetector.h"
#include <cstdint>
#include <string>

namespace Monlight
{
namespace LogViewer
{

/// One stored log entry (a row of `log_entries`, §3.12).
struct LogEntry
{
    std::int64_t id = 0; ///< assigned by the store on insert
    std::int64_t timestampMs = 0;
    std::string container;
    std::string containerId;
    bool isStderr = false;
    Level level = Level::Info;
    std::string message;
    std::string traceId;    ///< 32 lowercase hex digits, or empty (§12)
    std::string attributes; ///< a flat JSON object, or empty (§12)
};

} // namespace LogViewer
} // namespace Monlight
