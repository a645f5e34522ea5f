#include "HttpUpstream.h"

#include "Monlight/Tls.h"
#include <Poco/Exception.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/StreamCopier.h>
#include <Poco/Timestamp.h>
#include <algorithm>
#include <chrono>

namespace Monlight
{
namespace BrowserRelay
{

namespace
{

long nowUs()
{
    return static_cast<long>(Poco::Timestamp().epochMicroseconds());
}

Poco::Timespan remaining(long deadlineUs)
{
    const long left = deadlineUs - nowUs();
    if (left <= 0)
        throw Poco::TimeoutException("upstream timeout");
    return Poco::Timespan(left);
}

/// A keep-alive session whose every (re)connection is a TLS client connection: HTTPSession connects the TCP
/// socket (timeouts, buffer reset), then the socket is wrapped by the SDK's TLS module. HTTPClientSession calls
/// connect() itself when it opens or re-opens the connection, so reuse and reconnection work as for http.
class TlsSession : public Poco::Net::HTTPClientSession
{
public:
    TlsSession(const std::string& host, Poco::UInt16 port, bool verify)
        : Poco::Net::HTTPClientSession(host, port), _verify(verify)
    {
    }
    bool secure() const override { return true; }

protected:
    void connect(const Poco::Net::SocketAddress& address) override
    {
        Poco::Net::HTTPClientSession::connect(address);
        attachSocket(Tls::attachClient(socket(), getHost(), _verify));
    }

private:
    bool _verify;
};

} // namespace

HttpUpstream::HttpUpstream(const std::string& baseUrl, const std::string& path, std::string apiKey,
                           int timeoutMs, std::size_t poolSize, bool tlsVerify)
    : _apiKey(std::move(apiKey)), _timeoutMs(timeoutMs), _tlsVerify(tlsVerify),
      _poolSize(std::max<std::size_t>(1, poolSize))
{
    std::string base = baseUrl;
    while (!base.empty() && base.back() == '/')
        base.pop_back();
    _uri = Poco::URI(base);
    _https = _uri.getScheme() == "https";
    if ((_uri.getScheme() != "http" && !_https) || _uri.getHost().empty())
        throw Poco::InvalidArgumentException("only http:// and https:// upstream URLs are supported", baseUrl);
    _target = _uri.getPath() + path;
    if (!_uri.getRawQuery().empty())
        _target += "?" + _uri.getRawQuery();
}

HttpUpstream::~HttpUpstream() = default;

std::size_t HttpUpstream::connections() const
{
    std::lock_guard<std::mutex> lock(_mutex);
    return _open;
}

HttpUpstream::Session HttpUpstream::acquire(bool& reused, long deadlineUs)
{
    std::unique_lock<std::mutex> lock(_mutex);
    for (;;)
    {
        if (!_idle.empty())
        {
            Session s = std::move(_idle.back());
            _idle.pop_back();
            reused = true;
            return s;
        }
        if (_open < _poolSize)
        {
            ++_open;
            lock.unlock();
            reused = false;
            Session s = _https ? std::make_unique<TlsSession>(_uri.getHost(), _uri.getPort(), _tlsVerify)
                               : std::make_unique<Poco::Net::HTTPClientSession>(_uri.getHost(), _uri.getPort());
            s->setKeepAlive(true);
            return s;
        }
        const long left = deadlineUs - nowUs();
        if (left <= 0)
            throw Poco::TimeoutException("no upstream connection available");
        _available.wait_for(lock, std::chrono::microseconds(left));
    }
}

void HttpUpstream::release(Session session, bool reusable)
{
    {
        std::lock_guard<std::mutex> lock(_mutex);
        if (reusable)
            _idle.push_back(std::move(session));
        else
            --_open;
    }
    _available.notify_one();
}

HttpUpstream::Reply HttpUpstream::exchange(Poco::Net::HTTPClientSession& session, const std::string& body,
                                           const std::string& requestId, long deadlineUs, bool& answerStarted)
{
    const Poco::Timespan left = remaining(deadlineUs);
    session.setTimeout(std::min(left, Poco::Timespan(2000 * 1000)), left, left);
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_POST, _target,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    request.setKeepAlive(true);
    request.setContentType("application/json");
    request.setContentLength(static_cast<std::streamsize>(body.size()));
    request.set("X-API-Key", _apiKey);
    if (!requestId.empty())
        request.set("X-Request-Id", requestId);
    std::ostream& out = session.sendRequest(request);
    out.write(body.data(), static_cast<std::streamsize>(body.size()));
    out.flush();
    if (!out.good())
        throw Poco::Net::ConnectionResetException("upstream send failed");

    if (session.connected())
        session.socket().setReceiveTimeout(remaining(deadlineUs));
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    answerStarted = true;
    Reply reply;
    reply.status = static_cast<int>(response.getStatus());
    reply.retryAfter = response.get("Retry-After", "");
    Poco::StreamCopier::copyToString(in, reply.body);
    remaining(deadlineUs);
    return reply;
}

HttpUpstream::Reply HttpUpstream::post(const std::string& body, const std::string& requestId)
{
    const long deadlineUs = nowUs() + static_cast<long>(_timeoutMs) * 1000;
    for (int attempt = 0;; ++attempt)
    {
        bool reused = false;
        Session session = acquire(reused, deadlineUs);
        bool answerStarted = false;
        try
        {
            Reply reply = exchange(*session, body, requestId, deadlineUs, answerStarted);
            release(std::move(session), true);
            return reply;
        }
        catch (const Poco::TimeoutException&)
        {
            release(std::move(session), false);
            throw;
        }
        catch (const Poco::Exception&)
        {
            release(std::move(session), false);
            // A keep-alive connection the upstream closed while idle: retry once on a fresh connection.
            if (reused && !answerStarted && attempt == 0)
                continue;
            throw;
        }
    }
}

} // namespace BrowserRelay
} // namespace Monlight
