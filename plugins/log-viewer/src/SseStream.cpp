#include "SseStream.h"

#include "SteadyClock.h"
#include "EntryFormat.h"
#include "FilterParser.h"
#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

namespace Monlight
{
namespace LogViewer
{

namespace
{

constexpr std::size_t BACKLOG_PAGE_BYTES = 256 * 1024;
/// Live batches arriving within this long after a write go out together in the next one: fewer, larger socket
/// writes per client under load, at most this much later. Never while half the queue bound is waiting: held
/// events count towards the overflow bound like any others.
constexpr std::int64_t COALESCE_MS = 20;
constexpr long SEND_TIMEOUT_S = 10;

} // namespace

SseStream::SseStream(LogFilter filter, Options options, std::function<void(SseStream&)> onEnd)
    : _filter(std::move(filter)), _opt(options), _onEnd(std::move(onEnd))
{
    _unfiltered = _filter.containers.empty() && _filter.levels.empty() && !_filter.isStderr &&
                  (!_filter.contains || _filter.contains->empty()) && !_filter.traceId && !_filter.fromApi;
    _eventFd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

SseStream::~SseStream()
{
    join();
    if (_eventFd >= 0)
        ::close(_eventFd);
}

void SseStream::start(Poco::Net::StreamSocket socket, std::string initial, std::int64_t lastSentId,
                      Backlog backlog)
{
    _socket = std::move(socket);
    _initial = std::move(initial);
    _lastSent = lastSentId;
    _backlog = std::move(backlog);
    _thread = std::thread([this] { run(); });
}

void SseStream::startPull(Poco::Net::StreamSocket socket, std::string initial, Pull pull, std::int64_t pollMs)
{
    _socket = std::move(socket);
    _initial = std::move(initial);
    _pull = std::move(pull);
    _pollMs = std::max<std::int64_t>(10, pollMs);
    _thread = std::thread([this] { runPull(); });
}

void SseStream::wake()
{
    if (_eventFd >= 0)
    {
        std::uint64_t one = 1;
        [[maybe_unused]] auto n = ::write(_eventFd, &one, sizeof one);
    }
}

std::size_t SseStream::countMatches(const PublishedBatch& b) const
{
    if (_unfiltered)
        return b.entries().size();
    std::size_t n = 0;
    for (const auto& e : b.entries())
    {
        if (FilterParser::matches(_filter, e))
            ++n;
    }
    return n;
}

bool SseStream::push(const PublishedBatchPtr& batch, std::uint64_t transaction)
{
    if (_finished.load())
        return true;
    std::size_t n = countMatches(*batch);
    if (n == 0)
        return true;
    bool wakeNow;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        if (!_closeReason.empty())
            return true;
        // Only events still waiting from earlier transactions count: a large commit (one batch or several
        // committed together) for a caught-up client is fine.
        if (transaction != _transaction)
        {
            _queuedBefore = _queuedEvents;
            _transaction = transaction;
        }
        if (_queuedBefore >= _opt.queueSize)
        {
            _closeReason = "overflow";
            _queue.clear();
            _queuedEvents = 0;
            _queuedBefore = 0;
            wake();
            return false;
        }
        const std::size_t half = _opt.queueSize / 2;
        // Otherwise the stream was woken already and has not taken the queue yet, or holds it back on purpose:
        // within COALESCE_MS after a write it wakes by its own timer, so the writer thread makes no wake-up
        // call per stream and batch under a steady load.
        wakeNow = (_queue.empty() && steadyMs() >= _holdUntil) ||
                  (_queuedEvents < half && _queuedEvents + n >= half);
        _queue.push_back(batch);
        _queuedEvents += n;
    }
    if (wakeNow)
        wake();
    return true;
}

void SseStream::close(const std::string& reason)
{
    {
        std::lock_guard<std::mutex> lock(_mutex);
        if (_closeReason.empty())
            _closeReason = reason;
    }
    wake();
}

void SseStream::abort()
{
    try
    {
        _socket.shutdown();
    }
    catch (...)
    {
        // the client is gone already: nothing left to end
    }
}

void SseStream::join()
{
    if (_thread.joinable() && _thread.get_id() != std::this_thread::get_id())
        _thread.join();
}

bool SseStream::sendAll(const char* data, std::size_t n)
{
    std::int64_t started = steadyMs();
    try
    {
        while (n > 0)
        {
            started = steadyMs();
            int sent = _socket.sendBytes(data, static_cast<int>(std::min<std::size_t>(n, 1 << 20)));
            if (sent <= 0)
                return false;
            data += sent;
            n -= static_cast<std::size_t>(sent);
        }
        return true;
    }
    catch (const Poco::Exception& e)
    {
        // A write that blocked for the whole send timeout: the client does not read.
        int code = e.code();
        if (dynamic_cast<const Poco::TimeoutException*>(&e) || code == EAGAIN || code == EWOULDBLOCK ||
            code == ETIMEDOUT || steadyMs() - started >= SEND_TIMEOUT_S * 1000 / 2)
            _stalled = true;
        return false;
    }
    catch (...)
    {
        return false; // client gone
    }
}

bool SseStream::sendAll(const std::vector<const std::string*>& pieces)
{
    constexpr std::size_t MAX_IOV = 64;
    std::size_t next = 0, offset = 0; // the first byte not sent yet: pieces[next], at `offset`
    const int fd = _socket.impl()->sockfd();
    while (next < pieces.size())
    {
        if (offset >= pieces[next]->size())
        {
            ++next, offset = 0;
            continue;
        }
        struct iovec iov[MAX_IOV];
        std::size_t n = 0;
        for (std::size_t i = next; i < pieces.size() && n < MAX_IOV; ++i)
        {
            const std::size_t skip = i == next ? offset : 0;
            if (pieces[i]->size() <= skip)
                continue;
            iov[n].iov_base = const_cast<char*>(pieces[i]->data() + skip);
            iov[n].iov_len = pieces[i]->size() - skip;
            ++n;
        }
        struct msghdr msg = {};
        msg.msg_iov = iov;
        msg.msg_iovlen = n;
        const std::int64_t started = steadyMs();
        const ssize_t sent = ::sendmsg(fd, &msg, MSG_NOSIGNAL);
        if (sent < 0)
        {
            if (errno == EINTR)
                continue;
            // The send timeout (SO_SNDTIMEO) ran out: the client does not read.
            if (errno == EAGAIN || errno == EWOULDBLOCK || steadyMs() - started >= SEND_TIMEOUT_S * 1000 / 2)
                _stalled = true;
            return false; // or the client is gone
        }
        if (sent == 0)
            return false;
        advance(pieces, next, offset, static_cast<std::size_t>(sent));
    }
    return true;
}

void SseStream::advance(const std::vector<const std::string*>& pieces, std::size_t& next, std::size_t& offset,
                        std::size_t sent)
{
    while (sent > 0 && next < pieces.size())
    {
        const std::size_t here = pieces[next]->size() - offset;
        if (sent < here)
        {
            offset += sent;
            return;
        }
        sent -= here;
        ++next, offset = 0;
    }
}

bool SseStream::sendBacklog()
{
    if (!_backlog.page)
        return true;
    // Pages are read from the database as they are sent, so a resume holds one page in memory, not the whole
    // backlog. Live batches queued meanwhile are dropped before each page: they were committed before the page
    // is read, so the page (or a later one) contains them.
    std::int64_t cursor = _lastSent;
    try
    {
        if (_backlog.start)
            cursor = std::max(cursor, _backlog.start());
        std::string out;
        for (;;)
        {
            {
                std::lock_guard<std::mutex> lock(_mutex);
                _queue.clear();
                _queuedEvents = 0;
                _queuedBefore = 0;
                if (!_closeReason.empty())
                    break;
            }
            std::vector<LogEntry> page = _backlog.page(cursor, BACKLOG_PAGE_BYTES);
            _lastSent = std::max(_lastSent, cursor);
            if (page.empty())
                break;
            out.clear();
            for (const auto& e : page)
            {
                out += EntryFormat::sseFrame(e);
                cursor = std::max(cursor, e.id);
            }
            page.clear();
            page.shrink_to_fit();
            if (!sendAll(out))
                return false;
            _lastSent = std::max(_lastSent, cursor);
        }
    }
    catch (...)
    {
        return false; // the database went away (shutdown)
    }
    _backlog = Backlog();
    return true;
}

void SseStream::run()
{
    try
    {
        _socket.setNoDelay(true);
        _socket.setSendTimeout(Poco::Timespan(SEND_TIMEOUT_S, 0));
    }
    catch (...)
    {
        // a client gone before the first event: the first write fails and ends the stream
    }
    const std::int64_t started = steadyMs();
    std::int64_t nextHeartbeat = started + _opt.heartbeatMs;
    const std::int64_t endAt = started + _opt.maxDurationMs;
    bool ok = sendAll(_initial);
    _initial.clear();
    _initial.shrink_to_fit();
    if (ok)
        ok = sendBacklog();
    std::vector<const std::string*> pieces;
    std::deque<std::string> owned;
    std::deque<PublishedBatchPtr> work;
    int sock = _socket.impl()->sockfd();
    std::int64_t lastWrite = 0;

    while (ok)
    {
        std::string reason;
        std::int64_t now = steadyMs();
        bool waiting; // batches queued but held back to go out with the next ones
        {
            std::lock_guard<std::mutex> lock(_mutex);
            reason = _closeReason;
            waiting = !_queue.empty() && reason.empty() && now < lastWrite + COALESCE_MS &&
                      _queuedEvents < _opt.queueSize / 2;
            if (!waiting)
            {
                work.swap(_queue);
                _queuedEvents = 0;
                _queuedBefore = 0;
                if (!work.empty())
                    _holdUntil = now + COALESCE_MS; // batches until then wait for the timer below
            }
        }
        // What goes out, in order: whole batches' shared frame blocks (an unfiltered stream that has sent none of
        // the batch: no copy) and runs of single frames copied into `owned`. `work` keeps the batches alive.
        pieces.clear();
        owned.clear();
        for (const auto& b : work)
        {
            const auto& entries = b->entries();
            if (entries.empty())
                continue;
            if (_unfiltered && entries.front().id > _lastSent)
            {
                pieces.push_back(&b->frames());
                _lastSent = entries.back().id;
                continue;
            }
            for (std::size_t i = 0; i < entries.size(); ++i)
            {
                const LogEntry& e = entries[i];
                if (e.id <= _lastSent || !FilterParser::matches(_filter, e))
                    continue;
                if (pieces.empty() || owned.empty() || pieces.back() != &owned.back())
                {
                    owned.emplace_back(); // deque: earlier elements keep their addresses
                    pieces.push_back(&owned.back());
                }
                owned.back() += b->frame(i);
                _lastSent = e.id;
            }
        }
        if (!work.empty())
            lastWrite = now;
        if (!pieces.empty())
            ok = sendAll(pieces);
        work.clear();
        if (!ok)
            break;
        now = steadyMs();
        if (reason.empty() && now >= endAt)
            reason = "max_duration";
        if (!reason.empty())
        {
            sendAll("event: close\ndata: {\"reason\":\"" + reason + "\"}\n\n");
            break;
        }
        if (now >= nextHeartbeat)
        {
            ok = sendAll(std::string("event: heartbeat\ndata: {}\n\n"));
            nextHeartbeat = now + _opt.heartbeatMs;
            continue;
        }
        // While batches are held back the wake-up descriptor is not watched (it stays readable): the timeout
        // ends the wait. Until COALESCE_MS after a write, push() does not wake the stream: the timeout does.
        struct pollfd fds[2] = {{sock, POLLIN | POLLRDHUP, 0}, {_eventFd, POLLIN, 0}};
        std::int64_t until = std::min(nextHeartbeat, endAt);
        bool pending; // batches queued during the write above, which push() did not wake the stream for
        {
            std::lock_guard<std::mutex> lock(_mutex);
            pending = !_queue.empty();
        }
        if (waiting || pending || now < lastWrite + COALESCE_MS)
            until = std::min(until, lastWrite + COALESCE_MS);
        int timeout = static_cast<int>(std::max<std::int64_t>(0, until - now));
        int rc = ::poll(fds, waiting ? 1 : 2, timeout);
        if (rc < 0 && errno != EINTR)
            break;
        if (rc > 0 && !waiting && (fds[1].revents & POLLIN))
        {
            std::uint64_t v;
            [[maybe_unused]] auto n = ::read(_eventFd, &v, sizeof v);
        }
        if (rc > 0 && (fds[0].revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR)))
        {
            char buf[512];
            ssize_t n = ::recv(sock, buf, sizeof buf, MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) ||
                (fds[0].revents & (POLLHUP | POLLERR)))
                break; // the client closed the connection
        }
    }
    try
    {
        _socket.shutdown();
    }
    catch (...)
    {
        // the client is gone already: nothing left to end
    }
    try
    {
        _socket.close();
    }
    catch (...)
    {
        // the client is gone already: nothing left to end
    }
    _finished = true;
    if (_onEnd)
        _onEnd(*this);
}

void SseStream::runPull()
{
    try
    {
        _socket.setNoDelay(true);
        _socket.setSendTimeout(Poco::Timespan(SEND_TIMEOUT_S, 0));
    }
    catch (...)
    {
        // a client gone before the first event: the first write fails and ends the stream
    }
    const std::int64_t started = steadyMs();
    std::int64_t nextHeartbeat = started + _opt.heartbeatMs;
    const std::int64_t endAt = started + _opt.maxDurationMs;
    bool ok = sendAll(_initial);
    _initial.clear();
    _initial.shrink_to_fit();
    int sock = _socket.impl()->sockfd();
    while (ok)
    {
        // Drain what the database has for this stream, page by page.
        try
        {
            bool more = true;
            while (ok && more)
            {
                {
                    std::lock_guard<std::mutex> lock(_mutex);
                    if (!_closeReason.empty())
                        break;
                }
                more = false;
                std::string frames = _pull(more);
                if (!frames.empty())
                    ok = sendAll(frames);
            }
        }
        catch (...)
        {
            // the database is away for now (restart, pool exhausted): the next wake-up or poll tries again
        }
        if (!ok)
            break;
        std::string reason;
        {
            std::lock_guard<std::mutex> lock(_mutex);
            reason = _closeReason;
        }
        std::int64_t now = steadyMs();
        if (reason.empty() && now >= endAt)
            reason = "max_duration";
        if (!reason.empty())
        {
            sendAll("event: close\ndata: {\"reason\":\"" + reason + "\"}\n\n");
            break;
        }
        if (now >= nextHeartbeat)
        {
            ok = sendAll(std::string("event: heartbeat\ndata: {}\n\n"));
            nextHeartbeat = now + _opt.heartbeatMs;
            continue;
        }
        struct pollfd fds[2] = {{sock, POLLIN | POLLRDHUP, 0}, {_eventFd, POLLIN, 0}};
        std::int64_t until = std::min({nextHeartbeat, endAt, now + _pollMs});
        int rc = ::poll(fds, 2, static_cast<int>(std::max<std::int64_t>(0, until - now)));
        if (rc < 0 && errno != EINTR)
            break;
        if (rc > 0 && (fds[1].revents & POLLIN))
        {
            std::uint64_t v;
            [[maybe_unused]] auto n = ::read(_eventFd, &v, sizeof v);
        }
        if (rc > 0 && (fds[0].revents & (POLLIN | POLLRDHUP | POLLHUP | POLLERR)))
        {
            char buf[512];
            ssize_t n = ::recv(sock, buf, sizeof buf, MSG_DONTWAIT);
            if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) ||
                (fds[0].revents & (POLLHUP | POLLERR)))
                break; // the client closed the connection
        }
    }
    try
    {
        _socket.shutdown();
    }
    catch (...)
    {
        // the client is gone already: nothing left to end
    }
    try
    {
        _socket.close();
    }
    catch (...)
    {
        // the client is gone already: nothing left to end
    }
    _finished = true;
    if (_onEnd)
        _onEnd(*this);
}

} // namespace LogViewer
} // namespace Monlight
