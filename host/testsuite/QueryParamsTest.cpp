#include "Monlight/Http.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace Monlight;

class QueryParamsTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(QueryParamsTest);
    CPPUNIT_TEST(testQueryParams);
    CPPUNIT_TEST_SUITE_END();

public:
    void testQueryParams()
    {
        QueryParams q("a=1&b=x+y&c=%41%zz&a=2&d&e=&limit=abc&offset=-4&big=99999999999999999999");
        CPPUNIT_ASSERT_EQUAL(std::string("2"), *q.get("a"));
        CPPUNIT_ASSERT_EQUAL(std::string("x y"), *q.get("b"));
        CPPUNIT_ASSERT_EQUAL(std::string("A%zz"), *q.get("c"));
        CPPUNIT_ASSERT(!q.get("d"));
        CPPUNIT_ASSERT(q.getRaw("d").has_value());
        CPPUNIT_ASSERT(!q.get("e"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(50), q.limit("limit", 50, 200));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(200), q.limit("big", 50, 200));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), q.offset("offset"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), QueryParams("limit=2").limit("limit", 50, 200));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(QueryParamsTest);
