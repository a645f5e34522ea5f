#include "ContentDecoder.h"
#include "SentryEnvelope.h"
#include "SentryEvent.h"
#include "SentryIngest.h"
#include "SentryVitals.h"
#include <Monlight/HttpError.h>
#include <Monlight/Json.h>
#include <cppunit/extensions/HelperMacros.h>
#include <zlib.h>

using namespace Monlight;
using namespace Monlight::BrowserRelay;

namespace
{

std::string deflateWith(const std::string& in, int windowBits)
{
    z_stream zs{};
    deflateInit2(&zs, 9, Z_DEFLATED, windowBits, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&zs, static_cast<uLong>(in.size())) + 64, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    zs.avail_in = static_cast<uInt>(in.size());
    zs.next_out = reinterpret_cast<Bytef*>(&out[0]);
    zs.avail_out = static_cast<uInt>(out.size());
    deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

int statusOf(const std::function<void()>& f, std::string* detail = nullptr)
{
    try
    {
        f();
    }
    catch (const HttpError& e)
    {
        if (detail)
            *detail = e.detail();
        return e.status();
    }
    return 0;
}

} // namespace

class SentryTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(SentryTest);
    CPPUNIT_TEST(testEnvelopeBothFramings);
    CPPUNIT_TEST(testEnvelopeFramingErrors);
    CPPUNIT_TEST(testDecoders);
    CPPUNIT_TEST(testDecoderCapsWhileDecoding);
    CPPUNIT_TEST(testDecoderErrors);
    CPPUNIT_TEST(testKeys);
    CPPUNIT_TEST(testRenderPythonChained);
    CPPUNIT_TEST(testRenderJsAndOther);
    CPPUNIT_TEST(testErrorPayloadFields);
    CPPUNIT_TEST(testLogsAndMetrics);
    CPPUNIT_TEST(testVitalsPagesOfLaterSpans);
    CPPUNIT_TEST(testVitalsPageMapIsBounded);
    CPPUNIT_TEST_SUITE_END();

public:
    void testEnvelopeBothFramings()
    {
        const std::string text = "{\"event_id\":\"abc\"}\n"
                                 "{\"type\":\"event\",\"length\":7}\n{\"a\":\n}\n" // length-framed, contains \n
                                 "{\"type\":\"session\"}\n{\"sid\":1}\n"             // newline-framed
                                 "{\"type\":\"attachment\",\"length\":0}\n\n"        // empty payload
                                 "{\"type\":\"log\",\"length\":2}\n{}";              // ends without \n
        const auto env = SentryEnvelope::parse(text);
        CPPUNIT_ASSERT_EQUAL(std::string("abc"), env.eventId);
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), env.items.size());
        CPPUNIT_ASSERT_EQUAL(std::string("event"), env.items[0].type);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"a\":\n}"), std::string(env.items[0].payload));
        CPPUNIT_ASSERT_EQUAL(std::string("{\"sid\":1}"), std::string(env.items[1].payload));
        CPPUNIT_ASSERT_EQUAL(std::string(""), std::string(env.items[2].payload));
        CPPUNIT_ASSERT_EQUAL(std::string("{}"), std::string(env.items[3].payload));
        // `{}` header alone, CRLF lines, a trailing newline
        const std::string crlfText = "{}\r\n{\"type\":\"session\"}\r\n{\"x\":1}\r\n";
        const auto crlf = SentryEnvelope::parse(crlfText);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), crlf.items.size());
        CPPUNIT_ASSERT_EQUAL(std::string("{\"x\":1}"), std::string(crlf.items[0].payload));
        for (const std::string headerOnly : {"{}", "{}\n"})
            CPPUNIT_ASSERT_EQUAL(std::size_t(0), SentryEnvelope::parse(headerOnly).items.size());
    }

    void testEnvelopeFramingErrors()
    {
        const std::pair<std::string, std::string> cases[] = {
            {"", "missing envelope header"},
            {"nope\n", "envelope header is not valid JSON"},
            {"[]\n", "envelope header is not a JSON object"},
            {"{}\n{\"type\":\"event\",\"length\":10}\n{}", "item length exceeds the envelope"},
            {"{}\n{\"type\":\"event\",\"length\":1}\n{}\n", "item payload is not followed by a newline"},
            {"{}\n{\"type\":\"event\",\"length\":1.5}\n{}\n", "item length is not a non-negative integer"},
            {"{}\n{\"type\":\"event\",\"length\":true}\n{}\n", "item length is not a number"},
            {"{}\n{\"type\":\"event\",\"length\":\"1\"}\n{}\n", "item length is not a number"},
            {"{}\n{\"type\":\"event\",\"length\":1e30}\n{}\n", "item length is not a non-negative integer"},
            {"{}\n{\"type\":\"event\",\"length\":-1}\n{}\n", "item length is not a non-negative integer"},
            {"{}\n[1]\n{}\n", "item header is not a JSON object"},
            {"{}\n{\"type\":\n{}\n", "item header is not valid JSON"},
        };
        for (const auto& [text, reason] : cases)
        {
            std::string detail;
            CPPUNIT_ASSERT_EQUAL(400, statusOf([&] { SentryEnvelope::parse(text); }, &detail));
            CPPUNIT_ASSERT_EQUAL("Invalid envelope: " + reason, detail);
        }
    }

    void testDecoders()
    {
        const std::string plain = "{}\n{\"type\":\"session\"}\n{}\n";
        CPPUNIT_ASSERT_EQUAL(plain, ContentDecoder::decode(deflateWith(plain, 31), "gzip", 1000));
        CPPUNIT_ASSERT_EQUAL(plain, ContentDecoder::decode(deflateWith(plain, 31), " GZip ", 1000));
        CPPUNIT_ASSERT_EQUAL(plain, ContentDecoder::decode(deflateWith(plain, 15), "deflate", 1000));
        CPPUNIT_ASSERT_EQUAL(plain, ContentDecoder::decode(deflateWith(plain, -15), "deflate", 1000));
        const std::string br("\x0b\x0c\x80\x7b\x7d\x0a\x7b\x22\x74\x79\x70\x65\x22\x3a\x22\x73\x65\x73\x73\x69\x6f"
                             "\x6e\x22\x7d\x0a\x7b\x7d\x0a\x03",
                             29);
        CPPUNIT_ASSERT_EQUAL(plain, ContentDecoder::decode(br, "br", 1000));
        CPPUNIT_ASSERT_EQUAL(plain, ContentDecoder::decode(plain, "", 1000));
        CPPUNIT_ASSERT_EQUAL(plain, ContentDecoder::decode(plain, "identity", 1000));
        // two gzip members back to back, and a list of codings applied right to left
        CPPUNIT_ASSERT_EQUAL(plain + plain,
                             ContentDecoder::decode(deflateWith(plain, 31) + deflateWith(plain, 31), "gzip", 1000));
        CPPUNIT_ASSERT_EQUAL(plain, ContentDecoder::decode(deflateWith(deflateWith(plain, 15), 31),
                                                           "deflate, gzip", 1000));
    }

    void testDecoderCapsWhileDecoding()
    {
        const std::string zeros(64 * 1024 * 1024, '\0');
        const std::string bomb = deflateWith(zeros, 31);
        CPPUNIT_ASSERT(bomb.size() < 100 * 1024);
        std::string detail;
        CPPUNIT_ASSERT_EQUAL(413, statusOf([&] { ContentDecoder::decode(bomb, "gzip", 1024 * 1024); }, &detail));
        CPPUNIT_ASSERT_EQUAL(std::string("Request body too large"), detail);
        CPPUNIT_ASSERT_EQUAL(413, statusOf([&] { ContentDecoder::decode(deflateWith(zeros, 15), "deflate", 4096); }));
        CPPUNIT_ASSERT_EQUAL(413, statusOf([&] { ContentDecoder::decode(std::string(5000, 'x'), "", 4096); }));
        // exactly at the cap is fine
        CPPUNIT_ASSERT_EQUAL(std::size_t(4096),
                             ContentDecoder::decode(deflateWith(std::string(4096, 'a'), 31), "gzip", 4096).size());
    }

    void testDecoderErrors()
    {
        std::string detail;
        CPPUNIT_ASSERT_EQUAL(415, statusOf([&] { ContentDecoder::decode("x", "zstd", 10); }, &detail));
        CPPUNIT_ASSERT_EQUAL(std::string("Unsupported Content-Encoding: zstd"), detail);
        CPPUNIT_ASSERT_EQUAL(415, statusOf([&] { ContentDecoder::decode("x", "gzip, compress", 10); }));
        const std::string gz = deflateWith("hello hello hello hello", 31);
        CPPUNIT_ASSERT_EQUAL(400, statusOf([&] { ContentDecoder::decode(gz.substr(0, gz.size() - 6), "gzip", 100); },
                                           &detail));
        CPPUNIT_ASSERT_EQUAL(std::string("Invalid gzip body"), detail);
        CPPUNIT_ASSERT_EQUAL(400, statusOf([&] { ContentDecoder::decode("not gzip at all", "gzip", 100); }));
        CPPUNIT_ASSERT_EQUAL(400, statusOf([&] { ContentDecoder::decode("\x0b\x0c\x80", "br", 100); }, &detail));
        CPPUNIT_ASSERT_EQUAL(std::string("Invalid br body"), detail);
    }

    void testKeys()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("abc123"),
                             SentryIngest::keyFromAuthHeader("Sentry sentry_key=abc123, sentry_version=7"));
        CPPUNIT_ASSERT_EQUAL(std::string("abc123"),
                             SentryIngest::keyFromAuthHeader("Sentry sentry_version=7,sentry_key=abc123"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), SentryIngest::keyFromAuthHeader("Bearer xyz"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), SentryIngest::keyFromAuthHeader("Sentry xsentry_key=abc"));
        CPPUNIT_ASSERT_EQUAL(std::string("k1"), SentryIngest::keyFromDsn("https://k1@o1.ingest.example/42"));
        CPPUNIT_ASSERT_EQUAL(std::string("k1"), SentryIngest::keyFromDsn("https://k1:secret@host/42"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), SentryIngest::keyFromDsn("https://host/a@b/42"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), SentryIngest::keyFromDsn("garbage"));
    }

    void testRenderPythonChained()
    {
        const Json::Document ev(R"({"platform":"python","exception":{"values":[
            {"type":"ValueError","value":"bad","stacktrace":{"frames":[
              {"filename":"a.py","abs_path":"/x/a.py","function":"f","lineno":1,"context_line":"  int(v)  "}]}},
            {"type":"RuntimeError","value":"wrapped","stacktrace":{"frames":[
              {"filename":"b.py","function":"g","lineno":9}]}}]}})");
        const auto r = SentryEvent::render(ev.root());
        CPPUNIT_ASSERT_EQUAL(std::string("RuntimeError"), r.type);
        CPPUNIT_ASSERT_EQUAL(std::string("wrapped"), r.message);
        CPPUNIT_ASSERT_EQUAL(std::string("Traceback (most recent call last):\n"
                                         "  File \"/x/a.py\", line 1, in f\n"
                                         "    int(v)\n"
                                         "ValueError: bad\n\n"
                                         "During handling of the above exception, another exception occurred:\n\n"
                                         "Traceback (most recent call last):\n"
                                         "  File \"b.py\", line 9, in g\n"
                                         "RuntimeError: wrapped"),
                             r.traceback);
        // a frame's duplicate keys: the last wins, also when it is of another type (then the field is absent)
        const Json::Document dup(R"({"platform":"python","exception":{"values":[{"type":"E","stacktrace":{"frames":[
            {"function":"a","function":"b","filename":"f.py","abs_path":"/f.py","abs_path":7,"lineno":"3",
             "lineno":4,"context_line":"\t x \f"}]}}]}})");
        CPPUNIT_ASSERT_EQUAL(std::string("Traceback (most recent call last):\n  File \"f.py\", line 4, in b\n    x\nE"),
                             SentryEvent::render(dup.root()).traceback);
        // no exception: a message
        const Json::Document msg(R"({"platform":"python","logentry":{"message":"x %s","formatted":"x 1"}})");
        const auto m = SentryEvent::render(msg.root());
        CPPUNIT_ASSERT_EQUAL(std::string("Message"), m.type);
        CPPUNIT_ASSERT_EQUAL(std::string("x 1"), m.message);
        CPPUNIT_ASSERT_EQUAL(std::string(""), m.traceback);
    }

    void testRenderJsAndOther()
    {
        const Json::Document js(R"({"platform":"javascript","exception":{"values":[
            {"value":"boom","mechanism":{"synthetic":true},"stacktrace":{"frames":[
              {"filename":"https://a/app.js","function":"?","lineno":1,"colno":2},
              {"abs_path":"https://a/app.js","function":"inner","lineno":3,"colno":4}]}}]}})");
        const auto r = SentryEvent::render(js.root());
        CPPUNIT_ASSERT_EQUAL(std::string("Error"), r.type);
        CPPUNIT_ASSERT_EQUAL(std::string("Error: boom\n    at inner (https://a/app.js:3:4)\n"
                                         "    at <anonymous> (https://a/app.js:1:2)"),
                             r.traceback);
        const Json::Document go(R"({"platform":"go","exception":[
            {"type":"*errors.errorString","value":"eof","stacktrace":{"frames":[
              {"module":"main","function":"run","filename":"main.go","lineno":10},
              {"module":"main","function":"handle","filename":"h.go","lineno":20}]}}]})");
        const auto g = SentryEvent::render(go.root());
        CPPUNIT_ASSERT_EQUAL(std::string("*errors.errorString: eof\n  at main.handle (h.go:20)\n  at main.run (main.go:10)"),
                             g.traceback);
        const Json::Document other(R"({"platform":"java","exception":{"values":[{"value":"v"}]}})");
        CPPUNIT_ASSERT_EQUAL(std::string("Exception"), SentryEvent::render(other.root()).type);
    }

    void testErrorPayloadFields()
    {
        const Json::Document ev(R"({"event_id":"0123456789ABCDEF0123456789abcdef","platform":"node",
            "release":"r1","fingerprint":["{{ default }}","db"],"tags":{"a":"b","n":1},
            "request":{"url":"https://s/x","method":"post","headers":{"Cookie":"c","User-Agent":"ua"}},
            "user":{"email":"e@x"},"contexts":{"trace":{"trace_id":"t1"},"os":{"name":"Linux"},"app":{"x":1}},
            "exception":{"values":[{"type":"E","value":"v"}]}})");
        const auto out = Json::parseObject(SentryEvent::errorPayload(ev.root(), "proj", "prod", nullptr));
        CPPUNIT_ASSERT_EQUAL(std::string("proj"), *Json::getString(*out, "project"));
        CPPUNIT_ASSERT_EQUAL(std::string("prod"), *Json::getString(*out, "environment"));
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), *Json::getString(*out, "request_method"));
        CPPUNIT_ASSERT_EQUAL(std::string("e@x"), *Json::getString(*out, "user_id"));
        CPPUNIT_ASSERT_EQUAL(std::string("{\"User-Agent\":\"ua\"}"), Json::stringify(out->get("request_headers")));
        CPPUNIT_ASSERT_EQUAL(std::string("[\"{{ default }}\",\"db\"]"), Json::stringify(out->get("fingerprint")));
        const auto extra = Json::getObject(*out, "extra");
        CPPUNIT_ASSERT_EQUAL(std::string("0123456789abcdef0123456789abcdef"), *Json::getString(*extra, "event_id"));
        CPPUNIT_ASSERT_EQUAL(std::string("t1"), *Json::getString(*extra, "trace_id"));
        CPPUNIT_ASSERT_EQUAL(std::string("{\"a\":\"b\",\"n\":1}"), Json::stringify(extra->get("tags")));
        CPPUNIT_ASSERT_EQUAL(std::string("{\"os\":{\"name\":\"Linux\"}}"), Json::stringify(extra->get("contexts")));
        // Duplicate keys count once with their last value (as every JSON body here); headers and tags given as
        // [name, value] pairs; a numeric user id; fields of another type read as absent.
        const Json::Document dup(R"({"platform":"python","tags":[["t","1"],["o",{"x":1}],["n",2.5],["b",true]],
            "request":{"url":5,"method":"get","headers":[["Authorization","s"],["Accept","*/*"],["X",1]]},
            "user":{"id":null,"username":42},"contexts":{"trace":"t"},"extra":{"k":1,"k":2},"sdk":{"name":7},
            "exception":{"values":[{"type":"E","value":"v"}]},"exception":{"values":[{"type":"F","value":"w"}]}})");
        const auto d = Json::parseObject(SentryEvent::errorPayload(dup.root(), "p", "prod", nullptr));
        CPPUNIT_ASSERT_EQUAL(std::string("F"), *Json::getString(*d, "exception_type"));
        CPPUNIT_ASSERT_EQUAL(std::string("GET"), *Json::getString(*d, "request_method"));
        CPPUNIT_ASSERT(!Json::has(*d, "request_url"));
        CPPUNIT_ASSERT_EQUAL(std::string("{\"Accept\":\"*/*\"}"), Json::stringify(d->get("request_headers")));
        CPPUNIT_ASSERT_EQUAL(std::string("42"), *Json::getString(*d, "user_id"));
        const auto dx = Json::getObject(*d, "extra");
        CPPUNIT_ASSERT_EQUAL(std::string("{\"t\":\"1\",\"n\":2.5,\"b\":true}"), Json::stringify(dx->get("tags")));
        CPPUNIT_ASSERT_EQUAL(std::string("{\"k\":2}"), Json::stringify(dx->get("extra")));
        CPPUNIT_ASSERT_EQUAL(std::string("{}"), Json::stringify(dx->get("sdk")));
        CPPUNIT_ASSERT(!Json::has(*dx, "trace_id"));
        // 64 KiB cap on extra: breadcrumbs go first
        std::string crumbs = "[";
        for (int i = 0; i < 60; ++i)
            crumbs += std::string(i ? "," : "") + "{\"message\":\"" + std::string(2000, 'b') + "\"}";
        crumbs += "]";
        const Json::Document big("{\"platform\":\"python\",\"breadcrumbs\":{\"values\":" + crumbs +
                                           "},\"contexts\":{\"os\":{\"name\":\"L\"}}}");
        const auto small = Json::parseObject(SentryEvent::errorPayload(big.root(), "p", "prod", nullptr));
        CPPUNIT_ASSERT(!Json::has(*Json::getObject(*small, "extra"), "breadcrumbs"));
        CPPUNIT_ASSERT(Json::has(*Json::getObject(*small, "extra"), "contexts"));
    }

    void testLogsAndMetrics()
    {
        const auto logs = Json::parseObject(R"({"version":2,"items":[
            {"timestamp":1.5,"level":"warn","body":"hi","trace_id":"67C4EC63DCB54543A882797AA76EDE07",
             "attributes":{"k":{"value":1,"type":"integer"},"sentry.release":{"value":"r","type":"string"},
                           "service.name":{"value":"svc","type":"string"},"sentry.sdk.name":{"value":"x"}}},
            {"level":"info"},
            {"body":"sev","severity_number":17}]})");
        std::size_t n = 0;
        const std::string body = SentryEvent::logsPayload(*logs, "proj", n);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), n);
        CPPUNIT_ASSERT_EQUAL(
            std::string("{\"logs\":[{\"timestamp\":1.5,\"level\":\"WARNING\",\"message\":\"hi\",\"source\":\"svc\","
                        "\"trace_id\":\"67c4ec63dcb54543a882797aa76ede07\",\"attributes\":{\"k\":1,\"release\":\"r\","
                        "\"service.name\":\"svc\"}},{\"level\":\"ERROR\",\"message\":\"sev\",\"source\":\"proj\","
                        "\"attributes\":{}}]}"),
            body);
        const auto metrics = Json::parseObject(R"({"version":2,"items":[
            {"timestamp":2,"name":"a.b","type":"distribution","value":3,
             "attributes":{"page":{"value":"home"},"sentry.environment":{"value":"e"},"user.id":{"value":"u"},
                           "server.address":{"value":"h"}}},
            {"name":"bad","type":"set","value":1},
            {"name":"","type":"counter","value":1}]})");
        std::size_t invalid = 0;
        const std::string m = SentryEvent::metricsPayload(*metrics, "proj", n, invalid);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), n);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), invalid);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"metrics\":[{\"name\":\"a.b\",\"type\":\"histogram\",\"value\":3,"
                                         "\"timestamp\":2,\"project\":\"proj\",\"labels\":{\"environment\":\"e\","
                                         "\"page\":\"home\"}}]}"),
                             m);
    }

    void testVitalsPagesOfLaterSpans()
    {
        SentryVitals v(true);
        std::size_t n = 0;
        // the child with a vital comes before its segment in the same container
        const auto first = Json::parseObject(R"({"items":[
            {"span_id":"c1","parent_span_id":"s1","start_timestamp":5,
             "attributes":{"browser.web_vital.fcp.value":{"value":12.5}}},
            {"span_id":"s1","is_segment":true,"start_timestamp":4,
             "attributes":{"url.full":{"value":"https://a/users/42?x=1"},"browser.web_vital.ttfb.value":{"value":3}}}]})");
        CPPUNIT_ASSERT_EQUAL(
            std::string("{\"metrics\":[{\"name\":\"web_vitals_fcp\",\"type\":\"histogram\",\"value\":12.5,"
                        "\"timestamp\":5,\"project\":\"p\",\"labels\":{\"page\":\"/users/{id}\",\"source\":\"browser\","
                        "\"project\":\"p\"}},{\"name\":\"web_vitals_ttfb\",\"type\":\"histogram\",\"value\":3,"
                        "\"timestamp\":4,\"project\":\"p\",\"labels\":{\"page\":\"/users/{id}\",\"source\":\"browser\","
                        "\"project\":\"p\"}}]}"),
            v.metrics("span", *first, "p", n));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), n);
        // a later LCP span names only the pageload span id
        const auto later = Json::parseObject(R"({"items":[{"span_id":"l1","start_timestamp":9,"attributes":{
            "sentry.pageload.span_id":{"value":"s1"},"sentry.segment.name":{"value":"Pageload"},
            "browser.web_vital.lcp.value":{"value":99}}}]})");
        CPPUNIT_ASSERT(v.metrics("span", *later, "p", n).find("\"page\":\"/users/{id}\"") != std::string::npos);
        // unknown pageload: the segment name
        const auto unknown = Json::parseObject(R"({"items":[{"span_id":"l2","attributes":{
            "sentry.pageload.span_id":{"value":"zz"},"sentry.segment.name":{"value":"Pageload"},
            "browser.web_vital.cls.value":{"value":0}}}]})");
        CPPUNIT_ASSERT(v.metrics("span", *unknown, "p", n).find("\"page\":\"Pageload\"") != std::string::npos);
        // no vitals: nothing
        const auto none = Json::parseObject(R"({"type":"transaction","transaction":"GET /x","measurements":{}})");
        v.metrics("transaction", *none, "p", n);
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), n);
    }

    void testVitalsPageMapIsBounded()
    {
        SentryVitals v(false);
        std::size_t n = 0;
        auto segment = [&](int i)
        {
            const auto c = Json::parseObject("{\"items\":[{\"span_id\":\"s" + std::to_string(i) +
                                             "\",\"is_segment\":true,\"attributes\":{\"url.full\":{\"value\":\"/p" +
                                             std::to_string(i) + "\"}}}]}");
            v.metrics("span", *c, "p", n);
        };
        auto pageOf = [&](int i)
        {
            const auto c = Json::parseObject("{\"items\":[{\"span_id\":\"x\",\"parent_span_id\":\"s" +
                                             std::to_string(i) +
                                             "\",\"attributes\":{\"browser.web_vital.lcp.value\":{\"value\":1}}}]}");
            return v.metrics("span", *c, "p", n);
        };
        for (int i = 0; i <= static_cast<int>(SentryVitals::MAX_PAGES); ++i)
            segment(i);
        CPPUNIT_ASSERT(pageOf(0).find("\"page\"") == std::string::npos); // the oldest was evicted
        CPPUNIT_ASSERT(pageOf(1).find("\"page\":\"/p1\"") != std::string::npos);
        CPPUNIT_ASSERT(pageOf(10000).find("\"page\":\"/p10000\"") != std::string::npos);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SentryTest);
