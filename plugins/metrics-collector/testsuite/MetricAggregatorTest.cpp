#include "EmbeddedFiles.h"
#include "Monlight/Migrations.h"
#include "MetricAggregator.h"
#include "MetricIngestor.h"
#include "MetricQueries.h"
#include "MetricStore.h"
#include "ReadSnapshot.h"
#include "Monlight/Database.h"
#include "Monlight/Http.h"
#include <Poco/File.h>
#include <Poco/JSON/Parser.h>
#include <Poco/TemporaryFile.h>
#include <algorithm>
#include <cmath>
#include <cppunit/extensions/HelperMacros.h>
#include <memory>
#include <random>
#include <sstream>

using namespace Monlight;
using namespace Monlight::MetricsCollector;

namespace
{

const std::int64_t HOUR0 = 1795600800000; // an hour boundary (2026-11-25T...:00:00Z)

MetricPoint point(const std::string& name, const std::string& type, double value, std::int64_t ts,
                  std::map<std::string, std::string> labels = {})
{
    MetricPoint p;
    p.name = name;
    p.type = type;
    p.value = value;
    p.ts = ts;
    p.labels = LabelSet(std::move(labels));
    return p;
}

/// A host that is not the leader: its aggregation steps find another host holding them and change nothing.
class FollowerStore : public MetricStorage
{
public:
    explicit FollowerStore(MetricStore& store) : _store(store) {}
    void setSeriesLimit(std::size_t limit) override { _store.setSeriesLimit(limit); }
    void loadSeriesIndex() override { _store.loadSeriesIndex(); }
    void setStopping(std::function<bool()> stopping) override { _store.setStopping(std::move(stopping)); }
    void initWatermarks(std::int64_t nowMs) override { _store.initWatermarks(nowMs); }
    InsertResult insert(const std::vector<MetricPoint>& points) override { return _store.insert(points); }
    void aggregateMinutes(std::int64_t) override { ++steps; }
    std::size_t recomputeDirtyMinutes() override { return 0; }
    void aggregateHours(std::int64_t) override { ++steps; }
    std::size_t recomputeDirtyHours() override { return 0; }
    std::size_t deleteRawBefore(std::int64_t) override
    {
        ++retentions;
        return 0;
    }
    std::size_t deleteRollupsBefore(int, std::int64_t) override { return 0; }
    std::size_t deleteDirtyMinutesBefore(std::int64_t) override { return 0; }
    std::size_t deleteStaleSeries(std::int64_t, std::int64_t) override { return 0; }
    void snapshot(const std::function<void(MetricReader&)>& fn) override { _store.snapshot(fn); }
    void read(const std::function<void(MetricReader&)>& fn) override { _store.read(fn); }
    bool claimRetention(std::int64_t, std::int64_t) override { return retentionClaimed; }
    int steps = 0;
    int retentions = 0;
    bool retentionClaimed = false;

private:
    MetricStore& _store;
};

} // namespace

class MetricAggregatorTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(MetricAggregatorTest);
    CPPUNIT_TEST(testClosedMinuteIsRolledUp);
    CPPUNIT_TEST(testGraceKeepsMinuteOpen);
    CPPUNIT_TEST(testPassOfAFollowerLeavesTheWindowsToTheLeader);
    CPPUNIT_TEST(testRetentionRunsOnlyWhenClaimed);
    CPPUNIT_TEST(testPassesAreIdempotent);
    CPPUNIT_TEST(testHourMergesMinuteSketches);
    CPPUNIT_TEST(testLatePointRecomputesMinuteAndHour);
    CPPUNIT_TEST(testRestartCatchesUpWithoutGapsOrDoubles);
    CPPUNIT_TEST(testDroppedLabelsShareRollupSeries);
    CPPUNIT_TEST(testRetentionDeletesByTime);
    CPPUNIT_TEST(testChunkedDeleteStopsWhenStopping);
    CPPUNIT_TEST(testPointsSinceCountsRollupsAndRaw);
    CPPUNIT_TEST(testIngestorDropsPointsOutsideWindow);
    CPPUNIT_TEST(testQueryMergesRollupsAndRaw);
    CPPUNIT_TEST(testSeriesLimitPerProject);
    CPPUNIT_TEST(testSeriesLimitSurvivesRestartAndFreesAfterRetention);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override
    {
        _path = Poco::TemporaryFile::tempName() + ".db";
        openDb();
        _now = HOUR0 + 10 * MINUTE_MS;
        _store->initWatermarks(_now);
    }

    void tearDown() override
    {
        closeDb();
        for (const char* suffix : {"", "-wal", "-shm"})
        {
            Poco::File f(_path + suffix);
            if (f.exists())
                f.remove();
        }
    }

    void testClosedMinuteIsRolledUp()
    {
        std::int64_t m = _now; // W_m
        _store->insert({point("lat", "histogram", 5, m + 1000), point("lat", "histogram", 1, m + 2000),
                        point("lat", "histogram", 9, m + 3000), point("req", "counter", 1, m + 4000)});
        _now = m + MINUTE_MS + MetricAggregator::GRACE_MS;
        Watermarks w = aggregator().runPass();
        CPPUNIT_ASSERT_EQUAL(m + MINUTE_MS, w.minute);
        auto rows = rollups(60);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), rows.size());
        const Aggregate& lat = rows.at({seriesOf("lat"), m});
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), lat.count);
        CPPUNIT_ASSERT_EQUAL(15.0, lat.sum);
        CPPUNIT_ASSERT_EQUAL(1.0, lat.min);
        CPPUNIT_ASSERT_EQUAL(9.0, lat.max);
        CPPUNIT_ASSERT_EQUAL(9.0, lat.last);
        CPPUNIT_ASSERT_EQUAL(m + 3000, lat.lastTs);
        CPPUNIT_ASSERT(lat.histogram);
        CPPUNIT_ASSERT(std::fabs(lat.quantile(0.5) - 5) <= 0.05);
        const Aggregate& req = rows.at({seriesOf("req"), m});
        CPPUNIT_ASSERT(!req.histogram);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), req.count);
        CPPUNIT_ASSERT(aggregator().lastAggregation() == std::optional<std::int64_t>(m));
    }

    void testGraceKeepsMinuteOpen()
    {
        std::int64_t m = _now;
        _store->insert({point("g", "gauge", 1, m + 1000)});
        _now = m + MINUTE_MS + MetricAggregator::GRACE_MS - 1;
        CPPUNIT_ASSERT_EQUAL(m, aggregator().runPass().minute);
        CPPUNIT_ASSERT(rollups(60).empty());
    }

    void testPassesAreIdempotent()
    {
        fillHour(HOUR0 + 10 * MINUTE_MS, 50, 17);
        _now = HOUR0 + HOUR_MS + 2 * MINUTE_MS;
        aggregator().runPass();
        std::string first = dump();
        CPPUNIT_ASSERT(!rollups(3600).empty());
        aggregator().runPass();
        CPPUNIT_ASSERT_EQUAL(first, dump());
        // Re-running steps explicitly (as after a crash between commit and watermark) changes nothing either.
        _store->aggregateMinutes(_now);
        _store->aggregateHours(HOUR0 + HOUR_MS);
        CPPUNIT_ASSERT_EQUAL(first, dump());
        // A fresh aggregator (different interval, restart) does not duplicate.
        _aggregator.reset();
        aggregator().runPass();
        CPPUNIT_ASSERT_EQUAL(first, dump());
    }

    void testHourMergesMinuteSketches()
    {
        std::vector<double> values = fillHour(HOUR0 + 10 * MINUTE_MS, 50, 23);
        _now = HOUR0 + HOUR_MS + MINUTE_MS;
        Watermarks w = aggregator().runPass();
        CPPUNIT_ASSERT_EQUAL(HOUR0 + HOUR_MS, w.hour);
        auto hours = rollups(3600);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), hours.size());
        const Aggregate& h = hours.begin()->second;
        CPPUNIT_ASSERT_EQUAL(static_cast<std::int64_t>(values.size()), h.count);
        PercentileSketch direct;
        for (double v : values)
            direct.add(v);
        CPPUNIT_ASSERT(direct == h.sketch);
        std::sort(values.begin(), values.end());
        for (double q : {0.5, 0.95, 0.99})
        {
            double exact = values[static_cast<std::size_t>(std::floor(q * static_cast<double>(values.size() - 1)))];
            CPPUNIT_ASSERT(std::fabs(h.quantile(q) - exact) <= 0.01 * exact);
        }
        CPPUNIT_ASSERT_EQUAL(values.front(), h.min);
        CPPUNIT_ASSERT_EQUAL(values.back(), h.max);
    }

    void testLatePointRecomputesMinuteAndHour()
    {
        fillHour(HOUR0 + 10 * MINUTE_MS, 10, 5);
        _now = HOUR0 + HOUR_MS + MINUTE_MS;
        aggregator().runPass();
        std::int64_t lateTs = HOUR0 + 15 * MINUTE_MS + 500;
        std::int64_t before = rollups(60).at({seriesOf("lat"), HOUR0 + 15 * MINUTE_MS}).count;
        std::int64_t hourBefore = rollups(3600).at({seriesOf("lat"), HOUR0}).count;
        _store->insert({point("lat", "histogram", 123456, lateTs)});
        _now += MINUTE_MS;
        aggregator().runPass();
        auto minute = rollups(60).at({seriesOf("lat"), HOUR0 + 15 * MINUTE_MS});
        CPPUNIT_ASSERT_EQUAL(before + 1, minute.count);
        CPPUNIT_ASSERT_EQUAL(123456.0, minute.max);
        auto hour = rollups(3600).at({seriesOf("lat"), HOUR0});
        CPPUNIT_ASSERT_EQUAL(hourBefore + 1, hour.count);
        CPPUNIT_ASSERT_EQUAL(123456.0, hour.max);
        std::int64_t dirty = _store->reader().queryInt("SELECT COUNT(*) FROM dirty_buckets");
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), dirty);
    }

    void testRestartCatchesUpWithoutGapsOrDoubles()
    {
        // Points over 3 hours; the first pass runs in the middle of the second hour, then a "restart".
        std::int64_t total = 0;
        for (std::int64_t minute = 10; minute < 190; ++minute)
        {
            std::vector<MetricPoint> batch;
            for (int i = 0; i < 3; ++i)
                batch.push_back(point("lat", "histogram", static_cast<double>(minute + i), HOUR0 + minute * MINUTE_MS + i * 1000));
            total += 3;
            _store->insert(batch);
        }
        _now = HOUR0 + HOUR_MS + 30 * MINUTE_MS;
        aggregator().runPass();
        closeDb();
        openDb();
        _now = HOUR0 + 3 * HOUR_MS + 11 * MINUTE_MS;
        Watermarks w = aggregator().runPass();
        CPPUNIT_ASSERT_EQUAL(HOUR0 + 3 * HOUR_MS + 10 * MINUTE_MS, w.minute);
        CPPUNIT_ASSERT_EQUAL(HOUR0 + 3 * HOUR_MS, w.hour);
        std::int64_t minuteCount = 0, hourCount = 0;
        for (const auto& [key, a] : rollups(60))
            minuteCount += a.count;
        for (const auto& [key, a] : rollups(3600))
            hourCount += a.count;
        CPPUNIT_ASSERT_EQUAL(total, minuteCount);
        CPPUNIT_ASSERT_EQUAL(std::size_t(180), rollups(60).size());
        // Hours 0..2 are closed: all points except those of the 10 minutes of hour 3.
        CPPUNIT_ASSERT_EQUAL(total - 30, hourCount);
    }

    void testDroppedLabelsShareRollupSeries()
    {
        std::int64_t m = _now;
        _store->insert({point("lcp", "histogram", 100, m + 1, {{"page", "/"}, {"session_id", "a"}}),
                        point("lcp", "histogram", 200, m + 2, {{"session_id", "b"}, {"page", "/"}})});
        auto& c = _store->reader();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), c.queryInt("SELECT COUNT(*) FROM series WHERE is_rollup = 0"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), c.queryInt("SELECT COUNT(*) FROM series WHERE is_rollup = 1"));
        auto series = _store->rollupSeries(c, std::string("lcp"), std::nullopt, std::nullopt);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"page\":\"/\"}"), series.at(0).labels.toJson());
        CPPUNIT_ASSERT_EQUAL(m + 2, series.at(0).lastSeen);
    }

    void testRetentionDeletesByTime()
    {
        fillHour(HOUR0 + 10 * MINUTE_MS, 5, 3);
        _now = HOUR0 + HOUR_MS + MINUTE_MS;
        aggregator().runPass();
        // Two days later with retention raw 1 h, minutes 24 h, hours 1 day: everything is gone after a pass.
        _now = HOUR0 + 50 * HOUR_MS;
        aggregator().runPass();
        aggregator().runRetention();
        auto& c = _store->reader();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), c.queryInt("SELECT COUNT(*) FROM metrics_raw"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), c.queryInt("SELECT COUNT(*) FROM metrics_rollup"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), c.queryInt("SELECT COUNT(*) FROM series"));
        // New points after the purge create fresh series (the id cache was invalidated).
        _store->insert({point("lat", "histogram", 1, _now - 1000)});
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), c.queryInt("SELECT COUNT(*) FROM series"));
    }

    void testPointsSinceCountsRollupsAndRaw()
    {
        std::int64_t m = _now;
        _store->insert({point("a", "counter", 1, m + 1000), point("a", "counter", 1, m + 2000),
                        point("a", "counter", 1, m + MINUTE_MS + 1000)});
        _now = m + MINUTE_MS + MetricAggregator::GRACE_MS; // folds the first minute only
        aggregator().runPass();
        _store->insert({point("a", "counter", 1, m + MINUTE_MS + 2000)});
        auto& c = _store->reader();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(4), _store->pointsSince(c, m - HOUR_MS));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), _store->pointsSince(c, m + MINUTE_MS));
    }

    void testChunkedDeleteStopsWhenStopping()
    {
        std::vector<MetricPoint> batch;
        for (int i = 0; i < 25000; ++i)
            batch.push_back(point("g", "gauge", i, _now - HOUR_MS + i));
        _store->insert(batch);
        bool stop = true;
        _store->setStopping([&stop] { return stop; });
        CPPUNIT_ASSERT_EQUAL(std::size_t(10000), _store->deleteRawBefore(_now));
        stop = false;
        CPPUNIT_ASSERT_EQUAL(std::size_t(15000), _store->deleteRawBefore(_now));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), _store->rawCount(_store->reader()));
    }

    void testIngestorDropsPointsOutsideWindow()
    {
        MetricIngestor::Settings settings; // raw retention 1 h, future tolerance 300 s
        MetricIngestor ingestor(*_store, settings, [this] { return _now; }, MetricIngestor::Counters{});
        std::int64_t oldest = _now - HOUR_MS; // _now is on a minute boundary
        std::ostringstream body;
        body << "[{\"name\":\"a\",\"type\":\"gauge\",\"value\":1,\"timestamp\":" << oldest << "},"
             << "{\"name\":\"a\",\"type\":\"gauge\",\"value\":1,\"timestamp\":" << oldest - 1 << "},"
             << "{\"name\":\"a\",\"type\":\"gauge\",\"value\":1,\"timestamp\":" << _now + 300000 << "},"
             << "{\"name\":\"a\",\"type\":\"gauge\",\"value\":1,\"timestamp\":" << _now + 300001 << "}]";
        auto r = ingestor.ingest(body.str());
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), r.count);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), r.dropped);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"status\":\"accepted\",\"count\":2,\"dropped\":2}"),
                             MetricIngestor::replyJson(r));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), _store->rawCount(_store->reader()));
    }

    static MetricPoint projectPoint(const std::string& project, const std::string& page, std::int64_t ts)
    {
        MetricPoint p = point("lcp", "histogram", 1, ts, {{"page", page}});
        p.project = project;
        return p;
    }

    void testSeriesLimitPerProject()
    {
        _store->setSeriesLimit(3);
        std::vector<MetricPoint> batch;
        for (const char* page : {"/a", "/b", "/a", "/c", "/d", "/e", "/b"})
            batch.push_back(projectPoint("shop", page, _now + 1000));
        batch.push_back(projectPoint("blog", "/d", _now + 1000)); // another project has its own budget
        auto r = _store->insert(batch);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), r.droppedForSeriesLimit); // /d and /e of shop
        CPPUNIT_ASSERT_EQUAL(std::string("shop"), r.limitedProject);
        auto& c = _store->reader();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(6), _store->rawCount(c));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3),
                             c.queryInt("SELECT COUNT(*) FROM series WHERE is_rollup = 0 AND project = 'shop'"));
        // known series keep being accepted; new ones keep being dropped
        r = _store->insert({projectPoint("shop", "/c", _now + 2000), projectPoint("shop", "/f", _now + 2000)});
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), r.droppedForSeriesLimit);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(7), _store->rawCount(c));

        MetricIngestor::Settings settings;
        MetricIngestor ingestor(*_store, settings, [this] { return _now; }, MetricIngestor::Counters{});
        auto reply = ingestor.ingest("{\"project\":\"shop\",\"metrics\":[{\"name\":\"x\",\"type\":\"gauge\","
                                     "\"value\":1},{\"name\":\"lcp\",\"type\":\"histogram\",\"value\":2,"
                                     "\"labels\":{\"page\":\"/a\"}}]}");
        CPPUNIT_ASSERT_EQUAL(std::string("{\"status\":\"accepted\",\"count\":1,\"dropped\":1}"),
                             MetricIngestor::replyJson(reply));
    }

    void testSeriesLimitSurvivesRestartAndFreesAfterRetention()
    {
        _store->setSeriesLimit(2);
        _store->insert({projectPoint("shop", "/a", _now + 1000), projectPoint("shop", "/b", _now + 1000)});
        closeDb();
        openDb();
        _store->setSeriesLimit(2);
        _store->loadSeriesIndex();
        auto r = _store->insert({projectPoint("shop", "/c", _now + 2000), projectPoint("shop", "/a", _now + 2000)});
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), r.droppedForSeriesLimit);
        // once retention has deleted the stale series, the project may gain new ones again
        _now = HOUR0 + 50 * HOUR_MS;
        aggregator().runPass();
        aggregator().runRetention();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), _store->reader().queryInt("SELECT COUNT(*) FROM series"));
        r = _store->insert({projectPoint("shop", "/x", _now - 1000), projectPoint("shop", "/y", _now - 1000)});
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), r.droppedForSeriesLimit);
    }

    void testPassOfAFollowerLeavesTheWindowsToTheLeader()
    {
        std::int64_t m = _now;
        _store->insert({point("lat", "histogram", 10, m + 1000)});
        _now = m + 3 * HOUR_MS + 10000;
        FollowerStore follower(*_store);
        MetricAggregator followerPass(follower, MetricAggregator::Retention{1, 24, 1}, [this] { return _now; });
        Watermarks before = _store->watermarks();
        Watermarks w = followerPass.runPass(); // returns at once instead of retrying the step it did not get
        CPPUNIT_ASSERT_EQUAL(1, follower.steps);
        CPPUNIT_ASSERT_EQUAL(before.minute, w.minute);
        CPPUNIT_ASSERT_EQUAL(before.hour, w.hour);
        CPPUNIT_ASSERT_EQUAL(before.minute - MINUTE_MS, *followerPass.lastAggregation());
        w = aggregator().runPass();
        CPPUNIT_ASSERT_EQUAL(m + 3 * HOUR_MS, w.minute);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), rollups(60).size());
    }

    void testRetentionRunsOnlyWhenClaimed()
    {
        FollowerStore store(*_store);
        MetricAggregator a(store, MetricAggregator::Retention{1, 24, 1}, [this] { return _now; });
        _now += 11 * MINUTE_MS;
        a.tick(); // another host ran the retention of this hour
        CPPUNIT_ASSERT_EQUAL(0, store.retentions);
        store.retentionClaimed = true;
        a.tick(); // not due again before an hour
        CPPUNIT_ASSERT_EQUAL(0, store.retentions);
        _now += HOUR_MS;
        a.tick();
        CPPUNIT_ASSERT_EQUAL(1, store.retentions);
    }

    void testQueryMergesRollupsAndRaw()
    {
        std::int64_t m = _now;
        _store->insert({point("lat", "histogram", 10, m + 1000, {{"ep", "/a"}}),
                        point("lat", "histogram", 30, m + 2000, {{"ep", "/b"}})});
        _now = m + MINUTE_MS + 10000;
        aggregator().runPass();
        // A fresh point in the open minute is served from raw.
        _store->insert({point("lat", "histogram", 20, m + MINUTE_MS + 5000, {{"ep", "/a"}})});
        MetricQueries queries(*_store, [this] { return _now; });
        auto json = parse(queries.metrics(QueryParams("name=lat&period=1h")));
        CPPUNIT_ASSERT_EQUAL(std::string("histogram"), json->getValue<std::string>("type"));
        CPPUNIT_ASSERT_EQUAL(std::string("minute"), json->getValue<std::string>("resolution"));
        auto data = json->getArray("data");
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), data->size());
        auto first = data->getObject(0);
        CPPUNIT_ASSERT_EQUAL(2, first->getValue<int>("count"));
        CPPUNIT_ASSERT_EQUAL(40.0, first->getValue<double>("sum"));
        CPPUNIT_ASSERT_EQUAL(30.0, first->getValue<double>("last"));
        CPPUNIT_ASSERT_EQUAL(false, first->getValue<bool>("partial"));
        auto second = data->getObject(1);
        CPPUNIT_ASSERT_EQUAL(1, second->getValue<int>("count"));
        CPPUNIT_ASSERT_EQUAL(true, second->getValue<bool>("partial"));
        auto filtered = parse(queries.metrics(QueryParams("name=lat&period=1h&labels=ep:/b")));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), filtered->getArray("data")->size());
        auto grouped = parse(queries.metrics(QueryParams("name=lat&period=1h&group_by=ep")));
        auto series = grouped->getArray("series");
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), series->size());
        CPPUNIT_ASSERT_EQUAL(std::string("/a"), series->getObject(0)->getObject("labels")->getValue<std::string>("ep"));
        auto hourly = parse(queries.metrics(QueryParams("name=lat&period=2h&resolution=hour")));
        CPPUNIT_ASSERT_EQUAL(3, hourly->getArray("data")->getObject(0)->getValue<int>("count"));
    }

private:
    void openDb()
    {
        Database::Options o;
        o.path = _path;
        o.plugin = "metrics-collector";
        o.migrations = sqlMigrations(embeddedFiles());
        _db = Database::open(o);
        _store = std::make_unique<MetricStore>(_db, std::vector<std::string>{"session_id"});
    }

    void closeDb()
    {
        _aggregator.reset();
        _store.reset();
        if (_db)
            _db->close();
        _db.reset();
    }

    MetricAggregator& aggregator()
    {
        if (!_aggregator)
            _aggregator = std::make_unique<MetricAggregator>(*_store, MetricAggregator::Retention{1, 24, 1},
                                                             [this] { return _now; });
        return *_aggregator;
    }

    /// Histogram `lat` points in every minute from `start` for `minutes` minutes; returns the values.
    std::vector<double> fillHour(std::int64_t start, int minutes, int perMinute)
    {
        std::mt19937_64 rng(99);
        std::lognormal_distribution<double> dist(3.0, 1.0);
        std::vector<double> values;
        for (int m = 0; m < minutes; ++m)
        {
            std::vector<MetricPoint> batch;
            for (int i = 0; i < perMinute; ++i)
            {
                double v = dist(rng);
                values.push_back(v);
                batch.push_back(point("lat", "histogram", v, start + m * MINUTE_MS + i * 100));
            }
            _store->insert(batch);
        }
        return values;
    }

    std::int64_t seriesOf(const std::string& name)
    {
        return _store->rollupSeries(_store->reader(), name, std::nullopt, std::nullopt).at(0).id;
    }

    std::map<std::pair<std::int64_t, std::int64_t>, Aggregate> rollups(int resolution)
    {
        std::map<std::pair<std::int64_t, std::int64_t>, Aggregate> out;
        _store->forEachRollupInRange(_store->reader(), resolution, 0, INT64_MAX,
                                     [&](std::int64_t id, std::int64_t bucket, const Aggregate& a) {
                                         out[{id, bucket}] = a;
                                     });
        return out;
    }

    std::string dump()
    {
        std::ostringstream out;
        for (int res : {60, 3600})
            for (const auto& [key, a] : rollups(res))
                out << res << ' ' << key.first << ' ' << key.second << ' ' << a.count << ' ' << a.sum << ' ' << a.min
                    << ' ' << a.max << ' ' << a.last << ' ' << a.lastTs << ' ' << a.sketch.serialize().size() << '\n';
        return out.str();
    }

    static Poco::JSON::Object::Ptr parse(const std::string& json)
    {
        Poco::JSON::Parser p;
        return p.parse(json).extract<Poco::JSON::Object::Ptr>();
    }

    std::string _path;
    std::shared_ptr<Database> _db;
    std::unique_ptr<MetricStore> _store;
    std::unique_ptr<MetricAggregator> _aggregator;
    std::int64_t _now = 0;
};

CPPUNIT_TEST_SUITE_REGISTRATION(MetricAggregatorTest);
