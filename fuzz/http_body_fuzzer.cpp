// The host's request framing and body reading (host/src/HttpExchange.cpp) behind Poco's request-head parser,
// over a real loopback connection: the input is everything a client sends on one keep-alive connection.
// Requests are served in order like the dispatcher does (the next one only when the body was read completely
// and the connection may stay open).
//   Invariants: body() either returns or throws HttpError (400 or 413, both closing the connection); a
//   returned body never exceeds the cap and has exactly Content-Length bytes when that header frames it.
#include "FuzzCheck.h"
#include "HttpExchange.h"
#include "Monlight/HttpError.h"
#include <Poco/Exception.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponseImpl.h>
#include <Poco/Net/HTTPServerSession.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

using namespace Monlight;

namespace
{
constexpr std::size_t CAP = 4096;
constexpr std::size_t MAX_BYTES = 32768; // stays within the loopback socket buffers: nothing blocks
Poco::Net::ServerSocket* listener;
} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    listener = new Poco::Net::ServerSocket(Poco::Net::SocketAddress("127.0.0.1", 0));
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size)
{
    if (size > MAX_BYTES)
        return 0;
    Poco::Net::StreamSocket client;
    client.connect(listener->address());
    Poco::Net::StreamSocket server = listener->acceptConnection();
    std::size_t sent = 0;
    while (sent < size)
        sent += static_cast<std::size_t>(client.sendBytes(data + sent, static_cast<int>(size - sent)));
    client.shutdownSend();

    Poco::Net::HTTPServerParams::Ptr params = new Poco::Net::HTTPServerParams;
    params->setTimeout(Poco::Timespan(1, 0));
    params->setKeepAliveTimeout(Poco::Timespan(0, 100000));
    params->setMaxKeepAliveRequests(16);
    Poco::Net::HTTPServerSession session(server, params);
    while (session.hasMoreRequests())
    {
        Poco::Net::HTTPServerResponseImpl response(session);
        std::unique_ptr<Poco::Net::HTTPServerRequestImpl> raw;
        try
        {
            raw = std::make_unique<Poco::Net::HTTPServerRequestImpl>(response, session, params.get());
        }
        catch (const Poco::Exception&)
        {
            break; // Poco answers 400 / closes: the head is not ours to parse
        }
        Host::RequestImpl req(*raw, raw->getURI(), "", "127.0.0.1", "fuzz");
        req.setBodyCap(CAP);
        bool keep = false;
        try
        {
            const std::string& body = req.body();
            FUZZ_CHECK(body.size() <= CAP);
            // (With Transfer-Encoding: chunked the chunked framing wins, RFC 9112 §6.3; the dispatcher refuses the
            // combination before the body is read.)
            if (raw->hasContentLength() && !raw->getChunkedTransferEncoding() && raw->getMethod() != "GET" &&
                raw->getMethod() != "HEAD" && raw->getMethod() != "DELETE")
            {
                if (static_cast<Poco::Int64>(body.size()) != raw->getContentLength64())
                    std::fprintf(stderr, "%s %s: Content-Length [%s], chunked %d, body %zu bytes\n",
                                 raw->getMethod().c_str(), raw->getURI().c_str(),
                                 raw->get("Content-Length").c_str(), int(raw->getChunkedTransferEncoding()),
                                 body.size());
                FUZZ_CHECK(static_cast<Poco::Int64>(body.size()) == raw->getContentLength64());
            }
            keep = req.bodyConsumed() && raw->getKeepAlive();
        }
        catch (const HttpError& e)
        {
            FUZZ_CHECK(e.status() == 400 || e.status() == 413);
        }
        catch (const Poco::Exception&)
        {
            // Poco's chunked stream throws on a malformed size line; the dispatcher answers 500 and closes.
        }
        if (!keep)
            break;
        session.setKeepAlive(true);
    }
    return 0;
}
