#pragma once

#include "MetricPoint.h"
#include <cstdint>
#include <string_view>
#include <vector>

namespace Monlight
{
namespace MetricsCollector
{

/// Parses and validates the body of `POST /api/metrics` (SPEC §4.2), in the documented order.
class MetricBatchParser
{
public:
    MetricBatchParser(std::size_t maxBatchItems, std::size_t maxLabels)
        : _maxBatchItems(maxBatchItems), _maxLabels(maxLabels)
    {
    }

    /// Returns every item as a point (timestamp defaulting to `nowMs`). Throws HttpError 400 with the exact
    /// §4.2 `detail` (and `index` for item errors) at the first failure; nothing is returned then.
    std::vector<MetricPoint> parse(std::string_view body, std::int64_t nowMs) const;

private:
    std::size_t _maxBatchItems;
    std::size_t _maxLabels;
};

} // namespace MetricsCollector
} // namespace Monlight
