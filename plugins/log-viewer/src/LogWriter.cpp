#include "LogWriter.h"

#include "Monlight/Time.h"
#include <Poco/Exception.h>
#include <algorithm>

namespace Monlight
{
namespace LogViewer
{

namespace
{
constexpr std::int64_t DELETE_CHUNK = 10000;
}

LogWriter::LogWriter(std::shared_ptr<LogStoreApi> store, SseHub& hub, std::int64_t maxEntries,
                     Counter* entriesTotal, std::shared_ptr<CountCache> counts,
                     std::function<void()> sharedCommitted)
    : _store(std::move(store)), _sharedCommitted(std::move(sharedCommitted)), _hub(hub), _maxEntries(maxEntries),
      _entriesTotal(entriesTotal), _counts(std::move(counts))
{
}

void LogWriter::load()
{
    _rows = _store->rowCount();
    if (auto n = _store->newestTimestamp())
        _newest = *n;
}

std::int64_t LogWriter::rowCount() const
{
    if (_store->shared())
    {
        try
        {
            return _store->rowCount();
        }
        catch (...)
        {
            return _rows.load(); // the database is away: /health says so through the host
        }
    }
    return _rows.load();
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
    return _store->submitBatch(batch, std::move(sequence),
                               [this, batch, count, newest](std::uint64_t transaction)
                               {
                                   committed(count, newest);
                                   if (_sharedCommitted)
                                       _sharedCommitted();
                                   else
                                       _hub.publish(batch->entries, transaction); // may take the entries
                               });
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
    if (_store->shared())
    {
        // Every host's rows count: the store counts them again inside its own transaction, one host at a time.
        std::unique_lock<std::mutex> lock(_pruneMutex, std::try_to_lock);
        if (!lock.owns_lock())
            return;
        try
        {
            if (_store->rowCount() <= threshold)
                return;
            while (_store->deleteBeyond(_maxEntries, DELETE_CHUNK) > 0)
            {
                if (_counts)
                    _counts->invalidate();
            }
        }
        catch (const Poco::Exception&)
        {
            // the database is away (restart, network): the next commit tries again; the tailer must not stop
        }
        return;
    }
    if (_rows.load() <= threshold)
        return;
    std::unique_lock<std::mutex> lock(_pruneMutex, std::try_to_lock);
    if (!lock.owns_lock())
        return; // another thread is pruning
    while (_rows.load() > _maxEntries)
    {
        std::int64_t n = std::min(DELETE_CHUNK, _rows.load() - _maxEntries);
        std::int64_t deleted = _store->deleteOldest(n);
        _rows -= deleted;
        if (_counts)
            _counts->invalidate();
        if (deleted == 0)
        {
            // The in-memory count drifted (rows removed elsewhere): resynchronise once.
            _rows = _store->rowCount();
            break;
        }
    }
}

void LogWriter::deleteOlderThan(std::int64_t cutoffMs)
{
    for (;;)
    {
        std::int64_t deleted = _store->deleteOlder(cutoffMs, DELETE_CHUNK);
        _rows -= deleted;
        if (deleted > 0 && _counts)
            _counts->invalidate();
        if (deleted < DELETE_CHUNK)
            break;
    }
}

void LogWriter::cleanupCursors(std::int64_t cutoffMs, const std::vector<std::string>& keep)
{
    _store->cleanupCursors(cutoffMs, keep);
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
