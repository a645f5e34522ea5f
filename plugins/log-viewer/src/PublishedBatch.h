#pragma once

#include "LogEntry.h"
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace Monlight
{
namespace LogViewer
{

/// Entries of one committed writer batch as the live tail sees them: the entries (ascending ids) and their
/// SSE `log` frames, serialized once and concatenated so unfiltered streams send the whole block without
/// copying. The frames are made by the first stream that needs them, on its own thread: the writer thread
/// that publishes the batch only hands the entries over.
class PublishedBatch
{
public:
    explicit PublishedBatch(std::vector<LogEntry> entries) : _entries(std::move(entries)) {}

    const std::vector<LogEntry>& entries() const { return _entries; }
    /// Every entry's frame, in entry order.
    const std::string& frames() const
    {
        format();
        return _frames;
    }
    /// Entry i's frame.
    std::string_view frame(std::size_t i) const
    {
        format();
        return std::string_view(_frames).substr(_offsets[i], _offsets[i + 1] - _offsets[i]);
    }

private:
    void format() const;

    std::vector<LogEntry> _entries;
    mutable std::once_flag _formatted;
    mutable std::string _frames;
    mutable std::vector<std::size_t> _offsets; ///< start of entry i's frame; offsets[n] = frames.size()
};

using PublishedBatchPtr = std::shared_ptr<const PublishedBatch>;

} // namespace LogViewer
} // namespace Monlight
