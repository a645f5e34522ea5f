#pragma once

#include "LabelSet.h"
#include <cstdint>
#include <string>

namespace Monlight
{
namespace MetricsCollector
{

/// A row of the `series` table as read by queries.
struct SeriesInfo
{
    std::int64_t id = 0;
    std::string name;
    std::string type;
    std::string project;
    LabelSet labels;
    std::int64_t lastSeen = 0;
};

} // namespace MetricsCollector
} // namespace Monlight
