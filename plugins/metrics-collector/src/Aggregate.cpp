#include "Aggregate.h"
#include <algorithm>
#include <cmath>

namespace Monlight
{
namespace MetricsCollector
{

void Aggregate::addPoint(double value, std::int64_t ts, std::int64_t id)
{
    ++count;
    sum += value;
    min = std::min(min, value);
    max = std::max(max, value);
    if (ts > lastTs || (ts == lastTs && id > lastId))
    {
        last = value;
        lastTs = ts;
        lastId = id;
    }
    if (histogram)
        sketch.add(value);
}

void Aggregate::merge(const Aggregate& other)
{
    if (other.count == 0)
        return;
    count += other.count;
    sum += other.sum;
    min = std::min(min, other.min);
    max = std::max(max, other.max);
    if (other.lastTs > lastTs || (other.lastTs == lastTs && other.lastId > lastId))
    {
        last = other.last;
        lastTs = other.lastTs;
        lastId = other.lastId;
    }
    if (histogram)
        sketch.merge(other.sketch);
}

double Aggregate::quantile(double q) const
{
    if (!histogram || count == 0)
        return std::nan("");
    return sketch.quantile(q, min, max);
}

} // namespace MetricsCollector
} // namespace Monlight
