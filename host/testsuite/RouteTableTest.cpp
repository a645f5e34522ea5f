#include "RouteTable.h"

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
    CPPUNIT_TEST_SUITE_END();

    static Route route(std::vector<std::string> methods, std::string pattern)
    {
        Route r;
        r.methods = std::move(methods);
        r.pattern = std::move(pattern);
        r.handler = [](Request&, Response&) {};
        return r;
    }

public:
    void testExactAndPlaceholder()
    {
        RouteTable t;
        t.add(route({"GET"}, "/api/errors"));
        t.add(route({"GET"}, "/api/errors/{id}"));
        t.add(route({"POST"}, "/api/errors/{id}/resolve"));
        auto m = t.find("GET", "/api/errors/42");
        CPPUNIT_ASSERT(m.route);
        CPPUNIT_ASSERT_EQUAL(std::string("/api/errors/{id}"), m.route->pattern);
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

    void testMethodNotAllowedListsAllow()
    {
        RouteTable t;
        t.add(route({"GET"}, "/api/errors"));
        t.add(route({"POST"}, "/api/errors"));
        auto m = t.find("DELETE", "/api/errors");
        CPPUNIT_ASSERT(m.pathKnown);
        CPPUNIT_ASSERT(!m.route);
        CPPUNIT_ASSERT_EQUAL(std::string("GET, HEAD, POST"), m.allow);
    }

    void testTrailingSlashIgnored()
    {
        RouteTable t;
        t.add(route({"GET"}, "/api/errors"));
        CPPUNIT_ASSERT(t.find("GET", "/api/errors/").route);
        CPPUNIT_ASSERT(!t.find("GET", "/api/errors//").route);
    }

    void testHeadMatchesGet()
    {
        RouteTable t;
        t.add(route({"GET"}, "/api/projects"));
        CPPUNIT_ASSERT(t.find("HEAD", "/api/projects").route);
        CPPUNIT_ASSERT(!t.find("POST", "/api/projects").route);
    }

    void testPrefixRoute()
    {
        RouteTable t;
        t.add(route({"GET"}, "/static/*"));
        CPPUNIT_ASSERT(t.find("GET", "/static/app.js").route);
        CPPUNIT_ASSERT(t.find("GET", "/static/css/x.css").route);
        CPPUNIT_ASSERT(!t.find("GET", "/static/").route);
        CPPUNIT_ASSERT(!t.find("GET", "/staticx").route);
    }

    void testExactBeatsPlaceholder()
    {
        RouteTable t;
        t.add(route({"GET"}, "/api/logs/{id}"));
        t.add(route({"GET"}, "/api/logs/tail"));
        auto m = t.find("GET", "/api/logs/tail");
        CPPUNIT_ASSERT(m.route);
        CPPUNIT_ASSERT_EQUAL(std::string("/api/logs/tail"), m.route->pattern);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RouteTableTest);
