// The dispatcher in process: a real Listener and Dispatcher over a test plugin, spoken to with Poco's client.
#include "Dispatcher.h"
#include "HostSchema.h"
#include "Listener.h"
#include "fixtures/FakeSecurityServices.h"

#include "Monlight/HttpError.h"
#include "Monlight/Version.h"
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <cppunit/extensions/HelperMacros.h>
#include <sstream>

using namespace Monlight;
using namespace Monlight::Host;

namespace
{
class TestPlugin : public Plugin
{
public:
    PluginInfo info() const override
    {
        PluginInfo i;
        i.name = "test-plugin";
        i.service = true;
        return i;
    }
    void initialize(PluginContext& ctx) override
    {
        auto& r = ctx.router();
        r.add(Route::get("/api/ok").auth(AuthPolicy::ApiKey).limit(Limiter::Key, 3).handle(
            [](Request& req, Response& resp) { resp.json(200, "{\"principal\":\"" + req.principal() + "\"}"); }));
        r.add(Route::get("/api/unlimited").auth(AuthPolicy::ApiKey).handle(
            [](Request&, Response& resp) { resp.json(200, "{}"); }));
        r.add(Route::get("/api/http-error").auth(AuthPolicy::ApiKey).handle([](Request&, Response&) {
            throw HttpError(404, "Error not found");
        }));
        r.add(Route::post("/api/batch").auth(AuthPolicy::ApiKey).handle([](Request& req, Response&) {
            (void)req.body();
            throw HttpError(400, "Invalid metric").index(3);
        }));
        r.add(Route::get("/api/std").auth(AuthPolicy::ApiKey).handle([](Request&, Response&) {
            throw std::logic_error("boom");
        }));
        r.add(Route::get("/api/silent").auth(AuthPolicy::ApiKey).handle([](Request&, Response&) {}));
        auto cors = std::make_shared<Fixture::FakeCorsPolicy>(std::vector<std::string>{"https://*.example.com"});
        r.add(Route::post("/api/browser/errors").auth(AuthPolicy::Dsn).cors(cors, "/api/browser/").handle(
            [](Request& req, Response& resp) { resp.json(200, "{\"project\":\"" + req.dsn()->project + "\"}"); }));
        r.add(Route::get("/api/sized/{bytes}").auth(AuthPolicy::ApiKey).handle([](Request& req, Response& resp) {
            std::string body(static_cast<std::size_t>(parseId(req.pathParam("bytes")).value_or(1)), 'x');
            body.front() = '<';
            body.back() = '>';
            resp.send(200, "text/plain", body);
        }));
        r.add(Route::post("/api/cors-only-here").auth(AuthPolicy::Dsn).cors(cors).handle(
            [](Request&, Response& resp) { resp.json(200, "{}"); }));
    }
    Health health(Json::Writer& fields) override
    {
        fields.field("answer", 42).key("nested").beginObject().field("x", "y").endObject();
        return {};
    }
    void shutdown() override {}
};

struct Answer
{
    int status;
    std::string body;
    Poco::Net::HTTPResponse head;
};
} // namespace

class DispatcherTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(DispatcherTest);
    CPPUNIT_TEST(testNotFoundAndMethodNotAllowedAreJson);
    CPPUNIT_TEST(testAuthFailureIs401);
    CPPUNIT_TEST(testHttpErrorMapsToStatusAndDetail);
    CPPUNIT_TEST(testStdExceptionGives500WithReferenceAndKeepsServing);
    CPPUNIT_TEST(testHandlerWithoutResponseGives500);
    CPPUNIT_TEST(testRateLimitGives429WithRetryAfter);
    CPPUNIT_TEST(testBodyOverCapGives413);
    CPPUNIT_TEST(testCorsAndDsn);
    CPPUNIT_TEST(testRequestIdEchoed);
    CPPUNIT_TEST(testLimitIsPerRoute);
    CPPUNIT_TEST(testCorsAreaCoversUnknownPathsBelowIt);
    CPPUNIT_TEST(testHealthComposesPluginFields);
    CPPUNIT_TEST(testOwnRoutesAreGetOnlyAndUnlimited);
    CPPUNIT_TEST(testSmallAndLargeBodiesAndHead);
    CPPUNIT_TEST_SUITE_END();

    std::unique_ptr<HostRuntime> _rt;
    std::unique_ptr<TestPlugin> _plugin;
    Fixture::FakeSecurityPlugin _security;
    std::unique_ptr<Listener> _listener;

    Answer call(const std::string& method, const std::string& path, const std::string& key = "",
                const std::string& body = "", std::vector<std::pair<std::string, std::string>> headers = {})
    {
        Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(_listener->port()));
        s.setTimeout(Poco::Timespan(5, 0));
        Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
        if (!key.empty())
            req.set("X-API-Key", key);
        for (const auto& h : headers)
            req.set(h.first, h.second);
        if (!body.empty())
            req.setContentLength(static_cast<std::streamsize>(body.size()));
        s.sendRequest(req) << body;
        Answer a;
        std::istream& in = s.receiveResponse(a.head);
        std::ostringstream os;
        os << in.rdbuf();
        a.status = a.head.getStatus();
        a.body = os.str();
        return a;
    }

public:
    void setUp() override
    {
        _rt = std::make_unique<HostRuntime>();
        _rt->settings.ipRateLimit = 0;
        _rt->settings.authFailureLimit = 0;
        // The services come from a plugin, bound generically as the host does after each initialize().
        CPPUNIT_ASSERT(!_rt->bindSecurityServices());
        LoadedPlugin security;
        security.name = "fake-security";
        security.plugin = &_security;
        security.info = _security.info();
        _rt->plugins.push_back(std::make_unique<PluginRuntime>(*_rt, security, PluginConfig("fake-security", {})));
        _security.initialize(*_rt->plugins.back());
        CPPUNIT_ASSERT(_rt->bindSecurityServices());
        _rt->auth()->setKeys("test-plugin", {"secret-key-0123456789"});
        _rt->auth()->setDsnResolver([](const std::string& k) -> std::optional<DsnIdentity> {
            if (k == "dsnkey")
                return DsnIdentity{1, "shop"};
            return std::nullopt;
        });
        _plugin = std::make_unique<TestPlugin>();
        LoadedPlugin lp;
        lp.name = "test-plugin";
        lp.plugin = _plugin.get();
        lp.info = _plugin->info();
        auto rt = std::make_unique<PluginRuntime>(*_rt, lp, PluginConfig("test-plugin", {{"max_body_size", "1024"}}));
        _plugin->initialize(*rt);
        _rt->pluginOrder = {"fake-security", "test-plugin"};
        _rt->plugins.push_back(std::move(rt));
        _listener = std::make_unique<Listener>(*_rt, _rt->plugins.back().get(), "test-plugin.listen", "127.0.0.1:0", 4, 16);
        _listener->start();
    }

    void tearDown() override
    {
        _listener->abort();
        _listener.reset();
        _rt.reset();
    }

    void testSmallAndLargeBodiesAndHead()
    {
        // A small answer goes out with its head in one write, a large one in two: both whole, with their length,
        // and HEAD gets the length without the body.
        Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(_listener->port()));
        s.setTimeout(Poco::Timespan(5, 0));
        for (const std::string method : {"GET", "GET", "HEAD", "GET"})
            for (std::size_t bytes : {std::size_t(100), std::size_t(200000), std::size_t(65536)})
            {
                Poco::Net::HTTPRequest req(method, "/api/sized/" + std::to_string(bytes),
                                           Poco::Net::HTTPMessage::HTTP_1_1);
                req.set("X-API-Key", "secret-key-0123456789");
                s.sendRequest(req);
                Poco::Net::HTTPResponse head;
                std::istream& in = s.receiveResponse(head);
                std::ostringstream os;
                os << in.rdbuf();
                CPPUNIT_ASSERT_EQUAL(200, static_cast<int>(head.getStatus()));
                CPPUNIT_ASSERT_EQUAL(static_cast<Poco::Int64>(bytes), head.getContentLength64());
                CPPUNIT_ASSERT_EQUAL(std::string("nosniff"), head.get("X-Content-Type-Options"));
                if (method == "HEAD")
                {
                    CPPUNIT_ASSERT(os.str().empty());
                    continue;
                }
                CPPUNIT_ASSERT_EQUAL(bytes, os.str().size());
                CPPUNIT_ASSERT(os.str().front() == '<' && os.str().back() == '>');
            }
    }

    void testNotFoundAndMethodNotAllowedAreJson()
    {
        auto a = call("GET", "/api/nothing", "secret-key-0123456789");
        CPPUNIT_ASSERT_EQUAL(404, a.status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"detail\":\"Not found\"}"), a.body);
        a = call("DELETE", "/api/ok", "secret-key-0123456789");
        CPPUNIT_ASSERT_EQUAL(405, a.status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"detail\":\"Method not allowed\"}"), a.body);
        CPPUNIT_ASSERT_EQUAL(std::string("GET, HEAD"), a.head.get("Allow"));
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), a.head.getContentType());
    }

    void testAuthFailureIs401()
    {
        auto a = call("GET", "/api/ok", "wrong");
        CPPUNIT_ASSERT_EQUAL(401, a.status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"detail\":\"Invalid API key\"}"), a.body);
        a = call("GET", "/api/ok");
        CPPUNIT_ASSERT_EQUAL(401, a.status);
        a = call("GET", "/api/ok", "secret-key-0123456789");
        CPPUNIT_ASSERT_EQUAL(200, a.status);
    }

    void testHttpErrorMapsToStatusAndDetail()
    {
        auto a = call("GET", "/api/http-error", "secret-key-0123456789");
        CPPUNIT_ASSERT_EQUAL(404, a.status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"detail\":\"Error not found\"}"), a.body);
        a = call("POST", "/api/batch", "secret-key-0123456789", "[]");
        CPPUNIT_ASSERT_EQUAL(400, a.status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"detail\":\"Invalid metric\",\"index\":3}"), a.body);
    }

    void testStdExceptionGives500WithReferenceAndKeepsServing()
    {
        Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(_listener->port()));
        for (const char* path : {"/api/std", "/api/ok"})
        {
            Poco::Net::HTTPRequest req("GET", path, Poco::Net::HTTPMessage::HTTP_1_1);
            req.set("X-API-Key", "secret-key-0123456789");
            req.set("X-Request-Id", "ref-123");
            s.sendRequest(req);
            Poco::Net::HTTPResponse resp;
            std::ostringstream os;
            os << s.receiveResponse(resp).rdbuf();
            if (std::string(path) == "/api/std")
            {
                CPPUNIT_ASSERT_EQUAL(500, static_cast<int>(resp.getStatus()));
                CPPUNIT_ASSERT_EQUAL(std::string("{\"detail\":\"Internal server error\",\"reference\":\"ref-123\"}"),
                                     os.str());
            }
            else
                CPPUNIT_ASSERT_EQUAL(200, static_cast<int>(resp.getStatus())); // same keep-alive connection
        }
    }

    void testHandlerWithoutResponseGives500()
    {
        auto a = call("GET", "/api/silent", "secret-key-0123456789");
        CPPUNIT_ASSERT_EQUAL(500, a.status);
    }

    void testRateLimitGives429WithRetryAfter()
    {
        for (int i = 0; i < 3; ++i)
            CPPUNIT_ASSERT_EQUAL(200, call("GET", "/api/ok", "secret-key-0123456789").status);
        auto a = call("GET", "/api/ok", "secret-key-0123456789");
        CPPUNIT_ASSERT_EQUAL(429, a.status);
        CPPUNIT_ASSERT(a.body.find("{\"detail\":\"Rate limit exceeded\",\"retry_after\":") == 0);
        int ra = std::stoi(a.head.get("Retry-After"));
        CPPUNIT_ASSERT(ra >= 1 && ra <= 60);
    }

    void testBodyOverCapGives413()
    {
        auto a = call("POST", "/api/batch", "secret-key-0123456789", std::string(1025, 'x'));
        CPPUNIT_ASSERT_EQUAL(413, a.status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"detail\":\"Request body exceeds maximum size\"}"), a.body);
        a = call("POST", "/api/batch", "secret-key-0123456789", std::string(1024, 'x'));
        CPPUNIT_ASSERT_EQUAL(400, a.status); // exactly the cap is accepted, then the handler answers
    }

    void testCorsAndDsn()
    {
        auto a = call("OPTIONS", "/api/browser/errors", "", "", {{"Origin", "https://app.example.com"}});
        CPPUNIT_ASSERT_EQUAL(204, a.status);
        CPPUNIT_ASSERT_EQUAL(std::string("https://app.example.com"), a.head.get("Access-Control-Allow-Origin"));
        a = call("POST", "/api/browser/errors", "", "{}", {{"Origin", "https://example.com"}, {"X-Monlight-Key", "dsnkey"}});
        CPPUNIT_ASSERT_EQUAL(403, a.status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"detail\":\"Origin not allowed\"}"), a.body);
        a = call("POST", "/api/browser/errors", "", "{}", {{"Origin", "https://a.example.com"}, {"X-Monlight-Key", "nope"}});
        CPPUNIT_ASSERT_EQUAL(401, a.status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"detail\":\"Invalid DSN key\"}"), a.body);
        CPPUNIT_ASSERT_EQUAL(std::string("https://a.example.com"), a.head.get("Access-Control-Allow-Origin"));
        a = call("POST", "/api/browser/errors", "", "{}", {{"Origin", "https://a.example.com"}, {"X-Monlight-Key", "dsnkey"}});
        CPPUNIT_ASSERT_EQUAL(200, a.status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"project\":\"shop\"}"), a.body);
    }

    void testRequestIdEchoed()
    {
        auto a = call("GET", "/api/ok", "secret-key-0123456789", "", {{"X-Request-Id", "abc.DEF_1-2"}});
        CPPUNIT_ASSERT_EQUAL(std::string("abc.DEF_1-2"), a.head.get("X-Request-Id"));
        a = call("GET", "/api/ok", "secret-key-0123456789", "", {{"X-Request-Id", "bad id!"}});
        CPPUNIT_ASSERT_EQUAL(std::size_t(16), a.head.get("X-Request-Id").size());
        CPPUNIT_ASSERT_EQUAL(std::string("nosniff"), a.head.get("X-Content-Type-Options"));
    }

    void testLimitIsPerRoute()
    {
        for (int i = 0; i < 3; ++i)
            CPPUNIT_ASSERT_EQUAL(200, call("GET", "/api/ok", "secret-key-0123456789").status);
        CPPUNIT_ASSERT_EQUAL(429, call("GET", "/api/ok", "secret-key-0123456789").status);
        // the same key on a route without .limit(): the plugin's default (no rate_limit here: unlimited)
        for (int i = 0; i < 5; ++i)
            CPPUNIT_ASSERT_EQUAL(200, call("GET", "/api/unlimited", "secret-key-0123456789").status);
    }

    void testCorsAreaCoversUnknownPathsBelowIt()
    {
        auto a = call("OPTIONS", "/api/browser/nothing", "", "", {{"Origin", "https://app.example.com"}});
        CPPUNIT_ASSERT_EQUAL(204, a.status);
        a = call("OPTIONS", "/api/browser/nothing");
        CPPUNIT_ASSERT_EQUAL(204, a.status);
        CPPUNIT_ASSERT_EQUAL(std::string("POST, OPTIONS"), a.head.get("Allow"));
        a = call("POST", "/api/browser/nothing", "", "{}", {{"Origin", "https://app.example.com"}});
        CPPUNIT_ASSERT_EQUAL(404, a.status);
        CPPUNIT_ASSERT_EQUAL(std::string("https://app.example.com"), a.head.get("Access-Control-Allow-Origin"));
        a = call("POST", "/api/browser/nothing", "", "{}", {{"Origin", "https://evil.com"}});
        CPPUNIT_ASSERT_EQUAL(403, a.status);
        a = call("GET", "/api/browser/errors", "", "", {{"Origin", "https://app.example.com"}});
        CPPUNIT_ASSERT_EQUAL(405, a.status);
        CPPUNIT_ASSERT_EQUAL(std::string("POST, OPTIONS"), a.head.get("Allow"));
        // a CORS route without an area: its own path only
        CPPUNIT_ASSERT_EQUAL(204, call("OPTIONS", "/api/cors-only-here").status);
        a = call("POST", "/api/cors-only-herex", "", "{}", {{"Origin", "https://app.example.com"}});
        CPPUNIT_ASSERT_EQUAL(404, a.status);
        CPPUNIT_ASSERT(!a.head.has("Access-Control-Allow-Origin"));
        // no CORS outside: an Origin is ignored, OPTIONS is an unknown method
        a = call("GET", "/api/ok", "secret-key-0123456789", "", {{"Origin", "https://evil.com"}});
        CPPUNIT_ASSERT_EQUAL(200, a.status);
        CPPUNIT_ASSERT_EQUAL(405, call("OPTIONS", "/api/ok").status);
    }

    void testHealthComposesPluginFields()
    {
        auto a = call("GET", "/health");
        CPPUNIT_ASSERT_EQUAL(200, a.status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"status\":\"ok\",\"service\":\"test-plugin\",\"version\":\"" MONLIGHT_VERSION
                                         "\",\"answer\":42,\"nested\":{\"x\":\"y\"}}"),
                             a.body);
    }

    void testOwnRoutesAreGetOnlyAndUnlimited()
    {
        auto a = call("POST", "/health", "", "{}");
        CPPUNIT_ASSERT_EQUAL(405, a.status);
        CPPUNIT_ASSERT_EQUAL(std::string("GET, HEAD"), a.head.get("Allow"));
        _rt->settings.ipRateLimit = 1;
        for (int i = 0; i < 3; ++i)
            CPPUNIT_ASSERT_EQUAL(200, call("GET", "/health").status);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(DispatcherTest);
