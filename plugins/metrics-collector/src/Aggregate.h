#pragma once

#include "PercentileSketch.h"
#include <cstdint>
#include <limits>

namespace Monlight
{
namespace MetricsCollector
{

/// The statistics of one rollup bucket (SPEC §4.4): count, sum, min, max, last/last_ts and, for histograms,
/// a percentile sketch. Built from raw points or merged from other aggregates; merging is exact.
struct Aggregate
{
    std::int64_t count = 0;
    double sum = 0;
    double min = std::numeric_limits<double>::infinity();
    double max = -std::numeric_limits<double>::infinity();
    double last = 0;
    std::int64_t lastTs = std::numeric_limits<std::int64_t>::min();
    std::int64_t lastId = std::numeric_limits<std::int64_t>::min(); ///< raw id of `last` (tie-break)
    bool histogram = false;
    PercentileSketch sketch;

    /// Adds one raw point; `last` follows the greatest (ts, id).
    void addPoint(double value, std::int64_t ts, std::int64_t id);
    /// Merges another bucket; `last` is the one with the greater `lastTs` (this one on ties).
    void merge(const Aggregate& other);

    double avg() const { return count > 0 ? sum / static_cast<double>(count) : 0; }
    /// Quantile from the sketch clamped into [min, max]; NaN when not a histogram or empty.
    double quantile(double q) const;
};

} // namespace MetricsCollector
} // namespace Monlight
