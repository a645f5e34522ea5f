// Statements lent from a connection's cache reset themselves, SQLite failures are classified for plugins, and the
// database's own refusals (busy, stopping) are storage errors that only the HTTP layers turn into 503s.
#include "Monlight/Database.h"
#include "Monlight/HttpError.h"
#include "Monlight/Services.h"
#include "Monlight/Sql.h"

#include <Poco/File.h>
#include <Poco/TemporaryFile.h>
#include <cppunit/extensions/HelperMacros.h>
#include <sqlite3.h>
#include <stdexcept>

using namespace Monlight;

class SqlTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(SqlTest);
    CPPUNIT_TEST(testCachedStatementResetsWhenAnExceptionLeavesItsScope);
    CPPUNIT_TEST(testCachedStatementResetsInsideAFailingWrite);
    CPPUNIT_TEST(testBindAllAndColumnsReadByType);
    CPPUNIT_TEST(testErrorKinds);
    CPPUNIT_TEST(testStorageErrorsAndTheirAnswers);
    CPPUNIT_TEST_SUITE_END();

    std::string _dir;

    std::shared_ptr<Database> open()
    {
        Database::Options o;
        o.path = _dir + "/sql.db";
        o.plugin = "test";
        o.migrations = {"CREATE TABLE t(x INTEGER PRIMARY KEY, s TEXT, o TEXT, d REAL)"};
        return Database::open(o);
    }

public:
    void setUp() override
    {
        _dir = Poco::TemporaryFile::tempName();
        Poco::File(_dir).createDirectories();
    }
    void tearDown() override { Poco::File(_dir).remove(true); }

    void testCachedStatementResetsWhenAnExceptionLeavesItsScope()
    {
        auto db = open();
        db->write([](WriteTx& tx) { tx.db().exec("INSERT INTO t(x) VALUES (1), (2), (3)"); });
        Sql::Connection& r = db->reader();
        sqlite3_stmt* handle = nullptr;
        try
        {
            auto st = r.cached("SELECT x FROM t ORDER BY x");
            CPPUNIT_ASSERT(st.step());
            handle = st.statement().handle();
            CPPUNIT_ASSERT(sqlite3_stmt_busy(handle));
            throw std::runtime_error("a handler fails between step and reset");
        }
        catch (const std::runtime_error&)
        {
        }
        CPPUNIT_ASSERT(!sqlite3_stmt_busy(handle));
        // The pooled connection holds no read snapshot any more: the next read sees a write committed since.
        db->write([](WriteTx& tx) { tx.db().exec("INSERT INTO t(x) VALUES (4)"); });
        CPPUNIT_ASSERT_EQUAL(std::int64_t(4), r.queryInt("SELECT count(*) FROM t"));
        db->close();
    }

    void testCachedStatementResetsInsideAFailingWrite()
    {
        auto db = open();
        db->write([](WriteTx& tx) { tx.db().exec("INSERT INTO t(x) VALUES (1), (2)"); });
        sqlite3_stmt* handle = nullptr;
        CPPUNIT_ASSERT_THROW(db->write([&](WriteTx& tx) {
            auto st = tx.db().cached("SELECT x FROM t ORDER BY x");
            st.step();
            handle = st.statement().handle();
            throw std::runtime_error("work fails with a statement stepped");
        }),
                             std::runtime_error);
        CPPUNIT_ASSERT(!sqlite3_stmt_busy(handle));
        // The same cached statement is handed out again, ready to bind, and sees both rows.
        std::int64_t n = db->writeResult<std::int64_t>([](WriteTx& tx) {
            auto st = tx.db().cached("SELECT x FROM t ORDER BY x");
            std::int64_t rows = 0;
            while (st.step())
                ++rows;
            return rows;
        });
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), n);
        db->close();
    }

    void testBindAllAndColumnsReadByType()
    {
        auto db = open();
        db->write([](WriteTx& tx) {
            tx.db()
                .cached("INSERT INTO t VALUES (?, ?, ?, ?)")
                .bindAll(std::int64_t(7), "seven", std::optional<std::string>(), 1.5)
                .run();
        });
        auto st = db->reader().cached("SELECT x, s, o, d, x, o, s, d FROM t");
        CPPUNIT_ASSERT(st.step());
        std::int64_t x = 0;
        std::string s, o = "untouched";
        double d = 0;
        bool flag = false;
        std::optional<std::string> none = std::string("x"), some;
        std::optional<double> dd;
        st.columns(x, s, o, d, flag, none, some, dd);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(7), x);
        CPPUNIT_ASSERT_EQUAL(std::string("seven"), s);
        CPPUNIT_ASSERT_EQUAL(std::string(""), o);
        CPPUNIT_ASSERT_EQUAL(1.5, d);
        CPPUNIT_ASSERT(flag);
        CPPUNIT_ASSERT(!none);
        CPPUNIT_ASSERT_EQUAL(std::string("seven"), *some);
        CPPUNIT_ASSERT_EQUAL(1.5, *dd);
    }

    void testErrorKinds()
    {
        auto db = open();
        try
        {
            db->reader().prepare("SELEC x FROM t");
            CPPUNIT_FAIL("expected SqlError");
        }
        catch (const Sql::SqlError& e)
        {
            CPPUNIT_ASSERT(e.kind() == Sql::SqlError::Kind::Query);
            CPPUNIT_ASSERT_EQUAL(std::string("near \"SELEC\": syntax error"), e.sqliteMessage());
        }
        db->write([](WriteTx& tx) { tx.db().exec("INSERT INTO t(x) VALUES (1)"); });
        try
        {
            db->write([](WriteTx& tx) { tx.db().cached("INSERT INTO t(x) VALUES (1)").run(); });
            CPPUNIT_FAIL("expected SqlError");
        }
        catch (const Sql::SqlError& e)
        {
            CPPUNIT_ASSERT(e.kind() == Sql::SqlError::Kind::Constraint);
            CPPUNIT_ASSERT(e.message().find("step: UNIQUE constraint failed") == 0);
        }
        CPPUNIT_ASSERT(Sql::SqlError("x", SQLITE_BUSY).kind() == Sql::SqlError::Kind::Busy);
        CPPUNIT_ASSERT(Sql::SqlError("x", SQLITE_LOCKED_SHAREDCACHE).kind() == Sql::SqlError::Kind::Busy);
        CPPUNIT_ASSERT(Sql::SqlError("x", SQLITE_IOERR_WRITE).kind() == Sql::SqlError::Kind::Other);
    }

    void testStorageErrorsAndTheirAnswers()
    {
        auto db = open();
        db->close();
        try
        {
            db->write([](WriteTx&) {});
            CPPUNIT_FAIL("expected StorageError");
        }
        catch (const StorageError& e)
        {
            CPPUNIT_ASSERT(e.reason() == StorageError::Reason::Stopping);
            HttpError h = toHttpError(e);
            CPPUNIT_ASSERT_EQUAL(503, h.status());
            CPPUNIT_ASSERT_EQUAL(std::string("{\"detail\":\"Shutting down\"}"), h.body());
            CPPUNIT_ASSERT(h.closesConnection());
        }
        HttpError busy = toHttpError(StorageError(StorageError::Reason::Busy));
        CPPUNIT_ASSERT_EQUAL(std::string("{\"detail\":\"Server busy\"}"), busy.body());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), busy.headers().size());
        CPPUNIT_ASSERT_EQUAL(std::string("Retry-After"), busy.headers()[0].first);
        CPPUNIT_ASSERT_EQUAL(std::string("1"), busy.headers()[0].second);
        CPPUNIT_ASSERT(!busy.closesConnection());
        CPPUNIT_ASSERT_EQUAL(std::string("{\"detail\":\"Database unavailable\"}"),
                             toHttpError(StorageError(StorageError::Reason::Unavailable)).body());

        // In-process ingest answers exactly what the HTTP route would.
        IngestReply r = IngestReply::answer([]() -> IngestReply { throw StorageError(StorageError::Reason::Busy); });
        CPPUNIT_ASSERT_EQUAL(503, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"detail\":\"Server busy\"}"), r.body);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), r.headers.size());
        r = IngestReply::answer([]() -> IngestReply { throw HttpError(400, "Invalid JSON"); });
        CPPUNIT_ASSERT_EQUAL(400, r.status);
        r = IngestReply::answer([]() -> IngestReply { throw std::runtime_error("boom"); });
        CPPUNIT_ASSERT_EQUAL(500, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"detail\":\"Internal server error\"}"), r.body);
        r = IngestReply::answer([] { return IngestReply{202, "{}", {}}; });
        CPPUNIT_ASSERT_EQUAL(202, r.status);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SqlTest);
