#pragma once

#include "Monlight/Version.h"
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace Monlight
{

using Labels = std::vector<std::pair<std::string, std::string>>;

/// A monotonically increasing counter.
class MONLIGHT_API Counter
{
public:
    void inc(std::uint64_t n = 1) { _v.fetch_add(n, std::memory_order_relaxed); }
    std::uint64_t value() const { return _v.load(std::memory_order_relaxed); }

private:
    std::atomic<std::uint64_t> _v{0};
};

/// A value that goes up and down.
class MONLIGHT_API Gauge
{
public:
    void set(double v) { _v.store(v, std::memory_order_relaxed); }
    double value() const { return _v.load(std::memory_order_relaxed); }

private:
    std::atomic<double> _v{0};
};

/// A Prometheus histogram with fixed buckets.
class MONLIGHT_API Histogram
{
public:
    explicit Histogram(std::vector<double> bounds);
    void observe(double v);
    /// Cumulative counts per bound (+Inf last), sum and count.
    void snapshot(std::vector<std::uint64_t>& cumulative, double& sum, std::uint64_t& count) const;
    const std::vector<double>& bounds() const { return _bounds; }

private:
    std::vector<double> _bounds;
    std::unique_ptr<std::atomic<std::uint64_t>[]> _counts;
    std::atomic<std::uint64_t> _count{0};
    std::atomic<double> _sum{0};
};

/// Host-wide metric families rendered as Prometheus text 0.0.4 (`GET /metrics`). Every series has an owner (a plugin
/// name, or empty for host-wide families); a plugin listener renders its own series and host-wide ones.
class MONLIGHT_API MetricsRegistry
{
public:
    MetricsRegistry();
    ~MetricsRegistry();
    MetricsRegistry(const MetricsRegistry&) = delete;
    MetricsRegistry& operator=(const MetricsRegistry&) = delete;

    /// Returns the counter of `family` with `labels` (created on first use; same object afterwards).
    Counter& counter(const std::string& owner, const std::string& family, const std::string& help,
                     const Labels& labels = {});
    Gauge& gauge(const std::string& owner, const std::string& family, const std::string& help,
                 const Labels& labels = {});
    /// A gauge read at render time.
    void gaugeFn(const std::string& owner, const std::string& family, const std::string& help, const Labels& labels,
                 std::function<double()> fn);
    /// A counter read at render time (e.g. a total kept elsewhere).
    void counterFn(const std::string& owner, const std::string& family, const std::string& help,
                   const Labels& labels, std::function<double()> fn);
    Histogram& histogram(const std::string& owner, const std::string& family, const std::string& help,
                         const Labels& labels, const std::vector<double>& bounds);

    /// Text exposition; `owner` empty = everything, otherwise series of that owner plus host-wide ones.
    std::string render(const std::string& owner) const;

private:
    struct Series;
    struct Family;
    Series& series(const std::string& owner, const std::string& family, const std::string& help,
                   const std::string& type, const Labels& labels);
    mutable std::mutex _mutex;
    std::vector<std::unique_ptr<Family>> _families;
};

} // namespace Monlight
