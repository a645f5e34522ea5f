#include "HeadWatchdog.h"

#include <algorithm>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace Monlight
{
namespace Host
{

namespace
{
/// A connection counts against the per-IP cap, and towards starvation, once it has waited this long for its head
/// (a browser's connections opened at once, heads arriving within a round trip, never do).
constexpr std::chrono::milliseconds kCapGrace{1000};
/// How long starved() keeps reporting a starvation that has ended.
constexpr std::int64_t kStarvedHoldMs = 2000;
constexpr std::chrono::milliseconds kTick{100};

std::int64_t steadyMs(std::chrono::steady_clock::time_point t)
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
} // namespace

HeadWatchdog::Ticket::~Ticket()
{
    if (_owner)
        _owner->release(*this);
}

HeadWatchdog::HeadWatchdog(Options options, std::function<int()> busyWorkers, std::function<int()> queued)
    : _options(options), _busyWorkers(std::move(busyWorkers)), _queued(std::move(queued))
{
}

HeadWatchdog::~HeadWatchdog()
{
    stop();
    for (auto& kv : _entries)
        if (kv.second.fd >= 0)
            ::close(kv.second.fd);
}

void HeadWatchdog::start()
{
    std::lock_guard<std::mutex> lock(_mutex);
    if (_thread.joinable())
        return;
    _stopping = false;
    _thread = std::thread([this] { run(); });
}

void HeadWatchdog::stop()
{
    {
        std::lock_guard<std::mutex> lock(_mutex);
        _stopping = true;
    }
    _wake.notify_all();
    if (_thread.joinable())
        _thread.join();
}

void HeadWatchdog::run()
{
    std::unique_lock<std::mutex> lock(_mutex);
    while (!_stopping)
    {
        _wake.wait_for(lock, kTick);
        if (_stopping)
            break;
        lock.unlock();
        check(std::chrono::steady_clock::now());
        lock.lock();
    }
}

void HeadWatchdog::open(Ticket& ticket, const Poco::Net::StreamSocket& socket, const std::string& ip, bool exempt)
{
    Entry e;
    // The watchdog works on its own descriptor: the worker may close the socket at any moment, and a number it
    // closed could already belong to another connection when the watchdog shuts it down.
    e.fd = ::dup(socket.impl()->sockfd());
    e.ip = ip;
    e.exempt = exempt;
    e.since = std::chrono::steady_clock::now();
    e.deadline = e.since + _options.headTimeout;
    std::lock_guard<std::mutex> lock(_mutex);
    ticket._owner = this;
    ticket._id = _nextId++;
    e.state = State::Idle; // setState counts the transition into Head
    setState(e, State::Head);
    if (_aborted)
        shutdownEntry(e, CutReason::Abort);
    _entries.emplace(ticket._id, std::move(e));
}

void HeadWatchdog::abortAll()
{
    std::lock_guard<std::mutex> lock(_mutex);
    _aborted = true;
    for (auto& kv : _entries)
        shutdownEntry(kv.second, CutReason::Abort);
}

void HeadWatchdog::setState(Entry& e, State s)
{
    if (e.state == State::Head)
        --_pending;
    if (s == State::Head)
        ++_pending;
    e.state = s;
}

void HeadWatchdog::headComplete(Ticket& ticket)
{
    std::lock_guard<std::mutex> lock(_mutex);
    auto it = _entries.find(ticket._id);
    if (it != _entries.end() && it->second.state != State::Cut)
        setState(it->second, State::Busy);
}

void HeadWatchdog::awaitNext(Ticket& ticket)
{
    auto now = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> lock(_mutex);
    auto it = _entries.find(ticket._id);
    if (it == _entries.end() || it->second.state == State::Cut)
        return;
    setState(it->second, State::Idle);
    it->second.since = now;
    it->second.deadline = now + _options.keepAliveTimeout + _options.headTimeout;
}

void HeadWatchdog::release(Ticket& ticket)
{
    std::lock_guard<std::mutex> lock(_mutex);
    auto it = _entries.find(ticket._id);
    if (it != _entries.end())
    {
        setState(it->second, State::Busy);
        if (it->second.fd >= 0)
            ::close(it->second.fd);
        _entries.erase(it);
    }
    ticket._owner = nullptr;
}

HeadWatchdog::CutReason HeadWatchdog::cutReason(const Ticket& ticket) const
{
    std::lock_guard<std::mutex> lock(_mutex);
    auto it = _entries.find(ticket._id);
    return it == _entries.end() ? CutReason::None : it->second.cut;
}

int HeadWatchdog::pendingHeads() const
{
    std::lock_guard<std::mutex> lock(_mutex);
    return _pending;
}

bool HeadWatchdog::starved() const
{
    std::int64_t last = _lastStarvedMs.load();
    return last >= 0 && steadyMs(std::chrono::steady_clock::now()) - last < kStarvedHoldMs;
}

void HeadWatchdog::shutdownEntry(Entry& e, CutReason why)
{
    if (e.state == State::Cut)
        return;
    e.cut = why;
    // Shutting down (not closing) the socket makes the worker's blocked recv() return at once; the worker then
    // ends the connection and closes it itself.
    if (e.fd >= 0)
        ::shutdown(e.fd, SHUT_RDWR);
    setState(e, State::Cut);
}

void HeadWatchdog::check(std::chrono::steady_clock::time_point now)
{
    int busy = _busyWorkers ? _busyWorkers() : 0;
    int queued = _queued ? _queued() : 0;
    std::lock_guard<std::mutex> lock(_mutex);
    std::unordered_map<std::string, std::vector<Entry*>> perIp;
    int stale = 0; // heads pending for longer than any ordinary client needs to send one
    for (auto& kv : _entries)
    {
        Entry& e = kv.second;
        if (e.state == State::Idle && now < e.deadline && e.fd >= 0)
        {
            char c;
            if (::recv(e.fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) > 0)
            {
                // The next request has begun: its head gets the full deadline, within the idle bound.
                setState(e, State::Head);
                e.since = now;
                e.deadline = std::min(e.deadline, now + _options.headTimeout);
            }
        }
        if ((e.state == State::Head || e.state == State::Idle) && now >= e.deadline)
        {
            shutdownEntry(e, CutReason::Deadline);
            _deadlineCuts++;
            continue;
        }
        if (e.state == State::Idle && queued > 0 && now - e.since >= IDLE_YIELD)
        {
            shutdownEntry(e, CutReason::Yield);
            _yieldCuts++;
            continue;
        }
        if (e.state != State::Head || now - e.since < kCapGrace)
            continue;
        ++stale;
        if (!e.exempt && _options.perIpCap > 0)
            perIp[e.ip].push_back(&e);
    }
    for (auto& kv : perIp)
    {
        auto& list = kv.second;
        if (static_cast<int>(list.size()) <= _options.perIpCap)
            continue;
        // Keep the oldest (they reach their deadline first); cut the newest beyond the cap.
        std::sort(list.begin(), list.end(), [](const Entry* a, const Entry* b) { return a->since < b->since; });
        for (std::size_t i = static_cast<std::size_t>(_options.perIpCap); i < list.size(); ++i)
        {
            shutdownEntry(*list[i], CutReason::IpCap);
            _capCuts++;
            --stale;
        }
    }
    bool stuck = false;
    if (busy >= _options.maxThreads && queued > 0)
    {
        if (_queuedSince == std::chrono::steady_clock::time_point{})
            _queuedSince = now;
        stuck = now - _queuedSince >= _options.headTimeout;
    }
    else
        _queuedSince = {};
    if (stale >= _options.maxThreads || stuck)
        _lastStarvedMs = steadyMs(now);
}

} // namespace Host
} // namespace Monlight
