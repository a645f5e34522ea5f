#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

namespace Monlight
{
namespace MetricsCollector
{

/// A mergeable log-bucket quantile sketch (DDSketch-style, SPEC §4.5) with relative accuracy 1 %.
/// A value type: copy, merge and serialize freely. Bins are keyed by `ceil(ln|v| / ln γ)`, γ = 101/99.
class PercentileSketch
{
public:
    static constexpr double RELATIVE_ACCURACY = 0.01;
    static constexpr double MIN_MAGNITUDE = 1e-9; ///< smaller magnitudes go to the zero counter
    static constexpr std::size_t MAX_BINS = 2048; ///< per sign; the lowest indexes collapse beyond that

    /// Adds `count` occurrences of `v` (non-finite values are ignored).
    void add(double v, std::uint64_t count = 1);
    /// Adds every count of `other` bin by bin (exact and order-independent).
    void merge(const PercentileSketch& other);

    /// Number of values added.
    std::uint64_t count() const { return _count; }
    bool empty() const { return _count == 0; }

    /// The q-quantile (q in [0,1]) given the exact `min` and `max` of the values: q = 0 → min, q = 1 → max,
    /// otherwise the representative value of the bin holding rank floor-ish q·(n−1), clamped into [min, max].
    /// Returns NaN when the sketch is empty.
    double quantile(double q, double min, double max) const;

    /// How many of the values are ≤ `v` (v ≥ 0): every value in a bin up to v's own, so a value equal to `v` counts
    /// and the answer is exact except for values within the 1 % accuracy above `v`.
    std::uint64_t countAtMost(double v) const;

    /// The §4.5 BLOB: 0x01, zero count, positive bins, negative bins (LEB128 varints, zig-zag index deltas).
    std::string serialize() const;
    /// Parses serialize()'s output. Throws Poco::DataFormatException on malformed input.
    static PercentileSketch deserialize(std::string_view blob);

    /// Bin index of a magnitude ≥ MIN_MAGNITUDE.
    static int binIndex(double magnitude);
    /// Representative value 2·γ^i/(γ+1) of bin `i`.
    static double binValue(int index);

    bool operator==(const PercentileSketch& other) const;
    bool operator!=(const PercentileSketch& other) const { return !(*this == other); }

private:
    static void collapse(std::map<int, std::uint64_t>& bins);

    std::map<int, std::uint64_t> _positive;
    std::map<int, std::uint64_t> _negative; ///< keyed by the index of |v|
    std::uint64_t _zero = 0;
    std::uint64_t _count = 0;
};

} // namespace MetricsCollector
} // namespace Monlight
