#pragma once

#include "Batcher.h"
#include "LogStore.h"
#include "Monlight/Metrics.h"
#include "SseHub.h"
#include <atomic>
#include <functional>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>

namespace Monlight
{
namespace LogViewer
{

/// The ingest side of the database writer (§3.11, §3.13): commits tailer batches (rows, FTS and cursors in
/// one transaction), publishes them to the live tail after the commit, keeps the in-memory row count and
/// prunes the ring buffer by id range. Also runs time retention and cursor cleanup through the same writer.
class LogWriter
{
public:
    /// `maxEntries` 0 = unlimited. `entriesTotal` counts stored entries (may be null).
    /// `counts` (optional) is invalidated after every delete.
    /// On the SQLite store of `db`.
    LogWriter(std::shared_ptr<Database> db, SseHub& hub, std::int64_t maxEntries, Counter* entriesTotal,
              std::shared_ptr<CountCache> counts = nullptr)
        : LogWriter(std::make_shared<LogStore>(std::move(db)), hub, maxEntries, entriesTotal, std::move(counts))
    {
    }
    /// With a shared store (LogStoreApi::shared()), committed entries are not published to `hub` here:
    /// `sharedCommitted` runs instead (the shared live tail reads them from the database).
    LogWriter(std::shared_ptr<LogStoreApi> store, SseHub& hub, std::int64_t maxEntries, Counter* entriesTotal,
              std::shared_ptr<CountCache> counts = nullptr, std::function<void()> sharedCommitted = nullptr);

    /// Reads the row count and the newest timestamp (start-up).
    void load();

    /// Queues `batch` (entries then in timestamp order) for the database writer and returns at once. The future
    /// is ready once it is committed; by then the counts are updated and its entries published to the live tail
    /// (which may take them). Thread-safe. `sequence`: see WriteSequence (the tailer's ordered pipeline).
    std::future<void> submit(std::shared_ptr<IngestBatch> batch, std::shared_ptr<WriteSequence> sequence = nullptr);

    /// submit() and wait until durable, then prunes if over the threshold (the ingest API).
    void commit(IngestBatch& batch);

    /// Deletes the oldest rows down to `maxEntries` when the count exceeds the hysteresis threshold.
    void pruneIfNeeded();
    /// Deletes entries older than `cutoffMs` in transactions of at most 10 000 rows.
    void deleteOlderThan(std::int64_t cutoffMs);
    /// Deletes cursors not updated since `cutoffMs` except the given container ids.
    void cleanupCursors(std::int64_t cutoffMs, const std::vector<std::string>& keep);

    /// Rows stored (every host's on a shared store).
    std::int64_t rowCount() const;
    std::optional<std::int64_t> newestLog() const;
    std::optional<std::int64_t> lastIngest() const;

private:
    void committed(std::size_t count, std::int64_t newest);

    std::shared_ptr<LogStoreApi> _store;
    std::function<void()> _sharedCommitted;
    SseHub& _hub;
    std::int64_t _maxEntries;
    Counter* _entriesTotal;
    std::shared_ptr<CountCache> _counts;
    std::atomic<std::int64_t> _rows{0};
    std::atomic<std::int64_t> _newest{INT64_MIN};
    std::atomic<std::int64_t> _lastIngest{INT64_MIN};
    std::mutex _pruneMutex;
};

} // namespace LogViewer
} // namespace Monlight
