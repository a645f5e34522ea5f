// The host's strict chunked-body decoder (host/src/ChunkedDecoder.cpp, RFC 9112 §7.1). The first byte chooses
// the body cap; the rest is what the client sends after the request head.
//   Invariants: decoding the bytes in one call, in pieces of exactly minRemaining() bytes (what the host reads
//   from the socket) and byte by byte all give the same status, body and consumed count; a Done body is within
//   the cap, ends exactly at its final CRLF (one byte less is NeedMore, nothing after it is consumed, and the
//   pieces of minRemaining() bytes end exactly there: the next request stays in the connection's buffer);
//   NeedMore consumes everything; Invalid has a reason; a Done body re-encoded as one chunk decodes to itself.
#include "ChunkedDecoder.h"
#include "FuzzCheck.h"
#include <cstdio>

using Monlight::Host::ChunkedDecoder;
using Status = ChunkedDecoder::Status;

namespace
{
struct Outcome
{
    Status status;
    std::string body;
    std::size_t consumed;
};

Outcome inPieces(std::string_view data, std::size_t cap, bool byteByByte)
{
    ChunkedDecoder d(cap);
    std::size_t off = 0;
    while (d.status() == Status::NeedMore && off < data.size())
    {
        std::uint64_t want = byteByByte ? 1 : d.minRemaining();
        FUZZ_CHECK(want >= 1);
        std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(want, data.size() - off));
        std::size_t used = d.feed(data.data() + off, n);
        FUZZ_CHECK(used <= n);
        if (!byteByByte && d.status() == Status::Done)
            FUZZ_CHECK(used == n); // minRemaining() never asked for a byte past the body
        off += used;
        if (used < n)
            break;
    }
    if (d.status() != Status::NeedMore)
        FUZZ_CHECK(d.minRemaining() == 0);
    return Outcome{d.status(), d.body(), off};
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size)
{
    MonlightFuzz::Input in(data, size);
    std::size_t cap = 1 + in.byte() * 64;
    std::string_view wire = in.rest();

    std::string body;
    std::size_t consumed = 0;
    Status status = ChunkedDecoder::decode(wire.data(), wire.size(), cap, body, consumed);
    FUZZ_CHECK(consumed <= wire.size());

    for (bool byteByByte : {false, true})
    {
        Outcome o = inPieces(wire, cap, byteByByte);
        FUZZ_CHECK(o.status == status);
        if (status == Status::Done || status == Status::NeedMore)
        {
            FUZZ_CHECK(o.body == body);
            FUZZ_CHECK(o.consumed == consumed);
        }
    }

    if (status == Status::NeedMore)
        FUZZ_CHECK(consumed == wire.size());
    if (status == Status::Invalid)
    {
        ChunkedDecoder d(cap);
        d.feed(wire.data(), wire.size());
        FUZZ_CHECK(!d.reason().empty());
    }
    if (status != Status::Done)
        return 0;
    FUZZ_CHECK(body.size() <= cap);
    FUZZ_CHECK(consumed >= 5); // at least "0\r\n\r\n"
    FUZZ_CHECK(wire.substr(consumed - 2, 2) == "\r\n");
    std::string again;
    std::size_t used = 0;
    FUZZ_CHECK(ChunkedDecoder::decode(wire.data(), consumed - 1, cap, again, used) == Status::NeedMore);

    std::string one;
    if (!body.empty())
    {
        char size[32];
        std::snprintf(size, sizeof size, "%zx\r\n", body.size());
        one = size + body + "\r\n";
    }
    one += "0\r\n\r\n";
    FUZZ_CHECK(ChunkedDecoder::decode(one.data(), one.size(), cap, again, used) == Status::Done);
    FUZZ_CHECK(again == body && used == one.size());
    return 0;
}
