#pragma once

#include "LogEntry.h"
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace Monlight
{
namespace LogViewer
{

/// Entries of one committed writer batch as the live tail sees them: the entries (ascending ids) and their
/// SSE `log` frames serialized once, concatenated, so unfiltered streams send the whole block without
/// copying.
struct PublishedBatch
{
    std::vector<LogEntry> entries;
    std::string frames;               ///< every entry's frame, in entry order
    std::vector<std::size_t> offsets; ///< start of entry i's frame in `frames`; offsets[n] = frames.size()
};

using PublishedBatchPtr = std::shared_ptr<const PublishedBatch>;

} // namespace LogViewer
} // namespace Monlight
