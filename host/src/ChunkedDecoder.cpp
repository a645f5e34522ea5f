#include "ChunkedDecoder.h"

#include "Monlight/Text.h"
#include <algorithm>

namespace Monlight
{
namespace Host
{

namespace
{
constexpr std::size_t kMaxSizeLine = 1024;
constexpr std::size_t kMaxTrailer = 8192;
constexpr unsigned kMaxDigits = 16;
/// "0" CRLF CRLF: the shortest possible end of a chunked body.
constexpr std::uint64_t kLastChunk = 5;

/// Field-value and extension characters: HTAB, SP, visible ASCII and obs-text; never other controls.
bool lineChar(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7F);
}
} // namespace

ChunkedDecoder::ChunkedDecoder(std::size_t cap) : _cap(cap)
{
}

void ChunkedDecoder::fail(const char* why)
{
    _status = Status::Invalid;
    _reason = why;
    _state = State::End;
}

std::uint64_t ChunkedDecoder::minRemaining() const
{
    if (_status != Status::NeedMore)
        return 0;
    // After a size line: the chunk's data, its CRLF and a last chunk; after the last chunk's line, the final CRLF.
    std::uint64_t afterLine = _chunk == 0 ? 2 : _chunk + 2 + kLastChunk;
    switch (_state)
    {
    case State::SizeStart: return kLastChunk;
    case State::Size:
    case State::SizeSpace:
    case State::Extension: return 2 + afterLine;
    case State::SizeLf: return 1 + afterLine;
    case State::Data: return _left + 2 + kLastChunk;
    case State::DataCr: return 2 + kLastChunk;
    case State::DataLf: return 1 + kLastChunk;
    case State::TrailerStart: return 2;
    case State::Trailer: return 4;
    case State::TrailerLf: return 3;
    case State::FinalLf: return 1;
    case State::End: return 0;
    }
    return 1;
}

std::size_t ChunkedDecoder::feed(const char* data, std::size_t size)
{
    std::size_t i = 0;
    while (i < size && _status == Status::NeedMore)
    {
        if (_state == State::Data)
        {
            std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(_left, size - i));
            _body.append(data + i, n);
            i += n;
            _left -= n;
            if (_left == 0)
                _state = State::DataCr;
            continue;
        }
        unsigned char c = static_cast<unsigned char>(data[i++]);
        switch (_state)
        {
        case State::SizeStart:
        case State::Size:
        {
            int v = Text::hexValue(static_cast<char>(c));
            if (v >= 0)
            {
                if (++_digits > kMaxDigits)
                    { fail("chunk size too long"); return i; }
                _chunk = _chunk * 16 + static_cast<unsigned>(v);
                // More digits only make the size larger, so a prefix over the cap is already too large.
                if (_chunk > _cap - _body.size())
                {
                    _status = Status::TooLarge;
                    _state = State::End;
                    return i;
                }
                _state = State::Size;
            }
            else if (_state == State::SizeStart)
                { fail("chunk size expected"); return i; }
            else if (c == ' ' || c == '\t')
                _state = State::SizeSpace;
            else if (c == ';')
                _state = State::Extension;
            else if (c == '\r')
                _state = State::SizeLf;
            else
                { fail("invalid chunk size"); return i; }
            break;
        }
        case State::SizeSpace:
            if (c == ';')
                _state = State::Extension;
            else if (c != ' ' && c != '\t')
                { fail("invalid chunk size line"); return i; }
            break;
        case State::Extension:
            if (c == '\r')
                _state = State::SizeLf;
            else if (!lineChar(c))
                { fail("invalid chunk extension"); return i; }
            break;
        case State::SizeLf:
            if (c != '\n')
                { fail("chunk size line not ended by CRLF"); return i; }
            if (_chunk == 0)
                _state = State::TrailerStart;
            else
            {
                _left = _chunk;
                _state = State::Data;
            }
            _chunk = 0;
            _digits = 0;
            _lineBytes = 0;
            continue;
        case State::DataCr:
            if (c != '\r')
                { fail("chunk data longer than its size"); return i; }
            _state = State::DataLf;
            break;
        case State::DataLf:
            if (c != '\n')
                { fail("chunk data not ended by CRLF"); return i; }
            _state = State::SizeStart;
            break;
        case State::TrailerStart:
            if (c == '\r')
                _state = State::FinalLf;
            else if (c == ' ' || c == '\t' || c == ':' || !lineChar(c))
                { fail("invalid trailer line"); return i; }
            else
            {
                _colon = false;
                _state = State::Trailer;
            }
            break;
        case State::Trailer:
            if (c == '\r')
            {
                if (!_colon)
                    { fail("trailer line without ':'"); return i; }
                _state = State::TrailerLf;
            }
            else if (!lineChar(c))
                { fail("invalid trailer line"); return i; }
            else if (c == ':')
                _colon = true;
            break;
        case State::TrailerLf:
            if (c != '\n')
                { fail("trailer line not ended by CRLF"); return i; }
            _state = State::TrailerStart;
            break;
        case State::FinalLf:
            if (c != '\n')
                { fail("chunked body not ended by CRLF"); return i; }
            _state = State::End;
            _status = Status::Done;
            break;
        case State::Data:
        case State::End: break;
        }
        if (_state == State::Size || _state == State::SizeSpace || _state == State::Extension ||
            _state == State::SizeLf)
        {
            if (++_lineBytes > kMaxSizeLine)
                { fail("chunk size line too long"); return i; }
        }
        else if (_state == State::Trailer || _state == State::TrailerLf || _state == State::TrailerStart ||
                 _state == State::FinalLf)
        {
            if (++_trailerBytes > kMaxTrailer)
                { fail("trailer section too long"); return i; }
        }
    }
    return i;
}

ChunkedDecoder::Status ChunkedDecoder::decode(const char* data, std::size_t size, std::size_t cap,
                                              std::string& body, std::size_t& consumed)
{
    ChunkedDecoder d(cap);
    consumed = d.feed(data, size);
    body = std::move(d.body());
    return d.status();
}

} // namespace Host
} // namespace Monlight
