#pragma once

#include <Poco/Net/StreamSocket.h>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

namespace Monlight
{
namespace Host
{

/// Guards one listener's workers against clients that hold them without completing a request head (slowloris).
///
/// Poco 1.11 gives each connection a worker for its whole life and its receive timeout is per recv(), so a client
/// sending one header byte every few seconds keeps a worker forever. Every connection registers here while a
/// worker serves it. From the moment it starts waiting for a request head (connection start, or the first byte of
/// the next request on a keep-alive connection) until the head is complete it has a deadline
/// (`host.request_head_timeout_seconds`); a watchdog thread shuts the socket down at the deadline, which makes the
/// worker's blocked recv() return and frees the worker. Idle keep-alive connections are left to Poco's keep-alive
/// timeout but never get longer than keep-alive timeout + head timeout in total.
///
/// Per client IP at most `perIpCap` connections may wait for a head for longer than one second; beyond that the
/// newest are cut at once, so one address cannot hold every worker even for the deadline, while a browser opening
/// several connections at once (heads arriving within a round trip) is never affected. Trusted proxies are exempt.
///
/// While connections wait in the listener's queue, a keep-alive connection idle between requests for IDLE_YIELD is
/// shut down (its client sees the server end an idle connection, as at the keep-alive timeout).
///
/// The listener counts as starved while every worker has waited over one second for a head, or while every worker
/// is busy and connections have been queued for longer than the head timeout; starved() stays true for two seconds
/// after the last such moment so that a request served right after the starvation still sees it.
class HeadWatchdog
{
public:
    struct Options
    {
        std::chrono::milliseconds headTimeout{10000};
        std::chrono::milliseconds keepAliveTimeout{15000};
        int maxThreads = 8;
        int perIpCap = 4; ///< 0 = no cap
    };

    /// One registered connection; unregisters when destroyed.
    class Ticket
    {
    public:
        Ticket() = default;
        ~Ticket();
        Ticket(const Ticket&) = delete;
        Ticket& operator=(const Ticket&) = delete;

    private:
        friend class HeadWatchdog;
        HeadWatchdog* _owner = nullptr;
        std::uint64_t _id = 0;
    };

    /// `busyWorkers` and `queued` read the listener's server (called from the watchdog thread); `queued` counts
    /// connections waiting while every worker holds one (Listener::crowded()).
    HeadWatchdog(Options options, std::function<int()> busyWorkers, std::function<int()> queued);
    ~HeadWatchdog();

    /// Starts / stops (and joins) the watchdog thread.
    void start();
    void stop();

    /// A worker took the connection: it now waits for its first head. `exempt`: a trusted proxy (no per-IP cap).
    void open(Ticket& ticket, const Poco::Net::StreamSocket& socket, const std::string& ip, bool exempt);
    /// The request head was parsed: no deadline until the response is done.
    void headComplete(Ticket& ticket);
    /// The response was sent and the connection stays open for the next request.
    void awaitNext(Ticket& ticket);
    /// The connection no longer belongs to the worker (detached for SSE) or ends: forget it.
    void release(Ticket& ticket);
    enum class CutReason
    {
        None,
        Deadline, ///< the head was not complete within the head timeout
        IpCap,    ///< its address held more pending heads than the per-IP cap
        Yield,    ///< idle between requests for IDLE_YIELD while connections waited for a worker
        Abort     ///< abortAll()
    };
    /// Why the watchdog shut this connection down, None if it did not.
    CutReason cutReason(const Ticket& ticket) const;
    bool cut(const Ticket& ticket) const { return cutReason(ticket) != CutReason::None; }
    /// Shuts every registered connection down (and each one registered later): the listener is closing.
    void abortAll();

    /// Connections shut down at the head deadline / by the per-IP cap / idle while others waited, since start.
    std::uint64_t deadlineCuts() const { return _deadlineCuts.load(); }
    std::uint64_t capCuts() const { return _capCuts.load(); }
    std::uint64_t yieldCuts() const { return _yieldCuts.load(); }
    /// A keep-alive connection idle this long between requests while connections are queued is shut down, so
    /// that idle clients never hold the workers others wait for (at most one watchdog tick later).
    static constexpr std::chrono::milliseconds IDLE_YIELD{200};
    /// Workers currently waiting for a request head.
    int pendingHeads() const;
    /// See the class comment.
    bool starved() const;

    /// One watchdog pass at `now` (the thread calls it every 100 ms; public for tests).
    void check(std::chrono::steady_clock::time_point now);

private:
    enum class State
    {
        Head, ///< waiting for a request head (deadline set)
        Idle, ///< keep-alive, no byte of the next request seen yet
        Busy, ///< head complete: the request is being handled
        Cut   ///< shut down by the watchdog
    };
    struct Entry
    {
        int fd = -1; ///< a dup() of the connection's socket: never reused while registered
        std::string ip;
        bool exempt = false;
        State state = State::Head;
        CutReason cut = CutReason::None;
        std::chrono::steady_clock::time_point since;
        std::chrono::steady_clock::time_point deadline;
    };

    void run();
    void shutdownEntry(Entry& e, CutReason why);
    void setState(Entry& e, State s);

    Options _options;
    std::function<int()> _busyWorkers;
    std::function<int()> _queued;
    mutable std::mutex _mutex;
    std::condition_variable _wake;
    bool _stopping = false;
    bool _aborted = false;
    std::thread _thread;
    std::uint64_t _nextId = 1;
    std::unordered_map<std::uint64_t, Entry> _entries;
    int _pending = 0;
    std::atomic<std::uint64_t> _deadlineCuts{0};
    std::atomic<std::uint64_t> _capCuts{0};
    std::atomic<std::uint64_t> _yieldCuts{0};
    std::chrono::steady_clock::time_point _queuedSince{};
    std::atomic<std::int64_t> _lastStarvedMs{-1};
};

} // namespace Host
} // namespace Monlight
