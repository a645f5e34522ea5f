#pragma once

#include <cstddef>
#include <string>

namespace Monlight
{
namespace BrowserRelay
{

/// Undoes a request's Content-Encoding (§11.3) with a cap enforced while decoding: a decompression bomb never
/// allocates more than `cap` bytes of output.
class ContentDecoder
{
public:
    /// Decodes `body` according to `encoding` (case-insensitive; empty and `identity` = none; `gzip`, `x-gzip`,
    /// `deflate` as zlib or raw deflate, `br`). Throws HttpError 415 `Unsupported Content-Encoding: <value>`,
    /// 413 `Request body too large` when the output would exceed `cap`, 400 `Invalid <encoding> body` on corrupt
    /// or truncated input.
    static std::string decode(const std::string& body, const std::string& encoding, std::size_t cap);

    static std::string gunzip(const std::string& body, std::size_t cap);    ///< gzip (several members allowed)
    static std::string inflate(const std::string& body, std::size_t cap);   ///< zlib, else raw deflate
    static std::string unbrotli(const std::string& body, std::size_t cap);
};

} // namespace BrowserRelay
} // namespace Monlight
