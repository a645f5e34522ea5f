#pragma once

#include "LogEntry.h"
#include "LogFilter.h"
#include "PublishedBatch.h"
#include "SseStream.h"
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

namespace Monlight
{
namespace LogViewer
{

/// The live-tail hub (§3.5): owns the open streams, enforces `sse_max_connections`, and fans committed
/// entries out to them. publish() runs on the writer thread right after each commit: it only hands the entries
/// to the streams (no formatting, no socket).
class SseHub
{
public:
    struct Options
    {
        std::size_t maxConnections = 5;
        SseStream::Options stream;
    };

    /// `onCountChange(n)`: open streams changed (gauge); `onOverflow()`: a stream closed for overflow.
    SseHub(Options options, std::function<void(std::size_t)> onCountChange, std::function<void()> onOverflow);
    ~SseHub();
    SseHub(const SseHub&) = delete;
    SseHub& operator=(const SseHub&) = delete;

    /// Reserves a slot and subscribes a new stream to live entries (not started yet). Nothing when all slots
    /// are taken or the hub is stopping.
    std::shared_ptr<SseStream> open(LogFilter filter);
    /// Gives back a slot obtained by open() whose stream was never started.
    void abandon(const std::shared_ptr<SseStream>& stream);

    /// Publishes committed entries to every stream (takes them when a stream is open, else leaves them).
    /// `transaction` (WriteTx::transaction()): entries committed together arrive at a stream as one burst, and
    /// only what still waits from earlier transactions counts towards its queue bound; 0 = a transaction of its own.
    void publish(std::vector<LogEntry>& entries, std::uint64_t transaction = 0);

    /// Wakes every stream in pull mode (SseStream::startPull): rows may have been committed.
    void pokeAll();

    /// SIGTERM: every stream sends `close` with reason `shutdown`; waits up to `waitMs` for them to end.
    void stopping(long waitMs = 2000);
    /// Ends every stream (aborting stuck writes) and joins their threads.
    void shutdown();

    std::size_t size() const;

private:
    void ended(SseStream& stream);
    void reap();

    Options _opt;
    std::function<void(std::size_t)> _onCountChange;
    std::function<void()> _onOverflow;
    mutable std::mutex _mutex;
    std::condition_variable _cv;
    std::vector<std::shared_ptr<SseStream>> _streams; // active (subscribed)
    std::vector<std::shared_ptr<SseStream>> _done;    // ended, thread to be joined
    bool _stopping = false;
    std::atomic<std::size_t> _active{0};
    std::uint64_t _ownTransactions = 0; // numbers for publish() without one (writer thread)
};

} // namespace LogViewer
} // namespace Monlight
