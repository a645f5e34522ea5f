#include "EmbeddedFiles.h"
#include "Monlight/Migrations.h"
#include "MetricAggregator.h"
#include "MetricIngestor.h"
#include "MetricQueries.h"
#include "MetricStore.h"
#include "MetricsConfig.h"
#include "MetricsIngestService.h"
#include "Monlight/Database.h"
#include "Monlight/HttpError.h"
#include <Poco/File.h>
#include <Poco/JSON/Parser.h>
#include <Poco/TemporaryFile.h>
#include <cmath>
#include <cppunit/extensions/HelperMacros.h>
#include <memory>

using namespace Monlight;
using namespace Monlight::MetricsCollector;

namespace
{

const std::int64_t HOUR0 = 1795600800000;

std::string error400(const std::function<void()>& fn)
{
    try
    {
        fn();
    }
    catch (const HttpError& e)
    {
        return std::to_string(e.status()) + " " + e.detail();
    }
    return "no error";
}

} // namespace

class MetricQueriesTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(MetricQueriesTest);
    CPPUNIT_TEST(testParsePeriod);
    CPPUNIT_TEST(testRatingThresholdsAreInclusive);
    CPPUNIT_TEST(testParameterErrors);
    CPPUNIT_TEST(testUnknownNameAnswersEmpty);
    CPPUNIT_TEST(testTypeOfMostRecentSeriesIsUsed);
    CPPUNIT_TEST(testNamesLabelsProjects);
    CPPUNIT_TEST(testDashboardWebVitals);
    CPPUNIT_TEST(testDashboardPeriodStartsInsideAnHour);
    CPPUNIT_TEST(testIngestServiceRepliesLikeHttp);
    CPPUNIT_TEST(testConfigCrossKeyRules);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override
    {
        _path = Poco::TemporaryFile::tempName() + ".db";
        Database::Options o;
        o.path = _path;
        o.plugin = "metrics-collector";
        o.migrations = sqlMigrations(embeddedFiles());
        _db = Database::open(o);
        _store = std::make_unique<MetricStore>(_db, std::vector<std::string>{"session_id"});
        _now = HOUR0 + 10 * MINUTE_MS;
        _store->initWatermarks(_now);
        _ingestor = std::make_unique<MetricIngestor>(*_store, MetricIngestor::Settings{}, [this] { return _now; },
                                                     MetricIngestor::Counters{});
        _queries = std::make_unique<MetricQueries>(*_store, [this] { return _now; });
    }

    void tearDown() override
    {
        _queries.reset();
        _ingestor.reset();
        _store.reset();
        _db->close();
        _db.reset();
        for (const char* suffix : {"", "-wal", "-shm"})
        {
            Poco::File f(_path + suffix);
            if (f.exists())
                f.remove();
        }
    }

    void testParsePeriod()
    {
        CPPUNIT_ASSERT(MetricQueries::parsePeriod("24h") == std::optional<std::int64_t>(24 * HOUR_MS));
        CPPUNIT_ASSERT(MetricQueries::parsePeriod("15m") == std::optional<std::int64_t>(15 * MINUTE_MS));
        CPPUNIT_ASSERT(MetricQueries::parsePeriod("30s") == std::optional<std::int64_t>(30000));
        CPPUNIT_ASSERT(MetricQueries::parsePeriod("366d") == std::optional<std::int64_t>(366 * 24 * HOUR_MS));
        CPPUNIT_ASSERT(!MetricQueries::parsePeriod("367d"));
        CPPUNIT_ASSERT(!MetricQueries::parsePeriod("0h"));
        CPPUNIT_ASSERT(!MetricQueries::parsePeriod("1w"));
        CPPUNIT_ASSERT(!MetricQueries::parsePeriod("h"));
        CPPUNIT_ASSERT(!MetricQueries::parsePeriod("-1h"));
        CPPUNIT_ASSERT(!MetricQueries::parsePeriod("1000000s"));
    }

    void testRatingThresholdsAreInclusive()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("good"), MetricQueries::rating("lcp", 2500));
        CPPUNIT_ASSERT_EQUAL(std::string("needs-improvement"), MetricQueries::rating("lcp", 2500.1));
        CPPUNIT_ASSERT_EQUAL(std::string("needs-improvement"), MetricQueries::rating("lcp", 4000));
        CPPUNIT_ASSERT_EQUAL(std::string("poor"), MetricQueries::rating("lcp", 4000.5));
        CPPUNIT_ASSERT_EQUAL(std::string("good"), MetricQueries::rating("cls", 0.1));
        CPPUNIT_ASSERT_EQUAL(std::string("poor"), MetricQueries::rating("cls", 0.26));
        CPPUNIT_ASSERT_EQUAL(std::string("good"), MetricQueries::rating("inp", 200));
        CPPUNIT_ASSERT_EQUAL(std::string("poor"), MetricQueries::rating("inp", 501));
        CPPUNIT_ASSERT_EQUAL(std::string("needs-improvement"), MetricQueries::rating("fcp", 3000));
        CPPUNIT_ASSERT_EQUAL(std::string("poor"), MetricQueries::rating("ttfb", 1800.01));
    }

    void testParameterErrors()
    {
        auto q = [&](const std::string& s) { return error400([&] { _queries->metrics(QueryParams(s)); }); };
        CPPUNIT_ASSERT_EQUAL(std::string("400 Missing required parameter: name"), q("period=1h"));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Missing required parameter: name"), q("name="));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Invalid parameter: period"), q("name=a&period=2w"));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Invalid parameter: resolution"), q("name=a&resolution=day"));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Invalid parameter: labels"), q("name=a&labels=novalue"));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Invalid parameter: labels"), q("name=a&labels=:v"));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Invalid parameter: type"), q("name=a&type=summary"));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Invalid parameter: since"), q("name=a&since=soon"));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Invalid parameter: until"), q("name=a&until=later"));
        CPPUNIT_ASSERT_EQUAL(std::string("no error"), q("name=a&labels=k:v:w,x:"));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Missing required parameter: name"),
                             error400([&] { _queries->labels(QueryParams("")); }));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Invalid parameter: period"),
                             error400([&] { _queries->dashboard(QueryParams("period=abc")); }));
    }

    void testUnknownNameAnswersEmpty()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("{\"name\":\"nope\",\"type\":null,\"resolution\":\"minute\",\"period\":\"1h\","
                                         "\"from\":\"2026-11-25T09:10:00Z\",\"to\":\"2026-11-25T10:10:00Z\","
                                         "\"data\":[]}"),
                             _queries->metrics(QueryParams("name=nope&period=1h")));
        CPPUNIT_ASSERT(_queries->metrics(QueryParams("name=nope&type=gauge")).find("\"type\":null") !=
                       std::string::npos);
        std::string since = _queries->metrics(QueryParams("name=nope&since=2026-11-20&until=2026-11-25"));
        CPPUNIT_ASSERT(since.find("\"resolution\":\"hour\",\"period\":null,\"from\":\"2026-11-20T00:00:00Z\","
                                  "\"to\":\"2026-11-25T00:00:00Z\"") != std::string::npos);
    }

    void testTypeOfMostRecentSeriesIsUsed()
    {
        ingest("[{\"name\":\"x\",\"type\":\"counter\",\"value\":1,\"timestamp\":" + std::to_string(_now) +
               "},{\"name\":\"x\",\"type\":\"gauge\",\"value\":7,\"timestamp\":" + std::to_string(_now + 1000) + "}]");
        auto json = parse(_queries->metrics(QueryParams("name=x&period=1h")));
        CPPUNIT_ASSERT_EQUAL(std::string("gauge"), json->getValue<std::string>("type"));
        auto bucket = json->getArray("data")->getObject(0);
        CPPUNIT_ASSERT_EQUAL(7.0, bucket->getValue<double>("last"));
        CPPUNIT_ASSERT(bucket->isNull("p50"));
        auto counter = parse(_queries->metrics(QueryParams("name=x&period=1h&type=counter")));
        CPPUNIT_ASSERT_EQUAL(1.0, counter->getArray("data")->getObject(0)->getValue<double>("sum"));
    }

    void testNamesLabelsProjects()
    {
        std::string ts = std::to_string(_now);
        ingest("{\"project\":\"shop\",\"metrics\":[{\"name\":\"req\",\"type\":\"counter\",\"value\":1,\"timestamp\":" +
               ts + ",\"labels\":{\"method\":\"GET\",\"status\":200}},{\"name\":\"req\",\"type\":\"counter\",\"value\""
               ":1,\"timestamp\":" + ts + ",\"labels\":{\"method\":\"POST\",\"status\":500}},{\"name\":\"mem\",\"type\""
               ":\"gauge\",\"value\":3,\"timestamp\":" + ts + ",\"project\":\"api\"}]}");
        CPPUNIT_ASSERT_EQUAL(std::string("{\"projects\":[\"api\",\"shop\"]}"), _queries->projects());
        CPPUNIT_ASSERT_EQUAL(std::string("{\"metrics\":[{\"name\":\"mem\",\"type\":\"gauge\",\"series\":1,\"last_seen\":"
                                         "\"2026-11-25T10:10:00.000Z\"},{\"name\":\"req\",\"type\":\"counter\",\"series\":2,"
                                         "\"last_seen\":\"2026-11-25T10:10:00.000Z\"}]}"),
                             _queries->names(QueryParams("")));
        CPPUNIT_ASSERT(_queries->names(QueryParams("project=api")).find("\"req\"") == std::string::npos);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"name\":\"req\",\"labels\":{\"method\":[\"GET\",\"POST\"],\"status\":[\"200\","
                                         "\"500\"]}}"),
                             _queries->labels(QueryParams("name=req")));
    }

    void testDashboardWebVitals()
    {
        std::string body = "[";
        for (int i = 0; i < 100; ++i)
        {
            std::string ts = std::to_string(_now - 20 * MINUTE_MS + i * 1000);
            if (i)
                body += ",";
            body += "{\"name\":\"web_vitals_lcp\",\"type\":\"histogram\",\"value\":" + std::to_string(1000 + i * 40) +
                    ",\"timestamp\":" + ts + ",\"labels\":{\"source\":\"browser\",\"page\":\"/checkout\",\"session_id\":\"s" +
                    std::to_string(i) + "\"}},{\"name\":\"web_vitals_cls\",\"type\":\"histogram\",\"value\":0.3,"
                    "\"timestamp\":" + ts + ",\"labels\":{\"source\":\"browser\"}}";
        }
        body += ",{\"name\":\"http_requests_total\",\"type\":\"counter\",\"value\":5,\"timestamp\":" +
                std::to_string(_now) + "}]";
        ingest(body);
        // Half of it aggregated (late points were marked dirty), the rest served from raw.
        MetricAggregator aggregator(*_store, MetricAggregator::Retention{}, [this] { return _now; });
        aggregator.runPass();
        auto json = parse(_queries->dashboard(QueryParams("period=1h")));
        auto summary = json->getObject("summary");
        CPPUNIT_ASSERT_EQUAL(201, summary->getValue<int>("total_datapoints"));
        CPPUNIT_ASSERT_EQUAL(3, summary->getValue<int>("distinct_metrics"));
        CPPUNIT_ASSERT_EQUAL(3, summary->getValue<int>("series"));
        auto top = json->getArray("top_metrics");
        CPPUNIT_ASSERT_EQUAL(std::string("web_vitals_cls"), top->getObject(0)->getValue<std::string>("name"));
        CPPUNIT_ASSERT_EQUAL(std::string("http_requests_total"), top->getObject(2)->getValue<std::string>("name"));
        CPPUNIT_ASSERT_EQUAL(5.0, top->getObject(2)->getValue<double>("total"));
        auto vitals = json->getObject("web_vitals");
        auto lcp = vitals->getObject("summary")->getObject("lcp");
        // exact p75 of 1000..4960 step 40 is 1000 + 74*40 = 3960 (rank floor(0.75*99) = 74)
        CPPUNIT_ASSERT(std::fabs(lcp->getValue<double>("p75") - 3960) <= 0.01 * 3960);
        CPPUNIT_ASSERT_EQUAL(100, lcp->getValue<int>("count"));
        CPPUNIT_ASSERT_EQUAL(std::string("needs-improvement"), lcp->getValue<std::string>("rating"));
        auto cls = vitals->getObject("summary")->getObject("cls");
        CPPUNIT_ASSERT_EQUAL(std::string("poor"), cls->getValue<std::string>("rating"));
        auto inp = vitals->getObject("summary")->getObject("inp");
        CPPUNIT_ASSERT(inp->isNull("p75"));
        CPPUNIT_ASSERT_EQUAL(std::string("unknown"), inp->getValue<std::string>("rating"));
        auto series = vitals->getArray("timeseries");
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), series->size()); // 100 s of samples span two minutes
        int samples = 0;
        for (std::size_t i = 0; i < series->size(); ++i)
            samples += series->getObject(static_cast<unsigned>(i))->getValue<int>("count");
        CPPUNIT_ASSERT_EQUAL(200, samples);
        auto pages = vitals->getArray("by_page");
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), pages->size());
        CPPUNIT_ASSERT_EQUAL(std::string("/"), pages->getObject(0)->getValue<std::string>("page")); // tie: 100 each
        CPPUNIT_ASSERT_EQUAL(100, pages->getObject(1)->getValue<int>("samples"));
        CPPUNIT_ASSERT(pages->getObject(1)->isNull("cls"));
        CPPUNIT_ASSERT(parse(_queries->dashboard(QueryParams("period=1h&project=none")))->isNull("web_vitals"));
    }

    void testDashboardPeriodStartsInsideAnHour()
    {
        std::vector<MetricPoint> points;
        for (int m = 0; m < 60; ++m)
        {
            MetricPoint p;
            p.name = "ticks";
            p.type = "counter";
            p.value = 1;
            p.ts = HOUR0 + m * MINUTE_MS + 1000;
            points.push_back(p);
        }
        _store->insert(points);
        MetricAggregator aggregator(*_store, MetricAggregator::Retention{}, [this] { return _now; });
        _now = HOUR0 + 2 * HOUR_MS + MINUTE_MS;
        aggregator.runPass();
        _now = HOUR0 + 7 * HOUR_MS + 30 * MINUTE_MS; // a 7 h period starts at 10:30
        aggregator.runPass();
        auto dashboard = parse(_queries->dashboard(QueryParams("period=7h")));
        CPPUNIT_ASSERT_EQUAL(30, dashboard->getObject("summary")->getValue<int>("total_datapoints"));
        // §4.6 floors the start to the bucket: the whole 10:00 hour is in range.
        auto hourly = parse(_queries->metrics(QueryParams("name=ticks&period=7h&resolution=hour")));
        CPPUNIT_ASSERT_EQUAL(60, hourly->getArray("data")->getObject(0)->getValue<int>("count"));
        CPPUNIT_ASSERT_EQUAL(std::string("2026-11-25T10:00:00Z"),
                             hourly->getArray("data")->getObject(0)->getValue<std::string>("bucket"));
    }

    void testIngestServiceRepliesLikeHttp()
    {
        MetricsIngestService service(*_ingestor);
        IngestReply ok = service.ingest("[{\"name\":\"a\",\"type\":\"gauge\",\"value\":1}]");
        CPPUNIT_ASSERT_EQUAL(202, ok.status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"status\":\"accepted\",\"count\":1,\"dropped\":0}"), ok.body);
        IngestReply bad = service.ingest("[{\"name\":\"a\",\"type\":\"gauge\",\"value\":1},{\"name\":\"b\"}]");
        CPPUNIT_ASSERT_EQUAL(400, bad.status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"detail\":\"Missing required field: type\",\"index\":1}"), bad.body);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), _store->rawCount(_store->reader()));
        IngestReply scalar = service.ingest("\"x\"");
        CPPUNIT_ASSERT_EQUAL(
            std::string("{\"detail\":\"Request body must be a JSON array or an object with a 'metrics' array\"}"),
            scalar.body);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"detail\":\"Invalid JSON\"}"), service.ingest("1,2").body);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"detail\":\"Empty request body\"}"), service.ingest(" ").body);
    }

    void testConfigCrossKeyRules()
    {
        auto problems = [](std::map<std::string, std::string> values) {
            std::vector<std::pair<std::string, std::string>> out;
            MetricsConfig::crossCheck(PluginConfig("metrics-collector", std::move(values)), out);
            std::string keys;
            for (const auto& p : out)
                keys += p.first + ";";
            return keys;
        };
        CPPUNIT_ASSERT_EQUAL(std::string(""), problems({{"retention_raw_hours", "1"},
                                                        {"retention_minute_hours", "2"},
                                                        {"aggregation_interval", "3599"}}));
        CPPUNIT_ASSERT_EQUAL(std::string("retention_minute_hours;"),
                             problems({{"retention_raw_hours", "24"}, {"retention_minute_hours", "24"}}));
        CPPUNIT_ASSERT_EQUAL(std::string("aggregation_interval;"),
                             problems({{"retention_raw_hours", "1"}, {"aggregation_interval", "3600"}}));
        auto schema = MetricsConfig::schema();
        CPPUNIT_ASSERT_EQUAL(std::string("api_key"), schema.at(0).name);
        CPPUNIT_ASSERT(schema.at(0).required && schema.at(0).secret);
        CPPUNIT_ASSERT_EQUAL(std::string("RETENTION_RAW"), schema.at(1).envName);
    }

private:
    void ingest(const std::string& body) { _ingestor->ingest(body); }

    static Poco::JSON::Object::Ptr parse(const std::string& json)
    {
        Poco::JSON::Parser p;
        return p.parse(json).extract<Poco::JSON::Object::Ptr>();
    }

    std::string _path;
    std::shared_ptr<Database> _db;
    std::unique_ptr<MetricStore> _store;
    std::unique_ptr<MetricIngestor> _ingestor;
    std::unique_ptr<MetricQueries> _queries;
    std::int64_t _now = 0;
};

CPPUNIT_TEST_SUITE_REGISTRATION(MetricQueriesTest);
