#pragma once

#include "ErrorGroup.h"

namespace Monlight
{
namespace ErrorTracker
{

/// Outcome of storing one report.
struct IngestResult
{
    enum class Status
    {
        Created,
        Incremented,
        Reopened
    };
    Status status = Status::Created;
    bool deduplicated = false; ///< a repeated event id: nothing was stored
    ErrorGroup group; ///< full group (with traceback) for created/reopened; id, fingerprint, count otherwise
};

} // namespace ErrorTracker
} // namespace Monlight
