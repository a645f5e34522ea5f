#pragma once

#include "LabelSet.h"
#include <cstdint>
#include <string>

namespace Monlight
{
namespace MetricsCollector
{

/// One validated point of an ingest batch (SPEC §4.2): timestamps in epoch ms, labels canonical.
struct MetricPoint
{
    std::string name;
    std::string type; ///< `counter`, `histogram` or `gauge`
    double value = 0;
    LabelSet labels;
    std::int64_t ts = 0;
    std::string project; ///< empty = none
};

} // namespace MetricsCollector
} // namespace Monlight
