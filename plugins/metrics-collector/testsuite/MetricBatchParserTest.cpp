#include "MetricBatchParser.h"
#include "Monlight/HttpError.h"
#include <cppunit/extensions/HelperMacros.h>

using Monlight::HttpError;
using Monlight::MetricsCollector::MetricBatchParser;
using Monlight::MetricsCollector::MetricPoint;

namespace
{

const std::int64_t NOW = 1795600000000; // 2026-11-25T...

/// The 400 answer for `body` as `detail|extra`, or "" when it parses.
std::string rejection(const std::string& body, std::size_t maxItems = 1000, std::size_t maxLabels = 32)
{
    try
    {
        MetricBatchParser(maxItems, maxLabels).parse(body, NOW);
        return "";
    }
    catch (const HttpError& e)
    {
        CPPUNIT_ASSERT_EQUAL(400, e.status());
        return e.detail() + "|" + e.extraJson();
    }
}

std::string item(const std::string& extra)
{
    return "[{\"name\":\"m\",\"type\":\"gauge\",\"value\":1" + extra + "}]";
}

} // namespace

class MetricBatchParserTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(MetricBatchParserTest);
    CPPUNIT_TEST(testBareArrayAndObjectForms);
    CPPUNIT_TEST(testTopLevelErrors);
    CPPUNIT_TEST(testItemErrorsCarryIndex);
    CPPUNIT_TEST(testLabelRules);
    CPPUNIT_TEST(testLabelsAreCanonical);
    CPPUNIT_TEST(testTimestampForms);
    CPPUNIT_TEST(testProjectRules);
    CPPUNIT_TEST(testNullFieldsAreAbsent);
    CPPUNIT_TEST_SUITE_END();

public:
    void testBareArrayAndObjectForms()
    {
        MetricBatchParser p(1000, 32);
        auto a = p.parse("[{\"name\":\"req\",\"type\":\"counter\",\"value\":2}]", NOW);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), a.size());
        CPPUNIT_ASSERT_EQUAL(std::string("req"), a[0].name);
        CPPUNIT_ASSERT_EQUAL(std::string("counter"), a[0].type);
        CPPUNIT_ASSERT_EQUAL(2.0, a[0].value);
        CPPUNIT_ASSERT_EQUAL(NOW, a[0].ts);
        CPPUNIT_ASSERT_EQUAL(std::string(""), a[0].project);
        auto o = p.parse("{\"project\":\"shop\",\"extra\":1,\"metrics\":[{\"name\":\"x\",\"type\":\"histogram\","
                         "\"value\":0.25},{\"name\":\"y\",\"type\":\"gauge\",\"value\":-1,\"project\":\"own\"}]}",
                         NOW);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), o.size());
        CPPUNIT_ASSERT_EQUAL(std::string("shop"), o[0].project);
        CPPUNIT_ASSERT_EQUAL(std::string("own"), o[1].project);
        CPPUNIT_ASSERT_EQUAL(0.25, o[0].value);
    }

    void testTopLevelErrors()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("Empty request body|"), rejection(""));
        CPPUNIT_ASSERT_EQUAL(std::string("Invalid JSON|"), rejection("[{]"));
        CPPUNIT_ASSERT_EQUAL(std::string("Invalid JSON|"), rejection(item(",\"x\":1e400")));
        CPPUNIT_ASSERT_EQUAL(std::string("Request body must be a JSON array or an object with a 'metrics' array|"),
                             rejection("\"text\""));
        CPPUNIT_ASSERT_EQUAL(std::string("Request body must be a JSON array or an object with a 'metrics' array|"),
                             rejection("42"));
        CPPUNIT_ASSERT_EQUAL(std::string("Missing required field: metrics|"), rejection("{}"));
        CPPUNIT_ASSERT_EQUAL(std::string("Missing required field: metrics|"), rejection("{\"metrics\":null}"));
        CPPUNIT_ASSERT_EQUAL(std::string("Field 'metrics' must be an array|"), rejection("{\"metrics\":{}}"));
        CPPUNIT_ASSERT_EQUAL(std::string("Field 'project' must be 1-100 characters|"),
                             rejection("{\"metrics\":[],\"project\":\"\"}"));
        CPPUNIT_ASSERT_EQUAL(std::string("Field 'project' must be 1-100 characters|"),
                             rejection("{\"metrics\":[],\"project\":5}"));
        CPPUNIT_ASSERT_EQUAL(std::string("Metrics array must not be empty|"), rejection("[]"));
        CPPUNIT_ASSERT_EQUAL(std::string("Metrics array must not be empty|"), rejection("{\"metrics\":[]}"));
        CPPUNIT_ASSERT_EQUAL(std::string("Metrics batch exceeds maximum of 2 items|"),
                             rejection("[1,2,3]", 2));
    }

    void testItemErrorsCarryIndex()
    {
        std::string ok = "{\"name\":\"m\",\"type\":\"gauge\",\"value\":1}";
        auto at1 = [&](const std::string& bad) { return rejection("[" + ok + "," + bad + "]"); };
        CPPUNIT_ASSERT_EQUAL(std::string("Each metric must be a JSON object|,\"index\":1"), at1("[]"));
        CPPUNIT_ASSERT_EQUAL(std::string("Missing required field: name|,\"index\":1"),
                             at1("{\"type\":\"gauge\",\"value\":1}"));
        CPPUNIT_ASSERT_EQUAL(std::string("Missing required field: name|,\"index\":1"),
                             at1("{\"name\":5,\"type\":\"gauge\",\"value\":1}"));
        CPPUNIT_ASSERT_EQUAL(std::string("Field 'name' must be 1-200 characters|,\"index\":1"),
                             at1("{\"name\":\"\",\"type\":\"gauge\",\"value\":1}"));
        CPPUNIT_ASSERT_EQUAL(std::string("Field 'name' must be 1-200 characters|,\"index\":1"),
                             at1("{\"name\":\"" + std::string(201, 'a') + "\",\"type\":\"gauge\",\"value\":1}"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), at1("{\"name\":\"" + std::string(200, 'a') +
                                                  "\",\"type\":\"gauge\",\"value\":1}"));
        CPPUNIT_ASSERT_EQUAL(std::string("Field 'name' must not contain control characters|,\"index\":1"),
                             at1("{\"name\":\"a\\u0085b\",\"type\":\"gauge\",\"value\":1}"));
        CPPUNIT_ASSERT_EQUAL(std::string("Field 'name' must not contain control characters|,\"index\":1"),
                             at1("{\"name\":\"a\\tb\",\"type\":\"gauge\",\"value\":1}"));
        CPPUNIT_ASSERT_EQUAL(std::string("Missing required field: type|,\"index\":1"),
                             at1("{\"name\":\"m\",\"value\":1}"));
        CPPUNIT_ASSERT_EQUAL(std::string("Field 'type' must be 'counter', 'histogram', or 'gauge'|,\"index\":1"),
                             at1("{\"name\":\"m\",\"type\":\"Gauge\",\"value\":1}"));
        CPPUNIT_ASSERT_EQUAL(std::string("Missing required field: value|,\"index\":1"),
                             at1("{\"name\":\"m\",\"type\":\"gauge\",\"value\":null}"));
        CPPUNIT_ASSERT_EQUAL(std::string("Field 'value' must be a finite number|,\"index\":1"),
                             at1("{\"name\":\"m\",\"type\":\"gauge\",\"value\":\"1\"}"));
        CPPUNIT_ASSERT_EQUAL(std::string("Field 'value' must be a finite number|,\"index\":1"),
                             at1("{\"name\":\"m\",\"type\":\"gauge\",\"value\":true}"));
        // The first failing field decides even when later fields are bad too.
        CPPUNIT_ASSERT_EQUAL(std::string("Missing required field: value|,\"index\":0"),
                             rejection("[{\"name\":\"m\",\"type\":\"gauge\",\"labels\":5}]"));
    }

    void testLabelRules()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("Field 'labels' must be an object|,\"index\":0"),
                             rejection(item(",\"labels\":[]")));
        CPPUNIT_ASSERT_EQUAL(std::string("Field 'labels' must be an object|,\"index\":0"),
                             rejection(item(",\"labels\":\"a\"")));
        CPPUNIT_ASSERT_EQUAL(std::string("Too many labels (max 2)|,\"index\":0"),
                             rejection(item(",\"labels\":{\"a\":1,\"b\":2,\"c\":3}"), 1000, 2));
        CPPUNIT_ASSERT_EQUAL(std::string("Label key must be 1-100 characters|,\"index\":0"),
                             rejection(item(",\"labels\":{\"\":1}")));
        CPPUNIT_ASSERT_EQUAL(std::string("Label value must be a string, number or boolean|,\"index\":0"),
                             rejection(item(",\"labels\":{\"a\":null}")));
        CPPUNIT_ASSERT_EQUAL(std::string("Label value must be a string, number or boolean|,\"index\":0"),
                             rejection(item(",\"labels\":{\"a\":{}}")));
        CPPUNIT_ASSERT_EQUAL(std::string("Label value exceeds 1000 characters|,\"index\":0"),
                             rejection(item(",\"labels\":{\"a\":\"" + std::string(1001, 'x') + "\"}")));
        CPPUNIT_ASSERT_EQUAL(std::string(""), rejection(item(",\"labels\":{\"a\":\"" + std::string(1000, 'x') + "\"}")));
        CPPUNIT_ASSERT_EQUAL(std::string(""), rejection(item(",\"labels\":null")));
    }

    void testLabelsAreCanonical()
    {
        MetricBatchParser p(1000, 32);
        auto a = p.parse(item(",\"labels\":{\"b\":2,\"a\":1,\"ok\":true,\"r\":0.5,\"f\":200.0}"), NOW);
        auto b = p.parse(item(",\"labels\":{\"f\":\"200\",\"r\":\"0.5\",\"ok\":\"true\",\"a\":\"1\",\"b\":\"2\"}"), NOW);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"a\":\"1\",\"b\":\"2\",\"f\":\"200\",\"ok\":\"true\",\"r\":\"0.5\"}"),
                             a[0].labels.toJson());
        CPPUNIT_ASSERT_EQUAL(a[0].labels.toJson(), b[0].labels.toJson());
    }

    void testTimestampForms()
    {
        MetricBatchParser p(1000, 32);
        auto ts = [&](const std::string& v) { return p.parse(item(",\"timestamp\":" + v), NOW)[0].ts; };
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1795600000000), ts("1795600000"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1795600000123), ts("1795600000123"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1795600000500), ts("1795600000.5"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1795600000000), ts("\"1795600000\""));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1764064800000), ts("\"2025-11-25T10:00:00Z\""));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1764064800123), ts("\"2025-11-25T10:00:00.123456Z\""));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1764064800000), ts("\"2025-11-25T12:00:00+02:00\""));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1764064800000), ts("\"2025-11-25 10:00:00\""));
        const std::string bad = "Field 'timestamp' must be an RFC 3339 string or epoch number|,\"index\":0";
        CPPUNIT_ASSERT_EQUAL(bad, rejection(item(",\"timestamp\":\"yesterday\"")));
        CPPUNIT_ASSERT_EQUAL(bad, rejection(item(",\"timestamp\":true")));
        CPPUNIT_ASSERT_EQUAL(bad, rejection(item(",\"timestamp\":[1]")));
        CPPUNIT_ASSERT_EQUAL(bad, rejection(item(",\"timestamp\":\"2025-13-01T00:00:00Z\"")));
    }

    void testProjectRules()
    {
        const std::string bad = "Field 'project' must be 1-100 characters|,\"index\":0";
        CPPUNIT_ASSERT_EQUAL(bad, rejection(item(",\"project\":\"\"")));
        CPPUNIT_ASSERT_EQUAL(bad, rejection(item(",\"project\":7")));
        CPPUNIT_ASSERT_EQUAL(bad, rejection(item(",\"project\":\"" + std::string(101, 'p') + "\"")));
        CPPUNIT_ASSERT_EQUAL(std::string(""), rejection(item(",\"project\":\"" + std::string(100, 'p') + "\"")));
    }

    void testNullFieldsAreAbsent()
    {
        MetricBatchParser p(1000, 32);
        auto a = p.parse(item(",\"labels\":null,\"timestamp\":null,\"project\":null"), NOW);
        CPPUNIT_ASSERT_EQUAL(NOW, a[0].ts);
        CPPUNIT_ASSERT_EQUAL(std::string("{}"), a[0].labels.toJson());
        CPPUNIT_ASSERT_EQUAL(std::string(""), a[0].project);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MetricBatchParserTest);
