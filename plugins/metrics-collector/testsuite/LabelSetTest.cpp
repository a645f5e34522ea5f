#include "LabelSet.h"
#include <cppunit/extensions/HelperMacros.h>

using Monlight::MetricsCollector::LabelSet;

class LabelSetTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(LabelSetTest);
    CPPUNIT_TEST(testKeysAreSortedByByteOrder);
    CPPUNIT_TEST(testEmptySetIsEmptyObject);
    CPPUNIT_TEST(testNumberText);
    CPPUNIT_TEST(testJsonEscapingAndRoundTrip);
    CPPUNIT_TEST(testWithoutDropsKeys);
    CPPUNIT_TEST(testContainsIsSubsetMatch);
    CPPUNIT_TEST_SUITE_END();

public:
    void testKeysAreSortedByByteOrder()
    {
        LabelSet a;
        a.set("b", "2");
        a.set("a", "1");
        a.set("Z", "upper");
        a.set("\xc3\xa9", "accent"); // é sorts after ASCII
        CPPUNIT_ASSERT_EQUAL(std::string("{\"Z\":\"upper\",\"a\":\"1\",\"b\":\"2\",\"\xc3\xa9\":\"accent\"}"),
                             a.toJson());
        LabelSet b;
        b.set("\xc3\xa9", "accent");
        b.set("a", "1");
        b.set("Z", "upper");
        b.set("b", "2");
        CPPUNIT_ASSERT(a == b);
        CPPUNIT_ASSERT_EQUAL(a.toJson(), b.toJson());
    }

    void testEmptySetIsEmptyObject() { CPPUNIT_ASSERT_EQUAL(std::string("{}"), LabelSet().toJson()); }

    void testNumberText()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("200"), LabelSet::numberText(200.0));
        CPPUNIT_ASSERT_EQUAL(std::string("0.5"), LabelSet::numberText(0.5));
        CPPUNIT_ASSERT_EQUAL(std::string("-3"), LabelSet::numberText(-3.0));
        CPPUNIT_ASSERT_EQUAL(std::string("0.1"), LabelSet::numberText(0.1));
        CPPUNIT_ASSERT_EQUAL(std::string("0"), LabelSet::numberText(0.0));
    }

    void testJsonEscapingAndRoundTrip()
    {
        LabelSet a;
        a.set("path", "/a\"b\\c\n");
        a.set("tab", "x\ty");
        std::string json = a.toJson();
        CPPUNIT_ASSERT_EQUAL(std::string("{\"path\":\"/a\\\"b\\\\c\\n\",\"tab\":\"x\\ty\"}"), json);
        CPPUNIT_ASSERT(LabelSet::fromJson(json) == a);
    }

    void testWithoutDropsKeys()
    {
        LabelSet a;
        a.set("session_id", "abc");
        a.set("page", "/");
        CPPUNIT_ASSERT_EQUAL(std::string("{\"page\":\"/\"}"), a.without({"session_id"}).toJson());
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), a.size());
    }

    void testContainsIsSubsetMatch()
    {
        LabelSet a;
        a.set("method", "GET");
        a.set("status", "200");
        CPPUNIT_ASSERT(a.contains({}));
        CPPUNIT_ASSERT(a.contains({{"method", "GET"}}));
        CPPUNIT_ASSERT(a.contains({{"status", "200"}, {"method", "GET"}}));
        CPPUNIT_ASSERT(!a.contains({{"method", "POST"}}));
        CPPUNIT_ASSERT(!a.contains({{"region", "eu"}}));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(LabelSetTest);
