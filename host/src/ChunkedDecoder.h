#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace Monlight
{
namespace Host
{

/// Strict decoder of the HTTP/1.1 chunked transfer coding (RFC 9112 §7.1), fed with raw bytes as they arrive.
///
/// Poco 1.11's chunked stream ends the body at the first chunk-size line it cannot parse and treats end of input
/// inside a chunk as a complete body, so a malformed body either loses its tail or leaves bytes behind that the
/// connection then reads as a second request. This decoder accepts only
///   chunk-size (1–16 hex digits) [BWS ";" extension...] CRLF, exactly chunk-size bytes, CRLF,
///   ... "0" CRLF, trailer field lines (each with a ':'), CRLF
/// with CRLF line ends (no bare LF), no control characters in size lines or trailers, size lines up to 1 KiB and
/// trailers up to 8 KiB. Anything else is Invalid. It never consumes a byte after the final CRLF, and
/// minRemaining() lets a reader ask the socket for no more than the body can still hold, so a pipelined next
/// request stays in the connection's buffer.
class ChunkedDecoder
{
public:
    enum class Status
    {
        NeedMore, ///< the body is incomplete
        Done,     ///< the final CRLF was consumed; body() is complete
        Invalid,  ///< framing error (reason()); nothing after it may be read from the connection
        TooLarge  ///< the decoded body would exceed the cap
    };

    /// `cap`: the largest decoded body accepted (a chunk size that would pass it is TooLarge at once).
    explicit ChunkedDecoder(std::size_t cap);

    /// Consumes bytes of `data` up to the end of the body; returns how many were consumed. Once the status is
    /// not NeedMore, consumes nothing more.
    std::size_t feed(const char* data, std::size_t size);

    Status status() const { return _status; }
    /// The fewest bytes a valid rest of the body can have (≥ 1 while NeedMore, 0 otherwise): reading at most this
    /// many bytes from a connection never takes bytes that belong to the next request.
    std::uint64_t minRemaining() const;
    /// The decoded payload so far.
    const std::string& body() const { return _body; }
    std::string& body() { return _body; }
    /// Why the body is Invalid (a short English phrase), empty otherwise.
    const std::string& reason() const { return _reason; }

    /// Decodes a whole buffer in one call (tests, fuzzing): returns the status after feeding `data`, stores the
    /// payload in `body` and the number of bytes used in `consumed`.
    static Status decode(const char* data, std::size_t size, std::size_t cap, std::string& body,
                         std::size_t& consumed);

private:
    enum class State
    {
        SizeStart,   ///< first hex digit of a chunk-size
        Size,        ///< more hex digits, BWS, ';' or CR
        SizeSpace,   ///< after BWS following the digits: more BWS, ';' or CR
        Extension,   ///< chunk extensions up to CR
        SizeLf,      ///< LF ending the size line
        Data,        ///< chunk data
        DataCr,      ///< CR after the chunk data
        DataLf,      ///< LF after the chunk data
        TrailerStart, ///< first byte of a trailer line (CR = end of the trailer section)
        Trailer,     ///< inside a trailer field line
        TrailerLf,   ///< LF ending a trailer field line
        FinalLf,     ///< LF of the empty line ending the body
        End
    };

    void fail(const char* why);

    std::size_t _cap;
    Status _status = Status::NeedMore;
    State _state = State::SizeStart;
    std::uint64_t _chunk = 0;      ///< size of the current chunk (while reading its size line)
    std::uint64_t _left = 0;       ///< data bytes of the current chunk still to come
    unsigned _digits = 0;          ///< hex digits of the current size line
    std::size_t _lineBytes = 0;    ///< bytes of the current size line
    std::size_t _trailerBytes = 0; ///< bytes of the trailer section
    bool _colon = false;           ///< the current trailer line has a ':'
    std::string _body;
    std::string _reason;
};

} // namespace Host
} // namespace Monlight
