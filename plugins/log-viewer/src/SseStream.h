#pragma once

#include "LogEntry.h"
#include "LogFilter.h"
#include "PublishedBatch.h"
#include <Poco/Net/StreamSocket.h>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace Monlight
{
namespace LogViewer
{

/// One live-tail connection (§3.5) on its own thread, never on a listener worker. It receives committed
/// batches from the hub, filters them, writes `log` frames, heartbeats, and ends with a `close` event (max
/// duration, shutdown, overflow) or when the client goes away.
class SseStream
{
public:
    struct Options
    {
        std::int64_t maxDurationMs = 1800000;
        std::int64_t heartbeatMs = 15000;
        std::size_t queueSize = 1000;
    };

    SseStream(LogFilter filter, Options options, std::function<void(SseStream&)> onEnd);
    ~SseStream();
    SseStream(const SseStream&) = delete;
    SseStream& operator=(const SseStream&) = delete;

    /// Where the stream's backlog comes from. Both run on the stream thread, never on a listener worker.
    struct Backlog
    {
        /// The id after which the backlog begins.
        std::function<std::int64_t()> start;
        /// Entries with id > afterId, ascending, about `maxBytes` of them (empty when caught up).
        std::function<std::vector<LogEntry>(std::int64_t afterId, std::size_t maxBytes)> page;
    };

    /// Starts the stream thread: sends `initial` (response head, `retry:`), then the backlog page by page
    /// (if any), then live events with ids above the last one sent (at least `lastSentId`).
    void start(Poco::Net::StreamSocket socket, std::string initial, std::int64_t lastSentId,
               Backlog backlog = {});

    /// The next frames of a stream that reads the database itself (a store shared by several hosts), empty when
    /// caught up; sets `more` when another page follows at once. Runs on the stream thread.
    using Pull = std::function<std::string(bool& more)>;

    /// Starts the stream thread in pull mode: sends `initial`, then whatever `pull` gives, again after every
    /// poke() (and at least every `pollMs`), with heartbeats and the close events of start().
    void startPull(Poco::Net::StreamSocket socket, std::string initial, Pull pull, std::int64_t pollMs);

    /// Pull mode: new rows may be there (wakes the stream thread).
    void poke() { wake(); }

    /// Queues a committed batch (called on the writer thread; never blocks on the network). Returns false
    /// when the queue overflowed (the stream then closes with reason `overflow`): when at least `queueSize`
    /// events from earlier transactions were still waiting.
    bool push(const PublishedBatchPtr& batch, std::uint64_t transaction);

    /// Asks the stream to send `event: close` with `reason` and end.
    void close(const std::string& reason);

    /// Unblocks a stream stuck in a write (shutdown after the grace period).
    void abort();

    /// Waits for the thread (after it ended or was aborted).
    void join();

    bool finished() const { return _finished.load(); }
    /// The client stopped reading: a write timed out (counted as an overflow by the hub).
    bool stalled() const { return _stalled.load(); }

    /// Moves the send position (`next` piece, `offset` bytes into it) past `sent` bytes (a partial write).
    static void advance(const std::vector<const std::string*>& pieces, std::size_t& next, std::size_t& offset,
                        std::size_t sent);

private:
    void run();
    void runPull();
    bool sendBacklog();
    bool sendAll(const char* data, std::size_t n);
    bool sendAll(const std::string& s) { return sendAll(s.data(), s.size()); }
    /// Sends the texts in order with as few system calls as they allow (sendmsg with one iovec per text): the
    /// frames of several batches go out together without being copied into one buffer per client first.
    bool sendAll(const std::vector<const std::string*>& pieces);
    void wake();
    std::size_t countMatches(const PublishedBatch& b) const;

    LogFilter _filter;
    bool _unfiltered;
    Options _opt;
    std::function<void(SseStream&)> _onEnd;
    Poco::Net::StreamSocket _socket;
    std::string _initial;
    Backlog _backlog;
    Pull _pull;
    std::int64_t _pollMs = 1000;
    std::int64_t _lastSent = 0;
    int _eventFd = -1;

    std::mutex _mutex;
    std::deque<PublishedBatchPtr> _queue;
    std::size_t _queuedEvents = 0;
    std::size_t _queuedBefore = 0;      ///< of _queuedEvents, those from transactions before _transaction
    std::uint64_t _transaction = 0;     ///< of the last batch queued
    std::int64_t _holdUntil = 0;        ///< steadyMs() until which push() leaves the wake-up to the stream's timer
    std::string _closeReason;
    std::thread _thread;
    std::atomic<bool> _finished{false};
    std::atomic<bool> _stalled{false};
};

} // namespace LogViewer
} // namespace Monlight
