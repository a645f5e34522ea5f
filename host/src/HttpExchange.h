#pragma once

#include "Monlight/Http.h"
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <map>
#include <optional>
#include <string>

namespace Monlight
{
namespace Host
{

/// The dispatcher's Request: path after prefix stripping, decoded query, route params, identity, capped body.
class RequestImpl : public Request
{
public:
    RequestImpl(Poco::Net::HTTPServerRequest& raw, std::string path, const std::string& rawQuery,
                std::string clientIp, std::string requestId);

    const std::string& method() const override { return _raw.getMethod(); }
    const std::string& path() const override { return _path; }
    const QueryParams& query() const override { return _query; }
    std::string pathParam(const std::string& name) const override;
    std::string header(const std::string& name, const std::string& dflt) const override;
    bool hasHeader(const std::string& name) const override { return _raw.has(name); }
    const std::string& clientIp() const override { return _clientIp; }
    const std::string& requestId() const override { return _requestId; }
    const std::string& principal() const override { return _principal; }
    const std::optional<DsnIdentity>& dsn() const override { return _dsn; }
    const std::string& body() override;
    Poco::Net::HTTPServerRequest& raw() override { return _raw; }

    void setParams(std::map<std::string, std::string> p) { _params = std::move(p); }
    void setPrincipal(std::string p) { _principal = std::move(p); }
    void setDsn(DsnIdentity d) { _dsn = std::move(d); }
    void setBodyCap(std::size_t cap) { _cap = cap; }
    /// The request carries a body (Content-Length > 0 or chunked), or may carry one (an invalid Content-Length).
    bool hasBody() const;
    /// The Content-Length, nothing when absent. Throws HttpError 400 `Bad request` (closing the connection) when it is not
    /// one decimal number (empty, signed, not a number, or several different values): Poco reads such a value
    /// as "unknown", and the body would then run as the next request on the connection.
    std::optional<std::uint64_t> contentLength() const;
    /// The body was read completely (so the connection can be kept alive).
    bool bodyConsumed() const { return _bodyRead; }

private:
    /// Reads a chunked body with strict framing; throws HttpError 400 (malformed or truncated) or 413, both
    /// closing the connection.
    void readChunked();

    Poco::Net::HTTPServerRequest& _raw;
    std::string _path;
    QueryParams _query;
    std::map<std::string, std::string> _params;
    std::string _clientIp;
    std::string _requestId;
    std::string _principal;
    std::optional<DsnIdentity> _dsn;
    std::size_t _cap = 65536;
    // contentLength(), worked out once: the header fields do not change.
    mutable bool _lengthParsed = false;
    mutable bool _lengthInvalid = false;
    mutable std::optional<std::uint64_t> _length;
    bool _bodyRead = false;
    std::string _body;
};

/// The dispatcher's Response over a Poco response.
class ResponseImpl : public Response
{
public:
    ResponseImpl(Poco::Net::HTTPServerResponse& raw, RequestImpl& request) : _raw(raw), _request(&request) {}

    void setHeader(const std::string& name, const std::string& value) override { _raw.set(name, value); }
    void json(int status, const std::string& body) override;
    void send(int status, const std::string& contentType, const std::string& body) override;
    bool sent() const override { return _sent; }
    Poco::Net::StreamSocket detach() override;
    std::string headBlock() const override;

    int status() const { return _status; }
    std::size_t bytes() const { return _bytes; }
    bool detached() const { return _detached; }
    /// Close the connection after this response.
    void closeAfter() { _close = true; }
    /// The request whose body state decides keep-alive (the inner request on the combined listener).
    void bindRequest(RequestImpl& request) { _request = &request; }
    /// Sends `100 Continue` (deferred by the dispatcher until the request passed steps 1–10).
    void sendContinueIfNeeded() { _raw.sendContinue(); }

private:
    Poco::Net::HTTPServerResponse& _raw;
    RequestImpl* _request;
    bool _sent = false;
    bool _detached = false;
    bool _close = false;
    int _status = 0;
    std::size_t _bytes = 0;
};

} // namespace Host
} // namespace Monlight
