#include "DeliveryCanceller.h"

#include <Poco/Net/SocketImpl.h>
#include <sys/socket.h>

namespace Monlight
{
namespace ErrorTracker
{

DeliveryCanceller::Guard::Guard(DeliveryCanceller* canceller, const Poco::Net::Socket& socket)
    : _canceller(canceller)
{
    if (_canceller)
        _id = _canceller->attach(socket);
}

DeliveryCanceller::Guard::~Guard()
{
    if (_canceller)
        _canceller->detach(_id);
}

int DeliveryCanceller::attach(const Poco::Net::Socket& socket)
{
    std::lock_guard<std::mutex> lock(_mutex);
    int id = ++_next;
    _sockets.emplace(id, socket);
    if (_cancelled)
        ::shutdown(socket.impl()->sockfd(), SHUT_RDWR);
    return id;
}

void DeliveryCanceller::detach(int id)
{
    std::lock_guard<std::mutex> lock(_mutex);
    _sockets.erase(id);
}

void DeliveryCanceller::cancel()
{
    std::lock_guard<std::mutex> lock(_mutex);
    _cancelled = true;
    // A raw shutdown(2) wakes a thread blocked in poll/recv on the descriptor, for plain and TLS sockets
    // alike, without closing the descriptor under its feet.
    for (auto& [id, socket] : _sockets)
        ::shutdown(socket.impl()->sockfd(), SHUT_RDWR);
}

} // namespace ErrorTracker
} // namespace Monlight
