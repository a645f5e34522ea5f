#include "FilterParser.h"
#include "Monlight/HttpError.h"

#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>

using namespace Monlight;
using namespace Monlight::LogViewer;

class FilterParserTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(FilterParserTest);
    CPPUNIT_TEST(testLevelExactAndAtLeast);
    CPPUNIT_TEST(testWordsModeQuotesEveryWord);
    CPPUNIT_TEST(testQueryParameters);
    CPPUNIT_TEST(testInvalidParametersAre400);
    CPPUNIT_TEST(testTailContainsLimit);
    CPPUNIT_TEST(testMatchesForLiveEntries);
    CPPUNIT_TEST_SUITE_END();

    static std::string detailOf(const std::function<void()>& fn)
    {
        try
        {
            fn();
        }
        catch (const HttpError& e)
        {
            return std::to_string(e.status()) + " " + e.detail();
        }
        return "no error";
    }

public:
    void testLevelExactAndAtLeast()
    {
        auto exact = FilterParser::parseLevelFilter("warn");
        CPPUNIT_ASSERT(exact && exact->size() == 1 && (*exact)[0] == Level::Warning);
        auto atLeast = FilterParser::parseLevelFilter(">=err");
        CPPUNIT_ASSERT(atLeast && atLeast->size() == 2 && (*atLeast)[0] == Level::Error &&
                       (*atLeast)[1] == Level::Critical);
        CPPUNIT_ASSERT_EQUAL(std::size_t(5), FilterParser::parseLevelFilter(">=debug")->size());
        CPPUNIT_ASSERT(!FilterParser::parseLevelFilter("loud"));
        CPPUNIT_ASSERT(!FilterParser::parseLevelFilter(">="));
        CPPUNIT_ASSERT(!FilterParser::parseLevelFilter("<=info"));
    }

    void testWordsModeQuotesEveryWord()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("\"error:timeout\" \"a\"\"b\""),
                             *FilterParser::wordsToFts("  error:timeout   a\"b "));
        CPPUNIT_ASSERT_EQUAL(std::string("\"x\""), *FilterParser::wordsToFts("- x //"));
        CPPUNIT_ASSERT(!FilterParser::wordsToFts("  -- / "));
        // NUL separates words (found by fuzz/lv_filter_fuzzer: inside a phrase FTS5 saw it unterminated).
        CPPUNIT_ASSERT_EQUAL(std::string("\"ab\" \"cd\""), *FilterParser::wordsToFts(std::string("ab\0cd", 5)));
        CPPUNIT_ASSERT_EQUAL(std::string("\"caf\xC3\xA9\""), *FilterParser::wordsToFts("caf\xC3\xA9"));
    }

    void testQueryParameters()
    {
        QueryParams q("container=web,worker&level=%3E%3Dwarning&stream=stderr&q=boom&since=1970-01-02&until="
                      "5000&limit=900&offset=-3");
        LogFilter f = FilterParser::parseQuery(q, 1000000);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), f.containers.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), f.levels.size());
        CPPUNIT_ASSERT(f.isStderr && *f.isStderr);
        CPPUNIT_ASSERT_EQUAL(std::string("boom"), *f.match);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(86400000), *f.since);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5000000), *f.until); // 5000 < 1e11 → seconds
        CPPUNIT_ASSERT_EQUAL(std::int64_t(500), f.limit);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), f.offset);
        LogFilter both = FilterParser::parseQuery(QueryParams("q=one&search=two&search_mode=words"), 0);
        CPPUNIT_ASSERT_EQUAL(std::string("\"two\""), *both.match);
        LogFilter sub = FilterParser::parseQuery(QueryParams("search=Cart%2F3&search_mode=substring"), 0);
        CPPUNIT_ASSERT(!sub.match);
        CPPUNIT_ASSERT_EQUAL(std::string("cart/3"), *sub.contains);
        LogFilter empty = FilterParser::parseQuery(QueryParams("level=&stream=&limit=0"), 0);
        CPPUNIT_ASSERT(empty.levels.empty() && !empty.isStderr && !empty.match);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(100), empty.limit);
    }

    void testInvalidParametersAre400()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("400 Invalid parameter: level"),
                             detailOf([] { FilterParser::parseQuery(QueryParams("level=loud"), 0); }));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Invalid parameter: stream"),
                             detailOf([] { FilterParser::parseQuery(QueryParams("stream=both"), 0); }));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Invalid parameter: search_mode"),
                             detailOf([] { FilterParser::parseQuery(QueryParams("search_mode=regex"), 0); }));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Invalid parameter: search"),
                             detailOf([] {
                                 FilterParser::parseQuery(
                                     QueryParams("search_mode=substring&search=" + std::string(201, 'x')), 0);
                             }));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Invalid parameter: since"),
                             detailOf([] { FilterParser::parseQuery(QueryParams("since=yesterday"), 0); }));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Invalid parameter: until"),
                             detailOf([] { FilterParser::parseQuery(QueryParams("until=x"), 0); }));
    }

    void testTailContainsLimit()
    {
        LogFilter f = FilterParser::parseTail(QueryParams("contains=TimeOut&level=error"));
        CPPUNIT_ASSERT_EQUAL(std::string("timeout"), *f.contains);
        std::string ok(200, 'x');
        CPPUNIT_ASSERT_EQUAL(std::size_t(200),
                             FilterParser::parseTail(QueryParams("contains=" + ok)).contains->size());
        CPPUNIT_ASSERT_EQUAL(
            std::string("400 Invalid parameter: contains"),
            detailOf([] { FilterParser::parseTail(QueryParams("contains=" + std::string(201, 'x'))); }));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Invalid parameter: level"),
                             detailOf([] { FilterParser::parseTail(QueryParams("level=>=nope")); }));
    }

    void testMatchesForLiveEntries()
    {
        LogEntry e;
        e.container = "web";
        e.level = Level::Warning;
        e.isStderr = true;
        e.message = "Request TIMEOUT after 5s";
        CPPUNIT_ASSERT(FilterParser::matches(FilterParser::parseTail(QueryParams("")), e));
        CPPUNIT_ASSERT(FilterParser::matches(
            FilterParser::parseTail(QueryParams("contains=timeout&container=db,web")), e));
        CPPUNIT_ASSERT(!FilterParser::matches(FilterParser::parseTail(QueryParams("container=db")), e));
        CPPUNIT_ASSERT(!FilterParser::matches(FilterParser::parseTail(QueryParams("level=%3E%3Derror")), e));
        CPPUNIT_ASSERT(!FilterParser::matches(FilterParser::parseTail(QueryParams("stream=stdout")), e));
        CPPUNIT_ASSERT(!FilterParser::matches(FilterParser::parseTail(QueryParams("contains=refused")), e));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(FilterParserTest);
