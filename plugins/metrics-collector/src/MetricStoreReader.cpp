#include "MetricStore.h"
#include "ReadSnapshot.h"

namespace Monlight
{
namespace MetricsCollector
{

namespace
{
/// MetricReader over one SQLite read connection (the reads of MetricStore).
class SqliteMetricReader : public MetricReader
{
public:
    SqliteMetricReader(MetricStore& store, Sql::Connection& c) : _store(store), _c(c) {}

    Watermarks watermarks() override { return _store.watermarks(_c); }
    std::vector<SeriesInfo> rollupSeries(const std::optional<std::string>& name,
                                         const std::optional<std::string>& project,
                                         const std::optional<std::string>& type) override
    {
        return _store.rollupSeries(_c, name, project, type);
    }
    std::optional<std::string> latestType(const std::string& name, const std::optional<std::string>& project) override
    {
        return _store.latestType(_c, name, project);
    }
    std::vector<std::string> projects() override { return _store.projects(_c); }
    void forEachRollup(int resolutionSeconds, std::int64_t seriesId, std::int64_t from, std::int64_t to,
                       const RollupFn& fn) override
    {
        _store.forEachRollup(_c, resolutionSeconds, seriesId, from, to, fn);
    }
    void forEachRollupInRange(int resolutionSeconds, std::int64_t from, std::int64_t to, const RollupFn& fn) override
    {
        _store.forEachRollupInRange(_c, resolutionSeconds, from, to, fn);
    }
    void forEachRaw(std::int64_t rollupId, std::int64_t from, std::int64_t to, const RawFn& fn) override
    {
        _store.forEachRaw(_c, rollupId, from, to, fn);
    }
    void forEachRawInRange(std::int64_t from, std::int64_t to, const RawFn& fn) override
    {
        _store.forEachRawInRange(_c, from, to, fn);
    }
    std::int64_t pointsSince(std::int64_t since) override { return _store.pointsSince(_c, since); }
    std::int64_t rawCount() override { return _store.rawCount(_c); }

private:
    MetricStore& _store;
    Sql::Connection& _c;
};
} // namespace

void MetricStore::snapshot(const std::function<void(MetricReader&)>& fn)
{
    auto& c = reader();
    ReadSnapshot snapshot(c);
    SqliteMetricReader r(*this, c);
    fn(r);
}

void MetricStore::read(const std::function<void(MetricReader&)>& fn)
{
    SqliteMetricReader r(*this, reader());
    fn(r);
}

} // namespace MetricsCollector
} // namespace Monlight
