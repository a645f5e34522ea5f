#pragma once

#include <Poco/Net/HTTPClientSession.h>
#include <Poco/URI.h>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace Monlight
{
namespace BrowserRelay
{

/// POSTs JSON to one upstream endpoint over a bounded pool of keep-alive connections (§5.11).
class HttpUpstream
{
public:
    struct Reply
    {
        int status = 0;
        std::string body;
        std::string retryAfter; ///< the answer's Retry-After header, if any
    };

    /// `baseUrl` is `http[s]://host:port[/prefix]` (a trailing `/` is removed), `path` is appended
    /// (`/api/errors`). Throws Poco::InvalidArgumentException for a URL that is neither http nor https.
    /// https:// connections go through the SDK's on-demand TLS module (Monlight/Tls.h); `tlsVerify` checks
    /// the upstream's certificate against the system CAs and its host name.
    HttpUpstream(const std::string& baseUrl, const std::string& path, std::string apiKey, int timeoutMs,
                 std::size_t poolSize, bool tlsVerify = true);
    ~HttpUpstream();

    /// Sends one request and reads the whole answer within the timeout. A send that fails on a reused
    /// connection before any answer byte is retried once on a new connection. Throws Poco::Exception
    /// (timeout, connection failure, no free connection in time).
    Reply post(const std::string& body, const std::string& requestId);

    /// Idle plus busy connections.
    std::size_t connections() const;
    const std::string& target() const { return _target; }

private:
    using Session = std::unique_ptr<Poco::Net::HTTPClientSession>;
    Session acquire(bool& reused, long deadlineUs);
    void release(Session session, bool reusable);
    Reply exchange(Poco::Net::HTTPClientSession& session, const std::string& body,
                   const std::string& requestId, long deadlineUs, bool& answerStarted);

    Poco::URI _uri;
    std::string _target; ///< path (with prefix and query) of the request
    std::string _apiKey;
    int _timeoutMs;
    bool _https = false;
    bool _tlsVerify = true;
    std::size_t _poolSize;
    mutable std::mutex _mutex;
    std::condition_variable _available;
    std::vector<Session> _idle;
    std::size_t _open = 0;
};

} // namespace BrowserRelay
} // namespace Monlight
