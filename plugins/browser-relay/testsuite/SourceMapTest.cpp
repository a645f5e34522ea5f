#include "SourceMap.h"
#include <Poco/Exception.h>
#include <cppunit/extensions/HelperMacros.h>

using Monlight::BrowserRelay::SourceMap;

namespace
{
const char* SPEC_MAP =
    R"({"version":3,"file":"app.min.js","sources":["src/app.ts"],"names":["handleClick"],"mappings":"AAAA;AACA,IAAIA"})";
}

class SourceMapTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(SourceMapTest);
    CPPUNIT_TEST(testSpecExampleLookup);
    CPPUNIT_TEST(testNearestEarlierSegment);
    CPPUNIT_TEST(testUnsortedSegmentsAreSorted);
    CPPUNIT_TEST(testOneFieldSegmentIsUnmapped);
    CPPUNIT_TEST(testRelativeFieldsAreNeverReset);
    CPPUNIT_TEST(testSourceRoot);
    CPPUNIT_TEST(testSourcesContentAndNullSources);
    CPPUNIT_TEST(testNameOutOfRangeIsIgnored);
    CPPUNIT_TEST(testInvalidMaps);
    CPPUNIT_TEST(testIndexMapSections);
    CPPUNIT_TEST(testInvalidIndexMaps);
    CPPUNIT_TEST(testEstimatedBytesGrowsWithSegments);
    CPPUNIT_TEST(testLargestOriginalPositionDoesNotOverflow);
    CPPUNIT_TEST_SUITE_END();

    static void assertInvalid(const std::string& json)
    {
        CPPUNIT_ASSERT_THROW_MESSAGE(json, SourceMap::parse(json), Poco::DataFormatException);
    }

public:
    void testSpecExampleLookup()
    {
        auto map = SourceMap::parse(SPEC_MAP);
        auto p = map->lookup(1, 1);
        CPPUNIT_ASSERT(p);
        CPPUNIT_ASSERT_EQUAL(std::string("src/app.ts"), p->source);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), p->line);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), p->column);
        CPPUNIT_ASSERT(!p->name);
        p = map->lookup(2, 5);
        CPPUNIT_ASSERT(p);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), p->line);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5), p->column);
        CPPUNIT_ASSERT_EQUAL(std::string("handleClick"), p->name.value());
        p = map->lookup(2, 3);
        CPPUNIT_ASSERT(p);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), p->column);
        CPPUNIT_ASSERT(!p->name);
        CPPUNIT_ASSERT(!map->lookup(3, 1));
        CPPUNIT_ASSERT(!map->lookup(0, 1));
        CPPUNIT_ASSERT(!p->content);
    }

    void testNearestEarlierSegment()
    {
        // line 1: segments at columns 4 and 10 only
        auto map = SourceMap::parse(R"({"version":3,"sources":["a.js"],"mappings":"IAAA,MAAM"})");
        CPPUNIT_ASSERT(!map->lookup(1, 4)); // column 3 (0-based) is before the first segment
        auto p = map->lookup(1, 5);
        CPPUNIT_ASSERT(p);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), p->column);
        p = map->lookup(1, 10);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), p->column);
        p = map->lookup(1, 11);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(7), p->column);
        p = map->lookup(1, 5000);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(7), p->column);
    }

    void testUnsortedSegmentsAreSorted()
    {
        // columns 10 (orig col 1) then 2 (orig col 9): lookup of column 5 must use the column-2 segment
        auto map = SourceMap::parse(R"({"version":3,"sources":["a.js"],"mappings":"UAAA,RAAQ"})");
        auto p = map->lookup(1, 5);
        CPPUNIT_ASSERT(p);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(9), p->column);
        p = map->lookup(1, 11);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), p->column);
    }

    void testOneFieldSegmentIsUnmapped()
    {
        auto map = SourceMap::parse(R"({"version":3,"sources":["a.js"],"mappings":"AAAA,K"})");
        CPPUNIT_ASSERT(map->lookup(1, 5));
        CPPUNIT_ASSERT(!map->lookup(1, 6));
    }

    void testRelativeFieldsAreNeverReset()
    {
        // line 1: src 1 line 3 col 2; line 2: col 0 → src 1 (+0) line 3+1 col 2+2
        auto map = SourceMap::parse(R"({"version":3,"sources":["a.js","b.js"],"mappings":"ACEE;AACE"})");
        auto p = map->lookup(1, 1);
        CPPUNIT_ASSERT_EQUAL(std::string("b.js"), p->source);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), p->line);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), p->column);
        p = map->lookup(2, 1);
        CPPUNIT_ASSERT_EQUAL(std::string("b.js"), p->source);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(4), p->line);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5), p->column);
    }

    void testSourceRoot()
    {
        auto map = SourceMap::parse(
            R"({"version":3,"sourceRoot":"webpack://app","sources":["src/a.ts","/abs/b.ts","https://cdn/c.ts"],"mappings":"AAAA,CCAA,CCAA"})");
        CPPUNIT_ASSERT_EQUAL(std::string("webpack://app/src/a.ts"), map->lookup(1, 1)->source);
        CPPUNIT_ASSERT_EQUAL(std::string("/abs/b.ts"), map->lookup(1, 2)->source);
        CPPUNIT_ASSERT_EQUAL(std::string("https://cdn/c.ts"), map->lookup(1, 3)->source);
        map = SourceMap::parse(R"({"version":3,"sourceRoot":"root/","sources":["a.ts"],"mappings":"AAAA"})");
        CPPUNIT_ASSERT_EQUAL(std::string("root/a.ts"), map->lookup(1, 1)->source);
        map = SourceMap::parse(R"({"version":3,"sourceRoot":"","sources":["a.ts"],"mappings":"AAAA"})");
        CPPUNIT_ASSERT_EQUAL(std::string("a.ts"), map->lookup(1, 1)->source);
    }

    void testSourcesContentAndNullSources()
    {
        auto map = SourceMap::parse(
            R"({"version":3,"sources":[null,"b.ts"],"sourcesContent":["x\ny",null],"mappings":"AAAA,CCAA"})");
        auto p = map->lookup(1, 1);
        CPPUNIT_ASSERT_EQUAL(std::string(""), p->source);
        CPPUNIT_ASSERT(p->content);
        CPPUNIT_ASSERT_EQUAL(std::string("x\ny"), *p->content);
        p = map->lookup(1, 2);
        CPPUNIT_ASSERT_EQUAL(std::string("b.ts"), p->source);
        CPPUNIT_ASSERT(!p->content);
    }

    void testNameOutOfRangeIsIgnored()
    {
        auto map =
            SourceMap::parse(R"({"version":3,"sources":["a.js"],"names":["n"],"mappings":"AAAAE,CAAAF"})");
        CPPUNIT_ASSERT(!map->lookup(1, 1)->name);                                // name index 2, out of range
        CPPUNIT_ASSERT_EQUAL(std::string("n"), map->lookup(1, 2)->name.value()); // 2 - 2 = 0
    }

    void testInvalidMaps()
    {
        assertInvalid("[]");
        assertInvalid("not json");
        assertInvalid(R"({"sources":[],"mappings":""})");
        assertInvalid(R"({"version":2,"sources":[],"mappings":""})");
        assertInvalid(R"({"version":"3","sources":[],"mappings":""})");
        assertInvalid(R"({"version":3,"sources":"a","mappings":""})");
        assertInvalid(R"({"version":3,"sources":[],"mappings":5})");
        assertInvalid(R"({"version":3,"sources":["a"],"mappings":"AA"})");     // 2 fields
        assertInvalid(R"({"version":3,"sources":["a"],"mappings":"AAA"})");    // 3 fields
        assertInvalid(R"({"version":3,"sources":["a"],"mappings":"AAAAAA"})"); // 6 fields
        assertInvalid(R"({"version":3,"sources":["a"],"mappings":"ACAA"})");   // source index 1 ≥ 1
        assertInvalid(R"({"version":3,"sources":["a"],"mappings":"ADAA"})");   // negative source
        assertInvalid(R"({"version":3,"sources":["a"],"mappings":"D"})");      // negative column
        assertInvalid(R"({"version":3,"sources":["a"],"mappings":"AAAA!"})");
        assertInvalid(R"({"version":3,"sources":["a"],"mappings":"g"})");
        // valid edge cases
        CPPUNIT_ASSERT(SourceMap::parse(R"({"version":3,"sources":[],"mappings":""})"));
        CPPUNIT_ASSERT(SourceMap::parse(R"({"version":3.0,"sources":["a"],"mappings":";;AAAA,,;"})"));
    }

    void testIndexMapSections()
    {
        const std::string json =
            std::string(R"({"version":3,"sections":[)") +
            R"({"offset":{"line":0,"column":0},"map":{"version":3,"sources":["one.ts"],"mappings":"AAAA"}},)" +
            R"({"offset":{"line":0,"column":100},"map":{"version":3,"sources":["two.ts"],"names":["f"],"mappings":"AAAA;EACEA"}},)" +
            R"({"offset":{"line":5,"column":0},"map":)" + SPEC_MAP + "}]}";
        auto map = SourceMap::parse(json);
        CPPUNIT_ASSERT(map->isIndexMap());
        auto p = map->lookup(1, 50);
        CPPUNIT_ASSERT_EQUAL(std::string("one.ts"), p->source);
        p = map->lookup(1, 101); // section 2, column 0
        CPPUNIT_ASSERT_EQUAL(std::string("two.ts"), p->source);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), p->line);
        p = map->lookup(2, 3); // section 2, line 1, column 2 (column not shifted on later lines)
        CPPUNIT_ASSERT_EQUAL(std::string("two.ts"), p->source);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), p->line);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), p->column);
        CPPUNIT_ASSERT_EQUAL(std::string("f"), p->name.value());
        CPPUNIT_ASSERT(!map->lookup(2, 2)); // before the first segment of that line
        p = map->lookup(7, 5);              // section 3 line 1 → spec map line 2 col 4
        CPPUNIT_ASSERT_EQUAL(std::string("src/app.ts"), p->source);
        CPPUNIT_ASSERT_EQUAL(std::string("handleClick"), p->name.value());
    }

    void testInvalidIndexMaps()
    {
        const std::string ok = R"({"version":3,"sources":["a"],"mappings":"AAAA"})";
        assertInvalid(R"({"version":3,"sections":{}})");
        assertInvalid(R"({"version":3,"sections":[{"offset":{"line":0,"column":0}}]})");
        assertInvalid(R"({"version":3,"sections":[{"offset":{"line":0},"map":)" + ok + "}]}");
        assertInvalid(R"({"version":3,"sections":[{"offset":{"line":"0","column":0},"map":)" + ok + "}]}");
        assertInvalid(R"({"version":3,"sections":[{"offset":{"line":1,"column":0},"map":)" + ok +
                      R"(},{"offset":{"line":0,"column":5},"map":)" + ok + "}]}");
        assertInvalid(R"({"version":3,"sections":[{"offset":{"line":0,"column":0},"url":"x.map","map":)" +
                      ok + "}]}");
        assertInvalid(
            R"({"version":3,"sections":[{"offset":{"line":0,"column":0},"map":{"version":3,"sources":["a"],"mappings":"AA"}}]})");
    }

    void testEstimatedBytesGrowsWithSegments()
    {
        auto small = SourceMap::parse(R"({"version":3,"sources":["a"],"mappings":"AAAA"})");
        auto big = SourceMap::parse(
            R"({"version":3,"sources":["a"],"mappings":"AAAA,CAAC,CAAC,CAAC;AACA,CAAC,CAAC"})");
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), small->segmentCount());
        CPPUNIT_ASSERT_EQUAL(std::size_t(7), big->segmentCount());
        CPPUNIT_ASSERT_EQUAL(small->estimatedBytes() + 6 * 16 + 4, big->estimatedBytes());
    }

    void testLargestOriginalPositionDoesNotOverflow()
    {
        // Original line and column 2^31-1 (0-based) are valid VLQ values (§5.9); 1-based they are 2^31, which
        // used to wrap to -2147483648.
        auto map = SourceMap::parse(R"({"version":3,"sources":["a.ts"],"mappings":"AA+/////D+/////D"})");
        auto p = map->lookup(1, 1);
        CPPUNIT_ASSERT(p);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2147483648LL), p->line);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2147483648LL), p->column);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SourceMapTest);
