#include "ContainerFilter.h"

#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>

using Monlight::LogViewer::ContainerFilter;

class ContainerFilterTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ContainerFilterTest);
    CPPUNIT_TEST(testGlobStarAndQuestionMark);
    CPPUNIT_TEST(testGlobIsLiteralAndCaseSensitive);
    CPPUNIT_TEST(testEmptySelectionWatchesAll);
    CPPUNIT_TEST(testSpecExample);
    CPPUNIT_TEST(testOnlyExclusions);
    CPPUNIT_TEST_SUITE_END();

public:
    void testGlobStarAndQuestionMark()
    {
        CPPUNIT_ASSERT(ContainerFilter::globMatch("web-*", "web-"));
        CPPUNIT_ASSERT(ContainerFilter::globMatch("web-*", "web-api"));
        CPPUNIT_ASSERT(ContainerFilter::globMatch("*-db-*", "app-db-1"));
        CPPUNIT_ASSERT(ContainerFilter::globMatch("*a*b*c", "xxaxxbxxbxc"));
        CPPUNIT_ASSERT(ContainerFilter::globMatch("web-?", "web-1"));
        CPPUNIT_ASSERT(ContainerFilter::globMatch("web-?", "web-é"));
        CPPUNIT_ASSERT(!ContainerFilter::globMatch("web-?", "web-"));
        CPPUNIT_ASSERT(!ContainerFilter::globMatch("web-?", "web-12"));
        CPPUNIT_ASSERT(ContainerFilter::globMatch("*", ""));
        CPPUNIT_ASSERT(ContainerFilter::globMatch("**", "abc"));
        CPPUNIT_ASSERT(!ContainerFilter::globMatch("a*c", "abcd"));
    }

    void testGlobIsLiteralAndCaseSensitive()
    {
        CPPUNIT_ASSERT(!ContainerFilter::globMatch("Web", "web"));
        CPPUNIT_ASSERT(ContainerFilter::globMatch("a.b[1]", "a.b[1]"));
        CPPUNIT_ASSERT(!ContainerFilter::globMatch("a.b", "axb"));
    }

    void testEmptySelectionWatchesAll()
    {
        ContainerFilter f;
        CPPUNIT_ASSERT(f.watches("anything"));
    }

    void testSpecExample()
    {
        ContainerFilter f({"web-*", "worker", "!monlight"});
        CPPUNIT_ASSERT(f.watches("web-1"));
        CPPUNIT_ASSERT(f.watches("web-api"));
        CPPUNIT_ASSERT(f.watches("worker"));
        CPPUNIT_ASSERT(!f.watches("monlight"));
        CPPUNIT_ASSERT(!f.watches("worker-2"));
        CPPUNIT_ASSERT(!f.watches("db"));
    }

    void testOnlyExclusions()
    {
        ContainerFilter f({"!monlight", "!*-test"});
        CPPUNIT_ASSERT(f.watches("web"));
        CPPUNIT_ASSERT(!f.watches("monlight"));
        CPPUNIT_ASSERT(!f.watches("api-test"));
        ContainerFilter both({"web-*", "!web-internal"});
        CPPUNIT_ASSERT(both.watches("web-1"));
        CPPUNIT_ASSERT(!both.watches("web-internal"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ContainerFilterTest);
