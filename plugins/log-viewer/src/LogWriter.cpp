#include "LogWriter.h"

#include "Monlight/Time.h"
#include <algorithm>

namespace Monlight
{
namespace LogViewer
{

namespace
{
constexpr std::int64_t DELETE_CHUNK = 10000;
}

LogWriter::LogWriter(std::shared_ptr<Database> db, SseHub& hub, std::int64_t maxEntries,
                     Counter* entriesTotal, std::shared_ptr<CountCache> counts)
    : _db(std::move(db)), _hub(hub), _maxEntries(maxEntries), _entriesTotal(entriesTotal),
      _counts(std::move(counts))
{
}

void LogWriter::load()
{
    LogStore store(_db);
    _rows = store.rowCount();
    if (auto n = store.newestTimestamp())
        _newest = *n;
}

std::future<void> LogWriter::submit(std::shared_ptr<IngestBatch> batch, std::shared_ptr<WriteSequence> sequence)
{
    // Ids follow time order within a batch (§3.2): sort before inserting.
    std::stable_sort(batch->entries.begin(), batch->entries.end(),
                     [](const LogEntry& a, const LogEntry& b) { return a.timestampMs < b.timestampMs; });
    const std::size_t count = batch->entries.size();
    std::int64_t newest = INT64_MIN;
    for (const auto& e : batch->entries)
        newest = std::max(newest, e.timestampMs);
    return _db->submit(
        [this, batch, count, newest](WriteTx& tx)
        {
            LogStore::insert(tx, batch->entries, batch->cursors);
            if (count > 0)
                tx.afterCommit(
                    [this, batch, count, newest, transaction = tx.transaction()]
                    {
                        committed(count, newest);
                        _hub.publish(batch->entries, transaction); // may take the entries
                    });
        },
        std::move(sequence));
}

void LogWriter::commit(IngestBatch& batch)
{
    // Not owned: the caller's batch outlives the wait.
    submit(std::shared_ptr<IngestBatch>(std::shared_ptr<IngestBatch>(), &batch)).get();
    pruneIfNeeded();
}

void LogWriter::committed(std::size_t count, std::int64_t newest)
{
    _rows += static_cast<std::int64_t>(count);
    // The tailer and API requests commit concurrently: keep the maximum.
    std::int64_t seen = _newest.load();
    while (newest > seen && !_newest.compare_exchange_weak(seen, newest))
    {
    }
    _lastIngest = Time::nowMs();
    if (_entriesTotal)
        _entriesTotal->inc(count);
}

void LogWriter::pruneIfNeeded()
{
    if (_maxEntries <= 0)
        return;
    const std::int64_t threshold = _maxEntries + std::max<std::int64_t>(100, _maxEntries / 100);
    if (_rows.load() <= threshold)
        return;
    std::unique_lock<std::mutex> lock(_pruneMutex, std::try_to_lock);
    if (!lock.owns_lock())
        return; // another thread is pruning
    while (_rows.load() > _maxEntries)
    {
        std::int64_t n = std::min(DELETE_CHUNK, _rows.load() - _maxEntries);
        std::int64_t deleted = 0;
        _db->write(
            [&](WriteTx& tx)
            {
                std::int64_t below = LogStore::idAfterOldest(tx, n);
                deleted = below > 0 ? LogStore::deleteBelowId(tx, below) : 0;
            });
        _rows -= deleted;
        if (_counts)
            _counts->invalidate();
        if (deleted == 0)
        {
            // The in-memory count drifted (rows removed elsewhere): resynchronise once.
            _rows = LogStore(_db).rowCount();
            break;
        }
    }
}

void LogWriter::deleteOlderThan(std::int64_t cutoffMs)
{
    for (;;)
    {
        std::int64_t deleted = 0;
        _db->write([&](WriteTx& tx) { deleted = LogStore::deleteOlderThan(tx, cutoffMs, DELETE_CHUNK); });
        _rows -= deleted;
        if (deleted > 0 && _counts)
            _counts->invalidate();
        if (deleted < DELETE_CHUNK)
            break;
    }
}

void LogWriter::cleanupCursors(std::int64_t cutoffMs, const std::vector<std::string>& keep)
{
    _db->write([&](WriteTx& tx) { LogStore::deleteStaleCursors(tx, cutoffMs, keep); });
}

std::optional<std::int64_t> LogWriter::newestLog() const
{
    std::int64_t v = _newest.load();
    if (v == INT64_MIN)
        return std::nullopt;
    return v;
}

std::optional<std::int64_t> LogWriter::lastIngest() const
{
    std::int64_t v = _lastIngest.load();
    if (v == INT64_MIN)
        return std::nullopt;
    return v;
}

} // namespace LogViewer
} // namespace Monlight
