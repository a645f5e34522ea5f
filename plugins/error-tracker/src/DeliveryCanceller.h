#pragma once

#include <Poco/Net/Socket.h>
#include <atomic>
#include <map>
#include <mutex>

namespace Monlight
{
namespace ErrorTracker
{

/// Lets shutdown interrupt alert deliveries that are blocked on a slow server: channels register their
/// connected sockets here, and cancel() shuts every registered socket down so blocked reads return at once.
class DeliveryCanceller
{
public:
    /// Registers a connected socket for the lifetime of the guard.
    class Guard
    {
    public:
        Guard(DeliveryCanceller* canceller, const Poco::Net::Socket& socket);
        ~Guard();
        Guard(const Guard&) = delete;
        Guard& operator=(const Guard&) = delete;

    private:
        DeliveryCanceller* _canceller;
        int _id = 0;
    };

    /// Marks the canceller cancelled and shuts down every registered socket (read and write).
    void cancel();
    bool cancelled() const { return _cancelled.load(); }

private:
    int attach(const Poco::Net::Socket& socket);
    void detach(int id);

    std::mutex _mutex;
    std::map<int, Poco::Net::Socket> _sockets;
    int _next = 0;
    std::atomic<bool> _cancelled{false};
};

} // namespace ErrorTracker
} // namespace Monlight
