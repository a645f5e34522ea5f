#include "PercentileSketch.h"
#include <Poco/Exception.h>
#include <algorithm>
#include <cmath>
#include <limits>

namespace Monlight
{
namespace MetricsCollector
{

namespace
{

const double GAMMA = (1.0 + PercentileSketch::RELATIVE_ACCURACY) / (1.0 - PercentileSketch::RELATIVE_ACCURACY);
const double LN_GAMMA = std::log(GAMMA);

void putVarint(std::string& out, std::uint64_t v)
{
    while (v >= 0x80)
    {
        out.push_back(static_cast<char>((v & 0x7F) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

std::uint64_t zigzag(std::int64_t v)
{
    return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}

std::int64_t unzigzag(std::uint64_t v)
{
    return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

class Reader
{
public:
    explicit Reader(std::string_view data) : _data(data) {}

    std::uint64_t varint()
    {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (_pos >= _data.size())
                throw Poco::DataFormatException("sketch: truncated varint");
            auto b = static_cast<unsigned char>(_data[_pos++]);
            v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
            if (!(b & 0x80))
                return v;
        }
        throw Poco::DataFormatException("sketch: varint too long");
    }

    unsigned char byte()
    {
        if (_pos >= _data.size())
            throw Poco::DataFormatException("sketch: empty");
        return static_cast<unsigned char>(_data[_pos++]);
    }

    bool atEnd() const { return _pos == _data.size(); }

private:
    std::string_view _data;
    std::size_t _pos = 0;
};

void writeBins(std::string& out, const std::map<int, std::uint64_t>& bins)
{
    putVarint(out, bins.size());
    std::int64_t previous = 0;
    for (const auto& [index, count] : bins)
    {
        putVarint(out, zigzag(static_cast<std::int64_t>(index) - previous));
        putVarint(out, count);
        previous = index;
    }
}

std::uint64_t readBins(Reader& in, std::map<int, std::uint64_t>& bins)
{
    std::uint64_t n = in.varint();
    if (n > PercentileSketch::MAX_BINS)
        throw Poco::DataFormatException("sketch: too many bins");
    std::int64_t index = 0;
    std::uint64_t total = 0;
    for (std::uint64_t i = 0; i < n; ++i)
    {
        index += unzigzag(in.varint());
        std::uint64_t count = in.varint();
        if (count == 0 || index < std::numeric_limits<int>::min() || index > std::numeric_limits<int>::max())
            throw Poco::DataFormatException("sketch: bad bin");
        if (i > 0 && static_cast<int>(index) <= bins.rbegin()->first)
            throw Poco::DataFormatException("sketch: bins out of order");
        bins.emplace_hint(bins.end(), static_cast<int>(index), count);
        total += count;
    }
    return total;
}

} // namespace

int PercentileSketch::binIndex(double magnitude)
{
    return static_cast<int>(std::ceil(std::log(magnitude) / LN_GAMMA));
}

double PercentileSketch::binValue(int index)
{
    return 2.0 * std::pow(GAMMA, index) / (GAMMA + 1.0);
}

void PercentileSketch::add(double v, std::uint64_t count)
{
    if (!std::isfinite(v) || count == 0)
        return;
    double magnitude = std::fabs(v);
    if (magnitude < MIN_MAGNITUDE)
        _zero += count;
    else
    {
        auto& bins = v > 0 ? _positive : _negative;
        bins[binIndex(magnitude)] += count;
        if (bins.size() > MAX_BINS)
            collapse(bins);
    }
    _count += count;
}

void PercentileSketch::merge(const PercentileSketch& other)
{
    for (const auto& [index, count] : other._positive)
        _positive[index] += count;
    for (const auto& [index, count] : other._negative)
        _negative[index] += count;
    collapse(_positive);
    collapse(_negative);
    _zero += other._zero;
    _count += other._count;
}

void PercentileSketch::collapse(std::map<int, std::uint64_t>& bins)
{
    while (bins.size() > MAX_BINS)
    {
        auto lowest = bins.begin();
        auto next = std::next(lowest);
        next->second += lowest->second;
        bins.erase(lowest);
    }
}

std::uint64_t PercentileSketch::countAtMost(double v) const
{
    std::uint64_t n = _zero;
    for (const auto& bin : _negative)
        n += bin.second;
    if (v < MIN_MAGNITUDE)
        return n;
    // values in v's own bin count as at most v: a value equal to v always does, others are within the accuracy
    const int limit = binIndex(v);
    for (const auto& bin : _positive)
    {
        if (bin.first > limit)
            break;
        n += bin.second;
    }
    return n;
}

double PercentileSketch::quantile(double q, double min, double max) const
{
    if (_count == 0)
        return std::numeric_limits<double>::quiet_NaN();
    if (q <= 0)
        return min;
    if (q >= 1)
        return max;
    double rank = q * static_cast<double>(_count - 1);
    double cumulative = 0;
    double result = max;
    bool found = false;
    // Ascending value order: large negative magnitudes first, then zero, then positive bins.
    for (auto it = _negative.rbegin(); it != _negative.rend() && !found; ++it)
    {
        cumulative += static_cast<double>(it->second);
        if (cumulative > rank)
        {
            result = -binValue(it->first);
            found = true;
        }
    }
    if (!found && _zero > 0)
    {
        cumulative += static_cast<double>(_zero);
        if (cumulative > rank)
        {
            result = 0;
            found = true;
        }
    }
    for (auto it = _positive.begin(); it != _positive.end() && !found; ++it)
    {
        cumulative += static_cast<double>(it->second);
        if (cumulative > rank)
        {
            result = binValue(it->first);
            found = true;
        }
    }
    return std::clamp(result, min, max);
}

std::string PercentileSketch::serialize() const
{
    std::string out;
    out.reserve(8 + 4 * (_positive.size() + _negative.size()));
    out.push_back('\x01');
    putVarint(out, _zero);
    writeBins(out, _positive);
    writeBins(out, _negative);
    return out;
}

PercentileSketch PercentileSketch::deserialize(std::string_view blob)
{
    Reader in(blob);
    if (in.byte() != 0x01)
        throw Poco::DataFormatException("sketch: unknown format");
    PercentileSketch s;
    s._zero = in.varint();
    s._count = s._zero;
    s._count += readBins(in, s._positive);
    s._count += readBins(in, s._negative);
    if (!in.atEnd())
        throw Poco::DataFormatException("sketch: trailing bytes");
    return s;
}

bool PercentileSketch::operator==(const PercentileSketch& other) const
{
    return _zero == other._zero && _count == other._count && _positive == other._positive &&
           _negative == other._negative;
}

} // namespace MetricsCollector
} // namespace Monlight
