#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace Monlight
{
namespace LogViewer
{

/// One physical line cut out of a log file, with its byte offsets (§3.7).
struct PhysicalLine
{
    std::string_view text;  ///< without the `\n`; valid until the next call on the splitter
    std::int64_t start = 0; ///< file offset of the first byte
    std::int64_t end = 0;   ///< file offset just after the `\n` (or after the last byte of a raw chunk)
    bool raw = false;       ///< a piece of an over-long line: stored as raw text, never parsed as JSON
};

/// Cuts the bytes of one log file into complete lines, tracking byte-exact offsets. Bytes after the last `\n`
/// stay buffered until their newline arrives. Lines longer than `maxLineBytes` are handed out as raw chunks
/// of at most that size (cut at UTF-8 boundaries) so nothing is dropped and memory stays bounded.
class LineSplitter
{
public:
    /// `position` is the file offset of the next byte that will be appended.
    explicit LineSplitter(std::int64_t position = 0, std::size_t maxLineBytes = 262144);

    /// Restarts at `position` with an empty buffer. `midLine`: the position is inside an over-long line (the
    /// byte before it is not `\n`), so the bytes up to the next `\n` are its raw tail.
    void reset(std::int64_t position, bool midLine = false);

    /// Discards everything up to and including the next `\n` (first sight of a file cut by `tail_buffer`).
    void skipToNextLine() { _skipping = true; }

    void append(const char* data, std::size_t n);

    /// The next complete line, or false when more bytes are needed.
    bool next(PhysicalLine& line);

    /// Hands out the buffered rest as a final line even without `\n` (end of a rotated file). False if empty.
    bool finish(PhysicalLine& line);

    /// File offset just after the last handed-out line (the consumed position).
    std::int64_t consumed() const { return _base; }
    /// File offset of the next byte to append (consumed + buffered).
    std::int64_t appended() const { return _base + static_cast<std::int64_t>(_buf.size() - _off); }
    std::size_t buffered() const { return _buf.size() - _off; }
    bool skipping() const { return _skipping; }

    /// Where a file seen for the first time starts (§3.7 "No cursor"): S = max(0, size − tailBuffer). The
    /// caller skips to the next line when S > 0 and the byte before S is not `\n` (see needsSkip()).
    static std::int64_t firstSightStart(std::int64_t size, std::int64_t tailBuffer);
    /// True when reading from `start` must first skip the cut line: start > 0 and the byte before is not
    /// `\n`.
    static bool needsSkip(std::int64_t start, char byteBefore) { return start > 0 && byteBefore != '\n'; }

private:
    void compact();

    std::string _buf;
    std::size_t _off = 0;   // first unconsumed byte of _buf
    std::int64_t _base = 0; // file offset of _buf[_off]
    std::size_t _maxLine;
    bool _overlong = false; // inside an over-long line: the rest up to `\n` is raw
    bool _skipping = false;
};

} // namespace LogViewer
} // namespace Monlight
