#include "PgLogStore.h"
#include "Monlight/HttpError.h"

#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>

using namespace Monlight;
using namespace Monlight::LogViewer;

/// The parts of the PostgreSQL store that need no server: FTS5 expressions as tsqueries and tail positions.
/// (The store itself is tested black-box against a real server: tests/log-viewer/test_lv_postgresql.py.)
class PgLogStoreTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(PgLogStoreTest);
    CPPUNIT_TEST(testFtsExpressionsTranslate);
    CPPUNIT_TEST(testBadExpressionsHaveFts5Messages);
    CPPUNIT_TEST(testTailPositionRoundTrip);
    CPPUNIT_TEST(testTailPositionRejectsMalformed);
    CPPUNIT_TEST_SUITE_END();

    static std::string detailOf(const std::string& q)
    {
        try
        {
            return "ok " + PgLogStore::toTsQuery(q);
        }
        catch (const HttpError& e)
        {
            return std::to_string(e.status()) + " " + e.detail();
        }
    }

public:
    void testFtsExpressionsTranslate()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("'timeout'"), PgLogStore::toTsQuery("timeout"));
        CPPUNIT_ASSERT_EQUAL(std::string("('a' & 'b')"), PgLogStore::toTsQuery("A b"));
        CPPUNIT_ASSERT_EQUAL(std::string("('a' & 'b')"), PgLogStore::toTsQuery("a AND b"));
        CPPUNIT_ASSERT_EQUAL(std::string("('a' | 'b')"), PgLogStore::toTsQuery("a OR b"));
        CPPUNIT_ASSERT_EQUAL(std::string("('a' & !'b')"), PgLogStore::toTsQuery("a NOT b"));
        // a phrase is its tokens (runs of letters and digits) in a row; `*` makes the last one a prefix
        CPPUNIT_ASSERT_EQUAL(std::string("('user' <-> 'id' <-> '42')"), PgLogStore::toTsQuery("\"user_id=42\""));
        CPPUNIT_ASSERT_EQUAL(std::string("'conn':*"), PgLogStore::toTsQuery("conn*"));
        CPPUNIT_ASSERT_EQUAL(std::string("('db' <-> 'py':*)"), PgLogStore::toTsQuery("\"db.py\"*"));
        CPPUNIT_ASSERT_EQUAL(std::string("(('a' | 'b') & 'c')"), PgLogStore::toTsQuery("(a OR b) c"));
        CPPUNIT_ASSERT_EQUAL(std::string("'x'"), PgLogStore::toTsQuery("message:x"));
        CPPUNIT_ASSERT_EQUAL(std::string("('a' & 'b')"), PgLogStore::toTsQuery("NEAR(a b, 5)"));
        // a quote inside a phrase is doubled; a lexeme never carries one
        CPPUNIT_ASSERT_EQUAL(std::string("('it' <-> 's')"), PgLogStore::toTsQuery("\"it's\""));
        // an empty phrase matches nothing
        CPPUNIT_ASSERT_EQUAL(std::string("'a':A"), PgLogStore::toTsQuery("\"...\""));
    }

    void testBadExpressionsHaveFts5Messages()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("400 Invalid search query: fts5: syntax error near \"/\""),
                             detailOf("a / b"));
        CPPUNIT_ASSERT_EQUAL(std::string("400 Invalid search query: no such column: error"),
                             detailOf("error:timeout"));
        CPPUNIT_ASSERT(detailOf("\"unterminated").rfind("400 Invalid search query: ", 0) == 0);
        CPPUNIT_ASSERT(detailOf("(a").rfind("400 Invalid search query: ", 0) == 0);
        CPPUNIT_ASSERT(detailOf("a OR").rfind("400 Invalid search query: ", 0) == 0);
        CPPUNIT_ASSERT(detailOf("").rfind("400 Invalid search query: ", 0) == 0);
    }

    void testTailPositionRoundTrip()
    {
        TailPosition p;
        p.base = 3;
        p.seqs = {{1, 120}, {2, 0}, {3, 57}};
        CPPUNIT_ASSERT_EQUAL(std::string("3:1.120,2.0,3.57"), p.format());
        auto q = TailPosition::parse(p.format());
        CPPUNIT_ASSERT(q && q->base == 3 && q->seqs == p.seqs);
        auto empty = TailPosition::parse("0:");
        CPPUNIT_ASSERT(empty && empty->base == 0 && empty->seqs.empty());
    }

    void testTailPositionRejectsMalformed()
    {
        for (const char* bad : {"", "12", "abc", "3:1.5,", "3:1", "3:1.x", "2:3.1", "3:1.1,1.2", "3:1.1;2.2",
                                "-1:", "3:1.99999999999999999999"})
            CPPUNIT_ASSERT_MESSAGE(bad, !TailPosition::parse(bad));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PgLogStoreTest);
