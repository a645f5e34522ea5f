#include "SlidingWindow.h"

namespace Monlight
{
namespace Common
{

std::int64_t SlidingWindow::sumFrom(const Window& w, std::int64_t from, std::int64_t now)
{
    std::int64_t sum = 0;
    for (std::size_t i = 0; i < 60; ++i)
        if (w.count[i] && w.second[i] >= from && w.second[i] <= now)
            sum += w.count[i];
    return sum;
}

SlidingWindow::Decision SlidingWindow::decide(const Window& w, std::int64_t limit, std::int64_t now)
{
    if (sumFrom(w, now - 59, now) < limit)
        return {true, 0};
    // Smallest s ≥ 1 after which the window t+s-59 … t (the counts we already have) drops below the limit.
    for (int s = 1; s <= 60; ++s)
        if (sumFrom(w, now + s - 59, now) < limit)
            return {false, s};
    return {false, 60};
}

SlidingWindow::Window& SlidingWindow::window(const std::string& principal, std::int64_t now)
{
    auto it = _windows.find(principal);
    if (it != _windows.end())
    {
        _lru.splice(_lru.begin(), _lru, it->second.lru);
        it->second.last = now;
        return it->second;
    }
    // Forget idle principals first, then the least recently used beyond the bound.
    while (!_lru.empty())
    {
        auto& oldest = _windows.at(_lru.back());
        if (oldest.last > now - 60 && _windows.size() < _max)
            break;
        _windows.erase(_lru.back());
        _lru.pop_back();
    }
    _lru.push_front(principal);
    Window& w = _windows[principal];
    w.lru = _lru.begin();
    w.last = now;
    return w;
}

SlidingWindow::Decision SlidingWindow::hit(const std::string& principal, std::int64_t limit, std::int64_t now)
{
    std::lock_guard<std::mutex> lock(_mutex);
    Window& w = window(principal, now);
    Decision d = decide(w, limit, now);
    if (d.allowed)
    {
        std::size_t slot = static_cast<std::size_t>(((now % 60) + 60) % 60);
        if (w.second[slot] != now)
        {
            w.second[slot] = now;
            w.count[slot] = 0;
        }
        w.count[slot]++;
    }
    return d;
}

SlidingWindow::Decision SlidingWindow::check(const std::string& principal, std::int64_t limit, std::int64_t now)
{
    std::lock_guard<std::mutex> lock(_mutex);
    auto it = _windows.find(principal);
    if (it == _windows.end())
        return {true, 0};
    return decide(it->second, limit, now);
}

void SlidingWindow::add(const std::string& principal, std::int64_t now)
{
    std::lock_guard<std::mutex> lock(_mutex);
    Window& w = window(principal, now);
    std::size_t slot = static_cast<std::size_t>(((now % 60) + 60) % 60);
    if (w.second[slot] != now)
    {
        w.second[slot] = now;
        w.count[slot] = 0;
    }
    w.count[slot]++;
}

std::size_t SlidingWindow::size() const
{
    std::lock_guard<std::mutex> lock(_mutex);
    return _windows.size();
}

} // namespace Common
} // namespace Monlight
