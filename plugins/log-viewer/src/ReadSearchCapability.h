#pragma once

#include <string>

namespace Monlight
{
namespace LogViewer
{

/// Reading Docker's root-only log files as a non-root user. The image gives the binary CAP_DAC_READ_SEARCH as a
/// *permitted* file capability (never effective, so exec cannot fail where a container lacks it); the log viewer
/// raises it into the effective set of the calling thread, which the threads it starts afterwards inherit.
class ReadSearchCapability
{
public:
    enum class State
    {
        Effective, ///< already effective (root, or raised before)
        Raised,    ///< was permitted, now effective
        Missing    ///< not permitted: reads are limited to what the user's own permissions allow
    };

    /// Makes CAP_DAC_READ_SEARCH effective on the calling thread when it is permitted. Never throws.
    static State raise();

    /// True when `directory` can be listed and entered with the calling thread's current credentials (or does not
    /// exist yet, in which case there is nothing to warn about).
    static bool canRead(const std::string& directory);
};

} // namespace LogViewer
} // namespace Monlight
