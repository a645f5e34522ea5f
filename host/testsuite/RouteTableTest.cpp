#include "RouteTable.h"

#include <Poco/Exception.h>
#include <cppunit/extensions/HelperMacros.h>

using namespace Monlight;
using namespace Monlight::Host;

class RouteTableTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(RouteTableTest);
    CPPUNIT_TEST(testExactAndPlaceholder);
    CPPUNIT_TEST(testMethodNotAllowedListsAllow);
    CPPUNIT_TEST(testTrailingSlashIgnored);
    CPPUNIT_TEST(testHeadMatchesGet);
    CPPUNIT_TEST(testPrefixRoute);
    CPPUNIT_TEST(testExactBeatsPlaceholder);
    CPPUNIT_TEST(testIncompletePostureIsRefused);
    CPPUNIT_TEST(testCorsOfPathAndArea);
    CPPUNIT_TEST(testSeveralPlaceholdersAndSegmentCounts);
    CPPUNIT_TEST_SUITE_END();

    static Route route(const std::string& method, std::string pattern)
    {
        Route r = method == "GET" ? Route::get(std::move(pattern))
                  : method == "POST" ? Route::post(std::move(pattern))
                                     : Route::del(std::move(pattern));
        r.auth(AuthPolicy::ApiKey).handle([](Request&, Response&) {});
        return r;
    }

public:
    void testExactAndPlaceholder()
    {
        RouteTable t;
        t.add(route("GET", "/api/errors"));
        t.add(route("GET", "/api/errors/{id}"));
        t.add(route("POST", "/api/errors/{id}/resolve"));
        auto m = t.find("GET", "/api/errors/42");
        CPPUNIT_ASSERT(m.route);
        CPPUNIT_ASSERT_EQUAL(std::string("/api/errors/{id}"), m.route->pattern());
        CPPUNIT_ASSERT_EQUAL(std::string("42"), m.params["id"]);
        m = t.find("POST", "/api/errors/abc/resolve");
        CPPUNIT_ASSERT(m.route);
        CPPUNIT_ASSERT_EQUAL(std::string("abc"), m.params["id"]);
        m = t.find("GET", "/api/nothing");
        CPPUNIT_ASSERT(!m.pathKnown);
        CPPUNIT_ASSERT(!m.route);
        m = t.find("GET", "/api/errors//resolve");
        CPPUNIT_ASSERT(!m.pathKnown);
    }

    void testSeveralPlaceholdersAndSegmentCounts()
    {
        RouteTable t;
        t.add(route("GET", "/api/{kind}/items/{id}"));
        t.add(route("DELETE", "/api/{kind}/items/{id}"));
        auto m = t.find("GET", "/api/logs/items/7/");
        CPPUNIT_ASSERT(m.route);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), m.params.size());
        CPPUNIT_ASSERT_EQUAL(std::string("logs"), m.params["kind"]);
        CPPUNIT_ASSERT_EQUAL(std::string("7"), m.params["id"]);
        m = t.find("POST", "/api/logs/items/7");
        CPPUNIT_ASSERT(m.pathKnown && !m.route);
        CPPUNIT_ASSERT(m.params.empty());
        CPPUNIT_ASSERT_EQUAL(std::string("DELETE, GET, HEAD"), m.allow());
        for (const char* path : {"/api/logs/items", "/api/logs/items/7/8", "/api//items/7", "/api/logs/item/7",
                                 "/api/logs/items/", "/"})
            CPPUNIT_ASSERT_MESSAGE(path, !t.find("GET", path).pathKnown);
    }

    void testMethodNotAllowedListsAllow()
    {
        RouteTable t;
        t.add(route("GET", "/api/errors"));
        t.add(route("POST", "/api/errors"));
        auto m = t.find("DELETE", "/api/errors");
        CPPUNIT_ASSERT(m.pathKnown);
        CPPUNIT_ASSERT(!m.route);
        CPPUNIT_ASSERT_EQUAL(std::string("GET, HEAD, POST"), m.allow());
    }

    void testTrailingSlashIgnored()
    {
        RouteTable t;
        t.add(route("GET", "/api/errors"));
        CPPUNIT_ASSERT(t.find("GET", "/api/errors/").route);
        CPPUNIT_ASSERT(!t.find("GET", "/api/errors//").route);
    }

    void testHeadMatchesGet()
    {
        RouteTable t;
        t.add(route("GET", "/api/projects"));
        CPPUNIT_ASSERT(t.find("HEAD", "/api/projects").route);
        CPPUNIT_ASSERT(!t.find("POST", "/api/projects").route);
    }

    void testPrefixRoute()
    {
        RouteTable t;
        t.add(route("GET", "/static/*"));
        CPPUNIT_ASSERT(t.find("GET", "/static/app.js").route);
        CPPUNIT_ASSERT(t.find("GET", "/static/css/x.css").route);
        CPPUNIT_ASSERT(!t.find("GET", "/static/").route);
        CPPUNIT_ASSERT(!t.find("GET", "/staticx").route);
    }

    void testExactBeatsPlaceholder()
    {
        RouteTable t;
        t.add(route("GET", "/api/logs/{id}"));
        t.add(route("GET", "/api/logs/tail"));
        auto m = t.find("GET", "/api/logs/tail");
        CPPUNIT_ASSERT(m.route);
        CPPUNIT_ASSERT_EQUAL(std::string("/api/logs/tail"), m.route->pattern());
    }

    void testIncompletePostureIsRefused()
    {
        RouteTable t;
        auto noop = [](Request&, Response&) {};
        CPPUNIT_ASSERT_THROW(t.add(Route::get("/api/x").handle(noop)), Poco::InvalidArgumentException);
        CPPUNIT_ASSERT_THROW(t.add(Route::get("/api/x").auth(AuthPolicy::None)), Poco::InvalidArgumentException);
        CPPUNIT_ASSERT_THROW(t.add(Route::get("api/x").auth(AuthPolicy::None).handle(noop)),
                             Poco::InvalidArgumentException);
        // a limiter the policy does not count on, a query key without a key
        CPPUNIT_ASSERT_THROW(t.add(Route::get("/api/x").auth(AuthPolicy::ApiKey).limit(Limiter::Dsn, 5).handle(noop)),
                             Poco::InvalidArgumentException);
        CPPUNIT_ASSERT_THROW(t.add(Route::get("/api/x").auth(AuthPolicy::None).queryKey().handle(noop)),
                             Poco::InvalidArgumentException);
        CPPUNIT_ASSERT_THROW(t.add(Route::get("/api/x").auth(AuthPolicy::None).cors(nullptr, "/api/").handle(noop)),
                             Poco::InvalidArgumentException);
        CPPUNIT_ASSERT(t.empty());
        t.add(Route::post("/api/x").auth(AuthPolicy::Dsn).limit(Limiter::DsnIp, 5).limit(Limiter::Dsn, 9).handle(noop));
        auto m = t.find("POST", "/api/x");
        CPPUNIT_ASSERT(m.route);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(9), *m.route->limitOf(Limiter::Dsn));
        CPPUNIT_ASSERT(!m.route->limitOf(Limiter::Ip));
    }

    void testCorsOfPathAndArea()
    {
        struct AnyOrigin : CorsPolicy
        {
            bool allows(const std::string&) const override { return true; }
            std::vector<std::pair<std::string, std::string>> responseHeaders(const std::string&) const override
            {
                return {};
            }
            std::vector<std::pair<std::string, std::string>> preflightHeaders(const std::string&, const std::string&,
                                                                              const std::string&) const override
            {
                return {};
            }
        };
        auto cors = std::make_shared<AnyOrigin>();
        RouteTable t;
        t.add(route("GET", "/api/other"));
        t.add(Route::post("/api/browser/errors").auth(AuthPolicy::Dsn).cors(cors, "/api/browser/").handle(
            [](Request&, Response&) {}));
        CPPUNIT_ASSERT(t.find("OPTIONS", "/api/browser/errors").cors == cors.get());
        auto m = t.find("POST", "/api/browser/unknown");
        CPPUNIT_ASSERT(!m.pathKnown && m.cors == cors.get());
        CPPUNIT_ASSERT_EQUAL(std::string("POST"), m.allow());
        CPPUNIT_ASSERT(!t.find("GET", "/api/other").cors);
        CPPUNIT_ASSERT(!t.find("GET", "/api/browserx").cors);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RouteTableTest);
