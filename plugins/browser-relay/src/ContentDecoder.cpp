#include "ContentDecoder.h"

#include <Monlight/HttpError.h>
#include <Poco/String.h>
#include <brotli/decode.h>
#include <algorithm>
#include <cctype>
#include <memory>
#include <vector>
#include <zlib.h>

namespace Monlight
{
namespace BrowserRelay
{

namespace
{

[[noreturn]] void tooLarge()
{
    throw HttpError(413, "Request body too large");
}

std::string lower(std::string s)
{
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

/// zlib inflate with `windowBits` (31 gzip, 15 zlib, -15 raw). Output is grown in steps, never past `cap`.
void zinflate(const std::string& in, int windowBits, std::size_t cap, std::string& out, const char* name)
{
    z_stream zs{};
    if (inflateInit2(&zs, windowBits) != Z_OK)
        throw HttpError(500, "Internal server error");
    struct Guard
    {
        z_stream* z;
        ~Guard() { inflateEnd(z); }
    } guard{&zs};
    out.clear();
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    char buf[65536];
    for (;;)
    {
        zs.next_out = reinterpret_cast<Bytef*>(buf);
        zs.avail_out = sizeof buf;
        const int rc = inflate(&zs, Z_NO_FLUSH);
        const std::size_t produced = sizeof buf - zs.avail_out;
        if (out.size() + produced > cap)
            tooLarge();
        out.append(buf, produced);
        if (rc == Z_STREAM_END)
        {
            // gzip allows several members back to back
            if (windowBits == 31 && zs.avail_in > 0)
            {
                if (inflateReset(&zs) != Z_OK)
                    throw HttpError(400, std::string("Invalid ") + name + " body");
                continue;
            }
            return;
        }
        if (rc != Z_OK)
            throw HttpError(400, std::string("Invalid ") + name + " body");
        if (zs.avail_in == 0 && zs.avail_out != 0)
            throw HttpError(400, std::string("Invalid ") + name + " body"); // truncated
    }
}

} // namespace

std::string ContentDecoder::gunzip(const std::string& body, std::size_t cap)
{
    std::string out;
    zinflate(body, 31, cap, out, "gzip");
    return out;
}

std::string ContentDecoder::inflate(const std::string& body, std::size_t cap)
{
    // RFC 9110 says zlib; some clients send raw deflate. A zlib header: CM 8 and a multiple of 31.
    const bool zlibHeader = body.size() >= 2 && (static_cast<unsigned char>(body[0]) & 0x0f) == 8 &&
                            ((static_cast<unsigned char>(body[0]) << 8) | static_cast<unsigned char>(body[1])) % 31 == 0;
    std::string out;
    zinflate(body, zlibHeader ? 15 : -15, cap, out, "deflate");
    return out;
}

std::string ContentDecoder::unbrotli(const std::string& body, std::size_t cap)
{
    std::unique_ptr<BrotliDecoderState, void (*)(BrotliDecoderState*)> st(
        BrotliDecoderCreateInstance(nullptr, nullptr, nullptr), BrotliDecoderDestroyInstance);
    if (!st)
        throw HttpError(500, "Internal server error");
    std::string out;
    const std::uint8_t* next_in = reinterpret_cast<const std::uint8_t*>(body.data());
    std::size_t avail_in = body.size();
    std::uint8_t buf[65536];
    for (;;)
    {
        std::uint8_t* next_out = buf;
        std::size_t avail_out = sizeof buf;
        const BrotliDecoderResult rc =
            BrotliDecoderDecompressStream(st.get(), &avail_in, &next_in, &avail_out, &next_out, nullptr);
        const std::size_t produced = sizeof buf - avail_out;
        if (out.size() + produced > cap)
            tooLarge();
        out.append(reinterpret_cast<const char*>(buf), produced);
        if (rc == BROTLI_DECODER_RESULT_SUCCESS)
            return out;
        if (rc == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT)
            continue;
        throw HttpError(400, "Invalid br body"); // error, or needs more input = truncated
    }
}

std::string ContentDecoder::decode(const std::string& body, const std::string& encoding, std::size_t cap)
{
    // A list such as `gzip, br` is applied right to left (the last coding was applied last).
    std::vector<std::string> codings;
    std::size_t start = 0;
    while (start <= encoding.size())
    {
        std::size_t comma = encoding.find(',', start);
        if (comma == std::string::npos)
            comma = encoding.size();
        const std::string c = lower(Poco::trim(encoding.substr(start, comma - start)));
        if (!c.empty() && c != "identity")
            codings.push_back(c);
        start = comma + 1;
    }
    for (const auto& c : codings)
        if (c != "gzip" && c != "x-gzip" && c != "deflate" && c != "br")
            throw HttpError(415, "Unsupported Content-Encoding: " + Poco::trim(encoding));
    if (codings.empty())
    {
        if (body.size() > cap)
            tooLarge();
        return body;
    }
    std::string data = body;
    for (auto it = codings.rbegin(); it != codings.rend(); ++it)
    {
        if (*it == "br")
            data = unbrotli(data, cap);
        else if (*it == "deflate")
            data = inflate(data, cap);
        else
            data = gunzip(data, cap);
    }
    return data;
}

} // namespace BrowserRelay
} // namespace Monlight
