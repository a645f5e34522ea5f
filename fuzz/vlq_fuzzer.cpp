// Base64 VLQ decoding of source map `mappings` (plugins/browser-relay/src/Base64Vlq.cpp).
//   Invariants: decode() stays inside the text and advances; what decodeAll() accepts re-encodes to text that
//   decodes to the same numbers.
#include "Base64Vlq.h"
#include "FuzzCheck.h"
#include <string>

using namespace Monlight::BrowserRelay;

namespace
{
std::string encode(const std::vector<std::int32_t>& values)
{
    static const char* digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (std::int32_t v : values)
    {
        std::int64_t w = v;
        std::uint64_t acc = w < 0 ? (static_cast<std::uint64_t>(-w) << 1) | 1 : static_cast<std::uint64_t>(w) << 1;
        do
        {
            unsigned digit = acc & 0x1f;
            acc >>= 5;
            if (acc)
                digit |= 0x20;
            out += digits[digit];
        } while (acc);
    }
    return out;
}
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);
    for (char c : text)
    {
        int d = Base64Vlq::digitValue(c);
        FUZZ_CHECK(d >= -1 && d < 64);
    }
    std::size_t pos = 0;
    while (pos < text.size())
    {
        std::size_t before = pos;
        std::int32_t v = 0;
        bool ok = Base64Vlq::decode(text, pos, v);
        if (!ok)
            break;
        FUZZ_CHECK(pos > before && pos <= text.size());
    }
    std::vector<std::int32_t> values;
    if (!Base64Vlq::decodeAll(text, values))
        return 0;
    std::vector<std::int32_t> again;
    FUZZ_CHECK(Base64Vlq::decodeAll(encode(values), again));
    FUZZ_CHECK(again == values);
    return 0;
}
