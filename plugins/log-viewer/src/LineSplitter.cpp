#include "LineSplitter.h"

#include "LineDecoder.h"
#include <algorithm>
#include <cstring>

namespace Monlight
{
namespace LogViewer
{

LineSplitter::LineSplitter(std::int64_t position, std::size_t maxLineBytes)
    : _base(position), _maxLine(std::max<std::size_t>(maxLineBytes, 4))
{
}

void LineSplitter::reset(std::int64_t position, bool midLine)
{
    _buf.clear();
    _off = 0;
    _base = position;
    _overlong = midLine;
    _skipping = false;
}

void LineSplitter::append(const char* data, std::size_t n)
{
    compact();
    _buf.append(data, n);
}

void LineSplitter::compact()
{
    if (_off > 0 && (_off >= _buf.size() || _off > 65536))
    {
        _buf.erase(0, _off);
        _off = 0;
    }
}

bool LineSplitter::next(PhysicalLine& line)
{
    for (;;)
    {
        std::size_t avail = _buf.size() - _off;
        if (avail == 0)
            return false;
        const char* begin = _buf.data() + _off;
        // Only the first maxLine+1 bytes need scanning: a line longer than that is over-long anyway.
        std::size_t scan = std::min(avail, _maxLine + 1);
        const char* nl = static_cast<const char*>(std::memchr(begin, '\n', scan));
        if (_skipping)
        {
            const char* anyNl = static_cast<const char*>(std::memchr(begin, '\n', avail));
            std::size_t drop = anyNl ? static_cast<std::size_t>(anyNl - begin) + 1 : avail;
            _off += drop;
            _base += static_cast<std::int64_t>(drop);
            if (anyNl)
                _skipping = false;
            continue;
        }
        if (nl)
        {
            std::size_t len = static_cast<std::size_t>(nl - begin);
            if (len <= _maxLine)
            {
                line.text = std::string_view(begin, len);
                line.start = _base;
                line.end = _base + static_cast<std::int64_t>(len) + 1;
                line.raw = _overlong;
                _overlong = false;
                _off += len + 1;
                _base = line.end;
                return true;
            }
        }
        if (avail <= _maxLine)
            return false; // wait for the newline
        // Over-long: hand out a raw chunk of at most maxLine bytes at a UTF-8 boundary.
        std::size_t cut = LineDecoder::utf8Cut(std::string_view(begin, avail), _maxLine);
        if (cut == 0)
            cut = _maxLine;
        line.text = std::string_view(begin, cut);
        line.start = _base;
        line.end = _base + static_cast<std::int64_t>(cut);
        line.raw = true;
        _overlong = true;
        _off += cut;
        _base = line.end;
        return true;
    }
}

bool LineSplitter::finish(PhysicalLine& line)
{
    if (next(line))
        return true;
    std::size_t avail = _buf.size() - _off;
    if (avail == 0 || _skipping)
    {
        _off = _buf.size();
        _base += static_cast<std::int64_t>(avail);
        return false;
    }
    line.text = std::string_view(_buf.data() + _off, avail);
    line.start = _base;
    line.end = _base + static_cast<std::int64_t>(avail);
    line.raw = _overlong;
    _overlong = false;
    _off += avail;
    _base = line.end;
    return true;
}

std::int64_t LineSplitter::firstSightStart(std::int64_t size, std::int64_t tailBuffer)
{
    return std::max<std::int64_t>(0, size - tailBuffer);
}

} // namespace LogViewer
} // namespace Monlight
