#pragma once

#include "LogStore.h"
#include "Monlight/Database.h"
#include <Poco/Logger.h>
#include <atomic>
#include <deque>
#include <functional>
#include <future>
#include <memory>

namespace Monlight
{
namespace LogViewer
{

/// The tailer's commit pipeline, without a thread of its own: the tailer fills current(), push() hands it to the
/// database writer (Database::submit) and returns while up to `maxInFlight` batches are committing, so reading
/// and decoding overlap the database work. Batches commit in order: they share one WriteSequence, so after a
/// failure none of the later ones commits ahead of it; the failed batch and the later ones are submitted again,
/// in order, a second later (and again until the database takes them).
class Batcher
{
public:
    struct Hooks
    {
        /// Queues a batch for commit and returns at once; the future is ready once it is durable, or holds the
        /// error. Throws when the database refuses to queue it (busy, stopping): it is then submitted again later.
        std::function<std::future<void>(std::shared_ptr<IngestBatch>, std::shared_ptr<WriteSequence>)> submit;
        /// After each committed batch, on the caller's thread (pruning).
        std::function<void()> committed;
    };

    Batcher(Hooks hooks, std::size_t maxInFlight, Poco::Logger& logger);

    /// The batch being filled.
    IngestBatch& current() { return _current; }

    /// Hands the current batch (when not empty) to the database. While more than `maxInFlight` batches are not
    /// committed, waits for the oldest (or for the retry of a failed one), unless `stop` is set.
    void push(const std::atomic<bool>& stop);

    /// Collects committed batches without waiting; submits failed ones again once their retry is due.
    void collect();

    /// Shutdown: waits for every batch; one the database keeps refusing is given up after 3 attempts (its cursor
    /// is not stored, so its lines are read again at the next start).
    void drain();

    /// Batches not committed yet.
    std::size_t pending() const { return _pending.size(); }
    /// Steady ms until which nothing is due (a retry), or 0 when batches are committing; -1 when none is pending.
    std::int64_t nextDue() const;
    /// Steady ms at which the oldest uncommitted batch was handed over (0: none). Read by other threads.
    std::int64_t commitSince() const { return _since.load(); }

private:
    struct Pending
    {
        std::shared_ptr<IngestBatch> batch;
        std::future<void> future; ///< valid while submitted
    };

    void submitWaiting();
    /// Waits for (when `block`) or checks the oldest batch; true when it was settled (committed or failed).
    bool settleFront(bool block);
    void failed(const std::string& why);
    void updateSince();

    Hooks _hooks;
    std::size_t _maxInFlight;
    Poco::Logger& _logger;
    IngestBatch _current;
    std::deque<Pending> _pending;
    std::shared_ptr<WriteSequence> _sequence = std::make_shared<WriteSequence>();
    int _attempts = 0;         ///< consecutive failures of the oldest batch
    std::int64_t _retryAt = 0; ///< steady ms before which waiting batches are not submitted again
    std::int64_t _frontSince = 0;
    std::atomic<std::int64_t> _since{0};
};

} // namespace LogViewer
} // namespace Monlight
