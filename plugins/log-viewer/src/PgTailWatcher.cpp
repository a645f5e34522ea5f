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
    _stop = true;
    if (_thread.joinable())
        _thread.join();
}

void PgTailWatcher::run()
{
    std::unique_ptr<Pg::Listener> listener;
    try
    {
        listener = _store->listener();
    }
    catch (...)
    {
        // no listener: polling alone
    }
    std::string last;
    std::int64_t nextPoll = 0;
    while (!_stop.load())
    {
        bool heard = false;
        try
        {
            if (listener)
                heard = listener->wait(100); // short: stop() is seen within this
            else
                std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        catch (...)
        {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        if (_hub.size() == 0)
        {
            last.clear();
            continue;
        }
        if (heard)
            _hub.pokeAll();
        const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count();
        if (now < nextPoll)
            continue;
        nextPoll = now + _pollMs;
        try
        {
            std::string end = _store->end().format();
            if (end != last)
            {
                _hub.pokeAll();
                last = std::move(end);
            }
        }
        catch (...)
        {
            // the database is away: the streams' own polls retry, and so does the next round here
        }
    }
}

} // namespace LogViewer
} // namespace Monlight
