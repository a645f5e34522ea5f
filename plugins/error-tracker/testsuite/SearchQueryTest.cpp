#include "SearchQuery.h"

#include <cppunit/extensions/HelperMacros.h>

using Monlight::ErrorTracker::SearchQuery;

class SearchQueryTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(SearchQueryTest);
    CPPUNIT_TEST(testTermsBecomePhrases);
    CPPUNIT_TEST(testPrefixTerm);
    CPPUNIT_TEST(testQuotesDoubled);
    CPPUNIT_TEST(testTermsWithoutTokenIgnored);
    CPPUNIT_TEST(testTsQuery);
    CPPUNIT_TEST_SUITE_END();

public:
    void testTermsBecomePhrases()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("\"database\" \"timeout\""),
                             *SearchQuery::toFts("  database\ttimeout "));
        CPPUNIT_ASSERT_EQUAL(std::string("\"a\" \"AND\" \"b\""), *SearchQuery::toFts("a AND b"));
        CPPUNIT_ASSERT_EQUAL(std::string("\"NOT\" \"x\""), *SearchQuery::toFts("NOT x"));
        // NUL separates terms (found by fuzz/et_search_fuzzer: inside a phrase FTS5 saw it unterminated).
        CPPUNIT_ASSERT_EQUAL(std::string("\"ab\" \"cd\"*"), *SearchQuery::toFts(std::string_view("ab\0cd*", 6)));
    }

    void testPrefixTerm()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("\"conn\"*"), *SearchQuery::toFts("conn*"));
        CPPUNIT_ASSERT(!SearchQuery::toFts("*"));
    }

    void testQuotesDoubled()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("\"say\"\"hi\"\"\""), *SearchQuery::toFts("say\"hi\""));
    }

    void testTermsWithoutTokenIgnored()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("\"foo\""), *SearchQuery::toFts("foo /"));
        CPPUNIT_ASSERT(!SearchQuery::toFts("/"));
        CPPUNIT_ASSERT(!SearchQuery::toFts("\" ( ) -"));
        CPPUNIT_ASSERT(!SearchQuery::toFts(""));
        CPPUNIT_ASSERT_EQUAL(std::string("\"w\xc3\xb6rld\""), *SearchQuery::toFts("w\xc3\xb6rld"));
    }

    void testTsQuery()
    {
        // The same terms for PostgreSQL: words split where unicode61 splits, lowercase, a term's words a phrase.
        CPPUNIT_ASSERT_EQUAL(std::string("('database') & ('timeout')"), *SearchQuery::toTsQuery(" Database\ttimeout"));
        CPPUNIT_ASSERT_EQUAL(std::string("('db' <-> 'py') & ('user' <-> 'id' <-> '42')"),
                             *SearchQuery::toTsQuery("db.py user_id=42"));
        CPPUNIT_ASSERT_EQUAL(std::string("('conn':*)"), *SearchQuery::toTsQuery("conn*"));
        CPPUNIT_ASSERT_EQUAL(std::string("('say' <-> 'hi')"), *SearchQuery::toTsQuery("say'hi'"));
        CPPUNIT_ASSERT_EQUAL(std::string("('w\xc3\xb6rld')"), *SearchQuery::toTsQuery("w\xc3\xb6rld"));
        for (const char* none : {"", "/", "\" ( ) -", "*"})
        {
            CPPUNIT_ASSERT(!SearchQuery::toTsQuery(none));
            CPPUNIT_ASSERT(!SearchQuery::toFts(none));
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SearchQueryTest);
