#include "PgTailWatcher.h"

#include <chrono>

namespace Monlight
{
namespace LogViewer
{

PgTailWatcher::PgTailWatcher(std::shared_ptr<PgLogStore> store, SseHub& hub, std::int64_t pollMs)
    : _store(std::move(store)), _hub(hub), _pollMs(pollMs)
{
    _thread = std::thread([this] { run(); });
}

PgTailWatcher::~PgTailWatcher()
{
    stop();
}

void PgTailWatcher::stop()
{
    {
        std::lock_guard<std::mutex> lock(_mutex);
        _stop = true;
    }
    _cv.notify_all();
    if (_thread.joinable())
        _thread.join();
}

void PgTailWatcher::run()
{
    std::string last;
    std::unique_lock<std::mutex> lock(_mutex);
    while (!_stop)
    {
        _cv.wait_for(lock, std::chrono::milliseconds(_pollMs), [this] { return _stop; });
        if (_stop)
            break;
        if (_hub.size() == 0)
        {
            last.clear();
            continue;
        }
        lock.unlock();
        try
        {
            std::string now = _store->end().format();
            if (now != last)
            {
                _hub.pokeAll();
                last = std::move(now);
            }
        }
        catch (...)
        {
            // the database is away: the streams' own polls retry, and so does the next round here
        }
        lock.lock();
    }
}

} // namespace LogViewer
} // namespace Monlight
