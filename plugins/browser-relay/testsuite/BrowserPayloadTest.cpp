#include "BrowserErrorPayload.h"
#include "BrowserMetricsPayload.h"
#include "FileKey.h"
#include <Monlight/HttpError.h>
#include <Monlight/Json.h>
#include <cppunit/extensions/HelperMacros.h>

using namespace Monlight;
using namespace Monlight::BrowserRelay;

namespace
{

/// The detail (and extra JSON) of the HttpError that `fn` throws.
template <typename F> std::string errorOf(F fn)
{
    try
    {
        fn();
    }
    catch (const HttpError& e)
    {
        return std::to_string(e.status()) + " " + e.detail() + e.extraJson();
    }
    return "no error";
}

std::string errorPayload(const std::string& body)
{
    return BrowserErrorPayload::parse(body, "prod").build("shop", nullptr);
}

std::string metrics(const std::string& body, bool normalize = true)
{
    BrowserMetricsPayload::Options o;
    o.project = "shop";
    o.normalizePageIds = normalize;
    std::size_t n = 0;
    return BrowserMetricsPayload::build(body, o, n);
}

const char* SPEC_MAP =
    R"({"version":3,"file":"app.min.js","sources":["src/app.ts"],"names":["handleClick"],"mappings":"AAAA;AACA,IAAIA","sourcesContent":["const a = 1;\nfunction handleClick() {}\n"]})";

} // namespace

class BrowserPayloadTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(BrowserPayloadTest);
    CPPUNIT_TEST(testErrorValidationOrder);
    CPPUNIT_TEST(testErrorMinimalPayload);
    CPPUNIT_TEST(testErrorFullPayloadKeyOrder);
    CPPUNIT_TEST(testErrorRewrittenPayloadHasOriginalStackAndContext);
    CPPUNIT_TEST(testErrorPayloadCappedAt256KiB);
    CPPUNIT_TEST(testMetricsValidationMessages);
    CPPUNIT_TEST(testMetricsEnrichmentRelayKeysWin);
    CPPUNIT_TEST(testMetricsBareArrayAndNoNormalization);
    CPPUNIT_TEST_SUITE_END();

public:
    void testErrorValidationOrder()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("400 Empty request body"), errorOf([] { errorPayload(""); }));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Invalid JSON"), errorOf([] { errorPayload("{"); }));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Request body must be a JSON object"),
                             errorOf([] { errorPayload("[]"); }));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Request body must be a JSON object"),
                             errorOf([] { errorPayload("\"text\""); }));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Missing required field: type"),
                             errorOf([] { errorPayload("{}"); }));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Missing required field: type"),
                             errorOf([] { errorPayload(R"({"type":1,"message":"m","stack":""})"); }));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Missing required field: message"),
                             errorOf([] { errorPayload(R"({"type":"E","message":null,"stack":""})"); }));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Missing required field: stack"),
                             errorOf([] { errorPayload(R"({"type":"E","message":"m"})"); }));
        CPPUNIT_ASSERT_EQUAL(
            std::string("400 Field 'release' must be 1-100 characters"),
            errorOf([] { errorPayload(R"({"type":"E","message":"m","stack":"","release":""})"); }));
        CPPUNIT_ASSERT_EQUAL(
            std::string("400 Field 'release' must be 1-100 characters"),
            errorOf(
                []
                {
                    errorPayload(R"({"type":"E","message":"m","stack":"","release":5,"environment":")" +
                                 std::string(51, 'e') + "\"}");
                }));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Field 'environment' must be 1-50 characters"),
                             errorOf(
                                 []
                                 {
                                     errorPayload(R"({"type":"E","message":"m","stack":"","environment":")" +
                                                  std::string(51, 'e') + "\"}");
                                 }));
        CPPUNIT_ASSERT_EQUAL(
            std::string("no error"),
            errorOf(
                []
                {
                    errorPayload(R"({"type":"E","message":"m","stack":"","release":null,"environment":7})");
                }));
    }

    void testErrorMinimalPayload()
    {
        CPPUNIT_ASSERT_EQUAL(
            std::string(
                R"({"project":"shop","environment":"prod","exception_type":"Error","message":"","traceback":"","request_method":"BROWSER","extra":{}})"),
            errorPayload(
                R"({"type":"","message":"","stack":"","environment":"","session_id":"","context":[1]})"));
    }

    void testErrorFullPayloadKeyOrder()
    {
        const std::string body =
            R"J({"context":{"user_id":42,"plan":"pro"},"timestamp":1700000000,"release":"1.0.0","session_id":"s1","user_agent":"UA","url":"https://shop/x","environment":"staging","stack":"Error: x\n  at f (https://cdn/v.js:1:1)","message":"boom \"q\"","type":"TypeError"})J";
        CPPUNIT_ASSERT_EQUAL(
            std::string(
                R"J({"project":"shop","environment":"staging","exception_type":"TypeError","message":"boom \"q\"","traceback":"Error: x\n  at f (https://cdn/v.js:1:1)","request_method":"BROWSER","request_url":"https://shop/x","user_id":"42","extra":{"user_agent":"UA","session_id":"s1","release":"1.0.0","timestamp":1700000000,"context":{"user_id":42,"plan":"pro"}}})J"),
            errorPayload(body));
        CPPUNIT_ASSERT(
            errorPayload(
                R"({"type":"E","message":"","stack":"","context":{"user_id":"u-1"},"timestamp":"2026-01-01T00:00:00Z"})")
                .find(R"("user_id":"u-1","extra":{"timestamp":"2026-01-01T00:00:00Z")") != std::string::npos);
        const std::string longType =
            errorPayload(R"({"type":")" + std::string(300, 'T') + R"(","message":"","stack":""})");
        CPPUNIT_ASSERT(longType.find("\"" + std::string(200, 'T') + "\"") != std::string::npos);
    }

    void testErrorRewrittenPayloadHasOriginalStackAndContext()
    {
        const auto map = SourceMap::parse(SPEC_MAP);
        const std::string stack = "TypeError: x\n    at n (https://shop.example.com/static/app.min.js:2:5)";
        const auto e = BrowserErrorPayload::parse(
            R"J({"type":"TypeError","message":"x","release":"1.0.0","stack":"TypeError: x\n    at n (https://shop.example.com/static/app.min.js:2:5)"})J",
            "prod");
        const auto rewrite =
            StackRewriter::rewrite(e.stack(), [&](const std::string& file) -> std::shared_ptr<const SourceMap>
                                   { return FileKey::of(file) == "/static/app.min.js" ? map : nullptr; });
        CPPUNIT_ASSERT_EQUAL(
            std::string(
                R"J({"project":"shop","environment":"prod","exception_type":"TypeError","message":"x","traceback":"TypeError: x\n    at handleClick (src/app.ts:2:5)","request_method":"BROWSER","extra":{"release":"1.0.0","original_stack":"TypeError: x\n    at n (https://shop.example.com/static/app.min.js:2:5)","source_context":[{"frame":1,"source":"src/app.ts","line":2,"context":[{"line":1,"text":"const a = 1;"},{"line":2,"text":"function handleClick() {}"},{"line":3,"text":""}]}]}})J"),
            e.build("shop", &rewrite));
    }

    void testErrorPayloadCappedAt256KiB()
    {
        // 6 mapped frames of a source with huge lines: source_context is dropped first, then original_stack
        std::string content;
        for (int i = 0; i < 5; ++i)
            content += std::string(100, 'x') + "\n";
        const std::string map = std::string(R"({"version":3,"sources":["big.ts"],"sourcesContent":[")") +
                                std::string(100, 'y') + R"("],"mappings":"AAAA"})";
        const auto parsed = SourceMap::parse(map);
        std::string stack = "Error: " + std::string(140 * 1024, 'm');
        for (int i = 0; i < 3; ++i)
            stack += "\n    at f (https://a/b.js:1:1)";
        std::string body = R"({"type":"E","message":"","release":"r","stack":)";
        Json::appendQuoted(body, stack);
        body += "}";
        const auto e = BrowserErrorPayload::parse(body, "prod");
        const auto rewrite = StackRewriter::rewrite(e.stack(), [&](const std::string&) { return parsed; });
        CPPUNIT_ASSERT(rewrite.changed);
        const std::string out = e.build("shop", &rewrite);
        CPPUNIT_ASSERT(out.size() <= BrowserErrorPayload::MAX_PAYLOAD);
        CPPUNIT_ASSERT(out.find("original_stack") == std::string::npos);
        CPPUNIT_ASSERT(out.find("source_context") == std::string::npos);
        CPPUNIT_ASSERT(out.find("at f (big.ts:1:1)") != std::string::npos);
    }

    void testMetricsValidationMessages()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("400 Empty request body"), errorOf([] { metrics(" "); }));
        CPPUNIT_ASSERT_EQUAL(
            std::string("400 Request body must be a JSON array or an object with a 'metrics' array"),
            errorOf([] { metrics("3"); }));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Missing required field: metrics"),
                             errorOf([] { metrics(R"({"metrics":null})"); }));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Field 'metrics' must be an array"),
                             errorOf([] { metrics(R"({"metrics":{}})"); }));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Metrics array must not be empty"),
                             errorOf([] { metrics("[]"); }));
        std::string many = "[";
        for (int i = 0; i < 1001; ++i)
            many += std::string(i ? "," : "") + R"({"name":"a","type":"gauge","value":1})";
        many += "]";
        CPPUNIT_ASSERT_EQUAL(std::string("400 Metrics batch exceeds maximum of 1000 items"),
                             errorOf([&] { metrics(many); }));
        const std::string ok = R"({"name":"a","type":"gauge","value":1},)";
        CPPUNIT_ASSERT_EQUAL(std::string("400 Each metric must be a JSON object,\"index\":1"),
                             errorOf([&] { metrics("[" + ok + "5]"); }));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Missing required field: name,\"index\":1"),
                             errorOf([&] { metrics("[" + ok + R"({"name":5}])"); }));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Field 'name' must be 1-200 characters,\"index\":0"),
                             errorOf([] { metrics(R"([{"name":""}])"); }));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Field 'name' must not contain control characters,\"index\":0"),
                             errorOf([] { metrics(R"([{"name":"a\u0085b"}])"); }));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Missing required field: type,\"index\":0"),
                             errorOf([] { metrics(R"([{"name":"a"}])"); }));
        CPPUNIT_ASSERT_EQUAL(
            std::string("400 Field 'type' must be 'counter', 'histogram', or 'gauge',\"index\":0"),
            errorOf([] { metrics(R"([{"name":"a","type":"sum"}])"); }));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Missing required field: value,\"index\":0"),
                             errorOf([] { metrics(R"([{"name":"a","type":"gauge","value":null}])"); }));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Field 'value' must be a finite number,\"index\":0"),
                             errorOf([] { metrics(R"([{"name":"a","type":"gauge","value":true}])"); }));
        CPPUNIT_ASSERT_EQUAL(
            std::string("400 Field 'labels' must be an object,\"index\":0"),
            errorOf([] { metrics(R"([{"name":"a","type":"gauge","value":1,"labels":[]}])"); }));
        std::string labels = "{";
        for (int i = 0; i < 29; ++i)
            labels += std::string(i ? "," : "") + "\"k" + std::to_string(i) + "\":1";
        labels += "}";
        // 29 user labels + source + project = 31; with page and session_id = 33 > 32
        CPPUNIT_ASSERT_EQUAL(
            std::string("no error"),
            errorOf([&] { metrics(R"([{"name":"a","type":"gauge","value":1,"labels":)" + labels + "}]"); }));
        CPPUNIT_ASSERT_EQUAL(
            std::string("400 Too many labels (max 32),\"index\":0"),
            errorOf(
                [&]
                {
                    metrics(
                        R"({"url":"/p","session_id":"s","metrics":[{"name":"a","type":"gauge","value":1,"labels":)" +
                        labels + "}]}");
                }));
        CPPUNIT_ASSERT_EQUAL(
            std::string("400 Label key must be 1-100 characters,\"index\":0"),
            errorOf([] { metrics(R"([{"name":"a","type":"gauge","value":1,"labels":{"":"x"}}])"); }));
        CPPUNIT_ASSERT_EQUAL(
            std::string("400 Label value must be a string, number or boolean,\"index\":0"),
            errorOf([] { metrics(R"([{"name":"a","type":"gauge","value":1,"labels":{"a":null}}])"); }));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Label value exceeds 1000 characters,\"index\":0"),
                             errorOf(
                                 []
                                 {
                                     metrics(R"([{"name":"a","type":"gauge","value":1,"labels":{"a":")" +
                                             std::string(1001, 'v') + "\"}}]");
                                 }));
        CPPUNIT_ASSERT_EQUAL(
            std::string("400 Field 'timestamp' must be an RFC 3339 string or epoch number,\"index\":0"),
            errorOf([] { metrics(R"([{"name":"a","type":"gauge","value":1,"timestamp":"yesterday"}])"); }));
        // a user label that the relay overwrites is not validated in its original form
        CPPUNIT_ASSERT_EQUAL(
            std::string("no error"),
            errorOf(
                []
                {
                    metrics(
                        R"([{"name":"a","type":"gauge","value":1,"labels":{"source":null},"project":5}])");
                }));
    }

    void testMetricsEnrichmentRelayKeysWin()
    {
        const std::string out = metrics(
            R"({"project":"evil","url":"https://shop.example.com/users/42/orders/550e8400-e29b-41d4-a716-446655440000?tab=1","session_id":"sess","metrics":[{"name":"lcp","type":"histogram","value":2.5,"labels":{"source":"server","project":"other","page":"/mine","route":"r"},"timestamp":1700000000,"project":"x"}]})");
        CPPUNIT_ASSERT_EQUAL(
            std::string(
                R"([{"name":"lcp","type":"histogram","value":2.5,"labels":{"page":"/users/{id}/orders/{id}","project":"shop","route":"r","source":"browser","session_id":"sess"},"timestamp":1700000000,"project":"shop"}])"),
            out);
    }

    void testMetricsBareArrayAndNoNormalization()
    {
        CPPUNIT_ASSERT_EQUAL(
            std::string(
                R"([{"name":"c","type":"counter","value":3,"labels":{"page":"/u/42","source":"browser","project":"shop"},"project":"shop"}])"),
            metrics(R"([{"name":"c","type":"counter","value":3,"labels":{"page":"/u/42"}}])", false));
        CPPUNIT_ASSERT_EQUAL(
            std::string(
                R"([{"name":"c","type":"counter","value":3,"labels":{"page":"/u/{id}","source":"browser","project":"shop"},"project":"shop"}])"),
            metrics(R"([{"name":"c","type":"counter","value":3,"labels":{"page":"/u/42"}}])", true));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(BrowserPayloadTest);
