#include "SseHub.h"

#include <algorithm>
#include <chrono>

namespace Monlight
{
namespace LogViewer
{

SseHub::SseHub(Options options, std::function<void(std::size_t)> onCountChange,
               std::function<void()> onOverflow)
    : _opt(options), _onCountChange(std::move(onCountChange)), _onOverflow(std::move(onOverflow))
{
}

SseHub::~SseHub()
{
    shutdown();
}

std::shared_ptr<SseStream> SseHub::open(LogFilter filter)
{
    reap();
    std::shared_ptr<SseStream> stream;
    std::size_t n;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        if (_stopping || _streams.size() >= _opt.maxConnections)
            return nullptr;
        stream =
            std::make_shared<SseStream>(std::move(filter), _opt.stream, [this](SseStream& s) { ended(s); });
        _streams.push_back(stream);
        n = _streams.size();
        _active = n;
    }
    if (_onCountChange)
        _onCountChange(n);
    return stream;
}

void SseHub::abandon(const std::shared_ptr<SseStream>& stream)
{
    std::size_t n;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        _streams.erase(std::remove(_streams.begin(), _streams.end(), stream), _streams.end());
        n = _streams.size();
        _active = n;
    }
    _cv.notify_all();
    if (_onCountChange)
        _onCountChange(n);
}

void SseHub::ended(SseStream& stream)
{
    if (stream.stalled() && _onOverflow)
        _onOverflow(); // a client that stopped reading is dropped like one whose queue overflowed
    std::size_t n;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        auto it =
            std::find_if(_streams.begin(), _streams.end(), [&](const auto& p) { return p.get() == &stream; });
        if (it != _streams.end())
        {
            _done.push_back(*it);
            _streams.erase(it);
        }
        n = _streams.size();
        _active = n;
    }
    _cv.notify_all();
    if (_onCountChange)
        _onCountChange(n);
}

void SseHub::reap()
{
    std::vector<std::shared_ptr<SseStream>> done;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        done.swap(_done);
    }
    for (auto& s : done)
        s->join();
}

void SseHub::publish(std::vector<LogEntry>& entries, std::uint64_t transaction)
{
    if (entries.empty() || _active.load() == 0)
        return;
    if (transaction == 0)
        transaction = (std::uint64_t(1) << 63) | ++_ownTransactions; // never equal to a database's number
    std::vector<std::shared_ptr<SseStream>> streams;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        streams = _streams;
    }
    if (streams.empty())
        return;
    // The writer is done with the entries: they are taken, not copied. Frames are made later, off this thread.
    auto byId = [](const LogEntry& a, const LogEntry& b) { return a.id < b.id; };
    if (!std::is_sorted(entries.begin(), entries.end(), byId))
        std::sort(entries.begin(), entries.end(), byId);
    auto batch = std::make_shared<const PublishedBatch>(std::move(entries));
    PublishedBatchPtr shared = batch;
    for (auto& s : streams)
    {
        if (!s->push(shared, transaction) && _onOverflow)
            _onOverflow();
    }
}

void SseHub::pokeAll()
{
    if (_active.load() == 0)
        return;
    std::vector<std::shared_ptr<SseStream>> streams;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        streams = _streams;
    }
    for (auto& s : streams)
        s->poke();
}

void SseHub::stopping(long waitMs)
{
    std::vector<std::shared_ptr<SseStream>> streams;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        _stopping = true;
        streams = _streams;
    }
    for (auto& s : streams)
        s->close("shutdown");
    std::unique_lock<std::mutex> lock(_mutex);
    _cv.wait_for(lock, std::chrono::milliseconds(waitMs), [this] { return _streams.empty(); });
}

void SseHub::shutdown()
{
    std::vector<std::shared_ptr<SseStream>> streams;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        _stopping = true;
        streams = _streams;
    }
    for (auto& s : streams)
    {
        s->close("shutdown");
        s->abort();
    }
    for (auto& s : streams)
        s->join();
    reap();
    std::lock_guard<std::mutex> lock(_mutex);
    _streams.clear();
}

std::size_t SseHub::size() const
{
    return _active.load();
}

} // namespace LogViewer
} // namespace Monlight
