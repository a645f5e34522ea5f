#pragma once

#include "LogEntry.h"
#include "LogFilter.h"
#include "Monlight/Database.h"
#include <algorithm>
#include <cstdint>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace Monlight
{
namespace LogViewer
{

struct IngestBatch;

/// What the log viewer's writer, routes and jobs ask of its storage: the SQLite store (LogStore, `logs.db`) or the
/// PostgreSQL one (PgLogStore, schema `log_viewer`, shared by every host). Handlers never see SQL.
class LogStoreApi
{
public:
    /// A row of `cursors`.
    struct Cursor
    {
        std::string containerId;
        std::string containerName;
        std::string filePath;
        std::int64_t inode = 0;
        std::int64_t position = 0;
        std::int64_t updatedAt = 0;
    };

    struct QueryResult
    {
        std::vector<LogEntry> logs;
        std::int64_t total = 0;
    };

    struct ContainerStats
    {
        std::int64_t count = 0;
        std::optional<std::int64_t> lastSeen;
    };

    struct Stats
    {
        std::int64_t total = 0;
        std::optional<std::int64_t> oldest, newest;
        std::map<std::string, std::int64_t> byLevel;
        std::map<std::string, std::int64_t> byContainer;
    };

    /// Called once a batch committed, before its future is ready, with the writer's transaction number (entries
    /// committed together share it).
    using Committed = std::function<void(std::uint64_t transaction)>;

    virtual ~LogStoreApi() = default;

    /// Queues `batch` (entries and the cursors covering them) for one transaction and returns at once; sets the
    /// entries' ids. The future is ready once it is durable (after `committed` ran) or holds the error. Batches of
    /// one `sequence` commit in order; after a failure the later ones of the sequence fail without running.
    virtual std::future<void> submitBatch(std::shared_ptr<IngestBatch> batch, std::shared_ptr<WriteSequence> sequence,
                                          Committed committed) = 0;
    /// Deletes up to `n` of the oldest rows (by id); returns how many.
    virtual std::int64_t deleteOldest(std::int64_t n) = 0;
    /// Deletes the oldest rows beyond the newest `keep` (at most `maxRows` of them), counting the rows inside its
    /// own transaction; returns how many. A shared store lets one host at a time do this.
    virtual std::int64_t deleteBeyond(std::int64_t keep, std::int64_t maxRows)
    {
        std::int64_t over = rowCount() - keep;
        return over > 0 ? deleteOldest(std::min(over, maxRows)) : 0;
    }
    /// Deletes at most `maxRows` rows with timestamp < `cutoffMs`; returns how many. A shared store lets one host
    /// at a time do this (others get 0).
    virtual std::int64_t deleteOlder(std::int64_t cutoffMs, std::int64_t maxRows) = 0;
    /// Deletes cursors not updated since `cutoffMs`, except for the given watched container ids.
    virtual void cleanupCursors(std::int64_t cutoffMs, const std::vector<std::string>& keep) = 0;

    virtual std::vector<Cursor> cursors() = 0;
    virtual std::int64_t rowCount() = 0;
    virtual std::optional<std::int64_t> newestTimestamp() = 0;
    /// Newest first (timestamp, then id), with `total`. Throws HttpError 400 `Invalid search query: ...` for a
    /// search expression that does not parse.
    virtual QueryResult query(const LogFilter& filter) = 0;
    virtual std::map<std::string, ContainerStats> containerStats() = 0;
    virtual Stats stats() = 0;

    /// True when other hosts write to the same store (PostgreSQL): row counts and the live tail come from the
    /// database, not from this host's writer.
    virtual bool shared() const { return false; }
};

/// Entries and the cursors that cover them: committed together in one transaction (§3.7).
struct IngestBatch
{
    std::vector<LogEntry> entries;
    std::vector<LogStoreApi::Cursor> cursors;
};

} // namespace LogViewer
} // namespace Monlight
