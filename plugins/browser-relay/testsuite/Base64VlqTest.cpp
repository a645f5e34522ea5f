#include "Base64Vlq.h"
#include <cppunit/extensions/HelperMacros.h>

using Monlight::BrowserRelay::Base64Vlq;

class Base64VlqTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(Base64VlqTest);
    CPPUNIT_TEST(testSpecExamples);
    CPPUNIT_TEST(testConsecutiveValues);
    CPPUNIT_TEST(testCharacterOutsideAlphabetIsInvalid);
    CPPUNIT_TEST(testTruncatedValueIsInvalid);
    CPPUNIT_TEST(testInt32Range);
    CPPUNIT_TEST_SUITE_END();

    static std::int32_t one(const std::string& s)
    {
        std::size_t pos = 0;
        std::int32_t v = 12345;
        CPPUNIT_ASSERT_MESSAGE(s, Base64Vlq::decode(s, pos, v));
        CPPUNIT_ASSERT_EQUAL(s.size(), pos);
        return v;
    }

    static bool valid(const std::string& s)
    {
        std::vector<std::int32_t> out;
        return Base64Vlq::decodeAll(s, out);
    }

public:
    void testSpecExamples()
    {
        CPPUNIT_ASSERT_EQUAL(0, one("A"));
        CPPUNIT_ASSERT_EQUAL(1, one("C"));
        CPPUNIT_ASSERT_EQUAL(-1, one("D"));
        CPPUNIT_ASSERT_EQUAL(2, one("E"));
        CPPUNIT_ASSERT_EQUAL(15, one("e"));
        CPPUNIT_ASSERT_EQUAL(16, one("gB"));
        CPPUNIT_ASSERT_EQUAL(-16, one("hB"));
        CPPUNIT_ASSERT_EQUAL(123, one("2H"));
        CPPUNIT_ASSERT_EQUAL(-17, one("jB"));
        CPPUNIT_ASSERT_EQUAL(1000, one("w+B"));
        CPPUNIT_ASSERT_EQUAL(0, one("B")); // negative zero
    }

    void testConsecutiveValues()
    {
        std::vector<std::int32_t> out;
        CPPUNIT_ASSERT(Base64Vlq::decodeAll("IAAIA", out));
        CPPUNIT_ASSERT_EQUAL(std::size_t(5), out.size());
        CPPUNIT_ASSERT_EQUAL(4, out[0]);
        CPPUNIT_ASSERT_EQUAL(0, out[1]);
        CPPUNIT_ASSERT_EQUAL(4, out[3]);
        out.clear();
        CPPUNIT_ASSERT(Base64Vlq::decodeAll("w+BjBC", out));
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), out.size());
        CPPUNIT_ASSERT_EQUAL(1000, out[0]);
        CPPUNIT_ASSERT_EQUAL(-17, out[1]);
        CPPUNIT_ASSERT_EQUAL(1, out[2]);
    }

    void testCharacterOutsideAlphabetIsInvalid()
    {
        CPPUNIT_ASSERT(!valid("A="));
        CPPUNIT_ASSERT(!valid("-"));
        CPPUNIT_ASSERT(!valid("A_"));
        CPPUNIT_ASSERT(!valid("é"));
        CPPUNIT_ASSERT(valid("+/A"));
    }

    void testTruncatedValueIsInvalid()
    {
        CPPUNIT_ASSERT(!valid("g"));
        CPPUNIT_ASSERT(!valid("Ag"));
        CPPUNIT_ASSERT(!valid("w+"));
    }

    void testInt32Range()
    {
        CPPUNIT_ASSERT_EQUAL(2147483647, one("+/////D"));
        CPPUNIT_ASSERT_EQUAL(static_cast<std::int32_t>(-2147483647 - 1), one("hgggggE"));
        CPPUNIT_ASSERT(!valid("ggggggE")); // 2147483648
        CPPUNIT_ASSERT(!valid("jgggggE")); // -2147483649
        // far too many digits
        CPPUNIT_ASSERT(!valid("gggggggggggggA"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(Base64VlqTest);
