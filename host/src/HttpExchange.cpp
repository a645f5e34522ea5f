#include "HttpExchange.h"

#include "ChunkedDecoder.h"
#include "Monlight/HttpError.h"
#include <Poco/Net/HTTPFixedLengthStream.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/String.h>
#include <algorithm>

namespace Monlight
{
namespace Host
{

RequestImpl::RequestImpl(Poco::Net::HTTPServerRequest& raw, std::string path, const std::string& rawQuery,
                         std::string clientIp, std::string requestId)
    : _raw(raw), _path(std::move(path)), _query(rawQuery), _clientIp(std::move(clientIp)),
      _requestId(std::move(requestId))
{
}

std::string RequestImpl::pathParam(const std::string& name) const
{
    auto it = _params.find(name);
    return it == _params.end() ? std::string() : it->second;
}

std::string RequestImpl::header(const std::string& name, const std::string& dflt) const
{
    return _raw.get(name, dflt);
}

namespace
{
// 1–18 ASCII digits (RFC 9110 §8.6, bounded so that it fits an Int64); anything else is nothing.
std::optional<std::uint64_t> parseLength(const std::string& v)
{
    if (v.empty() || v.size() > 18)
        return std::nullopt;
    std::uint64_t n = 0;
    for (char c : v)
    {
        if (c < '0' || c > '9')
            return std::nullopt;
        n = n * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return n;
}
} // namespace

std::optional<std::uint64_t> RequestImpl::contentLength() const
{
    if (!_lengthParsed)
    {
        for (auto it = _raw.find(Poco::Net::HTTPMessage::CONTENT_LENGTH);
             it != _raw.end() && Poco::icompare(it->first, Poco::Net::HTTPMessage::CONTENT_LENGTH) == 0; ++it)
        {
            auto v = parseLength(it->second);
            if (!v || (_length && *_length != *v))
            {
                _lengthInvalid = true;
                break;
            }
            _length = v;
        }
        _lengthParsed = true;
    }
    if (_lengthInvalid)
        throw HttpError(400, "Bad request").closeConnection();
    return _length;
}

bool RequestImpl::hasBody() const
{
    if (_raw.getChunkedTransferEncoding())
        return true;
    if (!_lengthParsed)
    {
        try
        {
            contentLength();
        }
        catch (const HttpError&)
        {
            // remembered in _lengthInvalid
        }
    }
    return _lengthInvalid || _length.value_or(0) > 0; // unknown framing: the connection must not be reused
}

const std::string& RequestImpl::body()
{
    if (_bodyRead)
        return _body;
    const std::string& m = _raw.getMethod();
    if (m == "GET" || m == "HEAD" || m == "DELETE" || !hasBody())
    {
        // Bodies of GET/HEAD/DELETE are ignored (§0.7); they stay unread and the connection closes.
        if (!hasBody())
            _bodyRead = true;
        return _body;
    }
    if (_raw.getChunkedTransferEncoding())
    {
        readChunked();
        _bodyRead = true;
        return _body;
    }
    const std::optional<std::uint64_t> length = contentLength();
    if (length && *length > _cap)
        throw HttpError(413, "Request body exceeds maximum size").closeConnection();
    std::istream& in = _raw.stream();
    char buf[16384];
    while (in)
    {
        in.read(buf, sizeof buf);
        std::streamsize n = in.gcount();
        if (n <= 0)
            break;
        if (_body.size() + static_cast<std::size_t>(n) > _cap)
            throw HttpError(413, "Request body exceeds maximum size").closeConnection();
        _body.append(buf, static_cast<std::size_t>(n));
    }
    if (length && _body.size() != *length)
        throw HttpError(400, "Bad request").closeConnection();
    _bodyRead = true;
    return _body;
}

void RequestImpl::readChunked()
{
    // Poco's own chunked stream is lenient (see ChunkedDecoder). Read the raw bytes from the session instead,
    // never more than the body can still hold, so that a pipelined next request stays in the session's buffer.
    auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&_raw);
    ChunkedDecoder decoder(_cap);
    char buf[16384];
    while (decoder.status() == ChunkedDecoder::Status::NeedMore)
    {
        auto want = static_cast<std::streamsize>(std::min<std::uint64_t>(decoder.minRemaining(), sizeof buf));
        std::streamsize n = 0;
        if (impl)
        {
            Poco::Net::HTTPFixedLengthInputStream in(impl->session(), want);
            in.read(buf, want);
            n = in.gcount();
        }
        else
        {
            _raw.stream().read(buf, want); // a request not read from a socket (unit tests): its stream is the wire
            n = _raw.stream().gcount();
        }
        if (n <= 0)
            break;
        decoder.feed(buf, static_cast<std::size_t>(n));
    }
    switch (decoder.status())
    {
    case ChunkedDecoder::Status::Done: _body = std::move(decoder.body()); return;
    case ChunkedDecoder::Status::TooLarge:
        throw HttpError(413, "Request body exceeds maximum size").closeConnection();
    case ChunkedDecoder::Status::Invalid:
    case ChunkedDecoder::Status::NeedMore: // the connection ended or timed out inside the body
        break;
    }
    throw HttpError(400, "Bad request").closeConnection();
}

namespace
{
const std::string& reasonFor(int status)
{
    static const std::string permanentRedirect = "Permanent Redirect";
    static const std::string tooManyRequests = "Too Many Requests";
    if (status == 308)
        return permanentRedirect;
    if (status == 429)
        return tooManyRequests;
    return Poco::Net::HTTPResponse::getReasonForStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
}

/// Bodies up to this size go out in the same write as the head (one send, one wake-up of the client); larger
/// ones are not copied and follow in a second write.
constexpr std::size_t ONE_WRITE_MAX = 64 * 1024;

/// Writes all of `data` (Poco's blocking sendBytes may write part of it).
void sendAll(Poco::Net::StreamSocket& socket, const char* data, std::size_t n)
{
    while (n > 0)
    {
        int sent = socket.sendBytes(data, static_cast<int>(std::min<std::size_t>(n, 1 << 30)));
        if (sent <= 0)
            throw Poco::Net::ConnectionResetException("response not sent");
        data += sent;
        n -= static_cast<std::size_t>(sent);
    }
}

void appendStatus(std::string& out, int status)
{
    char digits[12];
    int n = 0;
    unsigned v = static_cast<unsigned>(status);
    do
    {
        digits[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0 && n < 11);
    while (n > 0)
        out += digits[--n];
}
} // namespace

void ResponseImpl::send(int status, const std::string& contentType, const std::string& body)
{
    if (_sent)
        throw Poco::IllegalStateException("response already sent");
    _raw.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status), reasonFor(status));
    if (!contentType.empty())
        _raw.setContentType(contentType);
    if (_close || (_request->hasBody() && !_request->bodyConsumed()))
        _raw.setKeepAlive(false);
    _raw.setContentLength64(static_cast<Poco::Int64>(body.size()));
    _sent = true;
    _status = status;
    _bytes = body.size();
    auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&_request->raw());
    if (!impl)
    {
        _raw.sendBuffer(body.data(), body.size()); // a request not read from a socket (unit tests)
        return;
    }
    // The head as Poco's HTTPResponse::write() makes it, then the body, in one buffer of this worker thread that
    // keeps its capacity between requests: one write instead of Poco's two (head, then body) and no allocation.
    thread_local std::string out;
    out.clear();
    out += _raw.getVersion();
    out += ' ';
    appendStatus(out, status);
    out += ' ';
    out += _raw.getReason();
    out += "\r\n";
    for (const auto& field : _raw)
    {
        out += field.first;
        out += ": ";
        out += field.second;
        out += "\r\n";
    }
    out += "\r\n";
    const bool withBody = _request->raw().getMethod() != Poco::Net::HTTPRequest::HTTP_HEAD && !body.empty();
    const bool together = withBody && body.size() <= ONE_WRITE_MAX;
    if (together)
        out += body;
    Poco::Net::StreamSocket& socket = impl->session().socket();
    sendAll(socket, out.data(), out.size());
    if (withBody && !together)
        sendAll(socket, body.data(), body.size());
    if (out.capacity() > 2 * ONE_WRITE_MAX)
        std::string().swap(out);
}

void ResponseImpl::json(int status, const std::string& body)
{
    _raw.set("Cache-Control", "no-store");
    send(status, "application/json", body);
}

Poco::Net::StreamSocket ResponseImpl::detach()
{
    auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&_request->raw());
    if (!impl)
        throw Poco::IllegalStateException("request cannot be detached");
    _sent = true;
    _detached = true;
    _status = 200;
    return impl->detachSocket();
}

std::string ResponseImpl::headBlock() const
{
    std::string out;
    for (const auto& kv : _raw)
    {
        if (kv.first == "Content-Length" || kv.first == "Connection" || kv.first == "Date")
            continue;
        out += kv.first + ": " + kv.second + "\r\n";
    }
    return out;
}

} // namespace Host
} // namespace Monlight
