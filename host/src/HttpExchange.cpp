#include "HttpExchange.h"

#include "ChunkedDecoder.h"
#include "Monlight/HttpError.h"
#include <Poco/Net/HTTPFixedLengthStream.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerSession.h>
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
    if (!_raw.has(Poco::Net::HTTPMessage::CONTENT_LENGTH))
        return std::nullopt;
    std::optional<std::uint64_t> length;
    for (auto it = _raw.find(Poco::Net::HTTPMessage::CONTENT_LENGTH);
         it != _raw.end() && Poco::icompare(it->first, Poco::Net::HTTPMessage::CONTENT_LENGTH) == 0; ++it)
    {
        auto v = parseLength(it->second);
        if (!v || (length && *length != *v))
            throw HttpError(400, "Bad request").closeConnection();
        length = v;
    }
    return length;
}

bool RequestImpl::hasBody() const
{
    if (_raw.getChunkedTransferEncoding())
        return true;
    if (!_raw.has(Poco::Net::HTTPMessage::CONTENT_LENGTH))
        return false;
    try
    {
        return *contentLength() > 0;
    }
    catch (const HttpError&)
    {
        return true; // unknown framing: the connection must not be reused
    }
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
std::string reasonFor(int status)
{
    if (status == 308)
        return "Permanent Redirect";
    if (status == 429)
        return "Too Many Requests";
    return Poco::Net::HTTPResponse::getReasonForStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
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
    _raw.sendBuffer(body.data(), body.size());
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
