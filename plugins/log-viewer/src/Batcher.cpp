#include "Batcher.h"

#include "SteadyClock.h"
#include <chrono>
#include <thread>

namespace Monlight
{
namespace LogViewer
{

namespace
{
constexpr std::int64_t RETRY_MS = 1000;
constexpr std::int64_t SHUTDOWN_RETRY_MS = 200;
constexpr int SHUTDOWN_ATTEMPTS = 3;

} // namespace

Batcher::Batcher(Hooks hooks, std::size_t maxInFlight, Poco::Logger& logger)
    : _hooks(std::move(hooks)), _maxInFlight(maxInFlight > 0 ? maxInFlight : 1), _logger(logger)
{
}

void Batcher::push(const std::atomic<bool>& stop)
{
    if (!_current.entries.empty() || !_current.cursors.empty())
    {
        _pending.push_back({std::make_shared<IngestBatch>(std::move(_current)), {}});
        _current = IngestBatch();
        updateSince();
        submitWaiting();
    }
    while (_pending.size() > _maxInFlight && !stop.load())
    {
        if (_pending.front().future.valid())
            settleFront(true);
        else
        {
            std::this_thread::sleep_for(std::chrono::milliseconds(std::min<std::int64_t>(100, std::max<std::int64_t>(1, _retryAt - steadyMs()))));
            submitWaiting();
        }
    }
}

void Batcher::collect()
{
    while (!_pending.empty() && _pending.front().future.valid() && settleFront(false))
    {
    }
    submitWaiting();
}

void Batcher::drain()
{
    while (!_pending.empty())
    {
        if (_pending.front().future.valid())
        {
            settleFront(true);
            continue;
        }
        if (_attempts >= SHUTDOWN_ATTEMPTS)
        {
            _logger.error(std::to_string(_pending.size()) +
                          " log batches not stored at shutdown; their lines are read again at the next start");
            _pending.clear();
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(SHUTDOWN_RETRY_MS));
        _retryAt = 0;
        submitWaiting();
    }
    updateSince();
}

std::int64_t Batcher::nextDue() const
{
    if (_pending.empty())
        return -1;
    return _pending.front().future.valid() ? 0 : _retryAt;
}

void Batcher::submitWaiting()
{
    if (steadyMs() < _retryAt)
        return;
    for (auto& p : _pending)
    {
        if (p.future.valid() || !p.batch)
            continue;
        try
        {
            p.future = _hooks.submit(p.batch, _sequence);
        }
        catch (const Poco::Exception& e)
        {
            failed(e.displayText());
            return; // the later ones wait: they must not commit ahead of this one
        }
        catch (const std::exception& e)
        {
            failed(e.what());
            return;
        }
    }
}

bool Batcher::settleFront(bool block)
{
    Pending& front = _pending.front();
    if (!block && front.future.wait_for(std::chrono::seconds(0)) != std::future_status::ready)
        return false;
    bool ok = false;
    try
    {
        front.future.get();
        ok = true;
    }
    catch (const Poco::Exception& e)
    {
        failed(e.displayText());
    }
    catch (const std::exception& e)
    {
        failed(e.what());
    }
    if (!ok)
    {
        // Every later batch of the sequence fails too, without running: wait for them, then submit them all
        // again, in order, when the retry is due.
        for (std::size_t i = 1; i < _pending.size() && _pending[i].future.valid(); ++i)
        {
            try
            {
                _pending[i].future.get();
                _pending[i].batch.reset(); // committed after all (cannot happen with one sequence): not again
            }
            catch (...)
            {
                // expected: held back by the sequence
            }
        }
        _sequence->reset();
        return true;
    }
    _attempts = 0;
    _pending.pop_front();
    while (!_pending.empty() && !_pending.front().batch)
        _pending.pop_front();
    _frontSince = 0;
    updateSince();
    if (_hooks.committed)
        _hooks.committed();
    return true;
}

void Batcher::failed(const std::string& why)
{
    ++_attempts;
    if (_attempts == 1 || _attempts % 60 == 0)
        _logger.error("log batch commit failed (retrying): " + why);
    _retryAt = steadyMs() + RETRY_MS;
}

void Batcher::updateSince()
{
    if (_pending.empty())
        _frontSince = 0;
    else if (_frontSince == 0)
        _frontSince = steadyMs();
    _since = _frontSince;
}

} // namespace LogViewer
} // namespace Monlight
