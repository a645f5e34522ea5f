// The database helper: migrations in _meta, refusals, group commit and per-item isolation (§0.15).
#include "Monlight/Database.h"
#include "Monlight/HttpError.h"

#include <Poco/AutoPtr.h>
#include <Poco/Channel.h>
#include <Poco/File.h>
#include <Poco/Logger.h>
#include <Poco/Message.h>
#include <Poco/TemporaryFile.h>
#include <atomic>
#include <mutex>
#include <stdexcept>
#include <cppunit/extensions/HelperMacros.h>
#include <thread>

using namespace Monlight;

class DatabaseTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(DatabaseTest);
    CPPUNIT_TEST(testMigrationsRecordedInMeta);
    CPPUNIT_TEST(testNewerSchemaRefused);
    CPPUNIT_TEST(testForeignDatabaseRefused);
    CPPUNIT_TEST(testFailingMigrationRolledBack);
    CPPUNIT_TEST(testConcurrentWritesShareBatches);
    CPPUNIT_TEST(testFailingItemDoesNotFailOthers);
    CPPUNIT_TEST(testThrowingAfterCommitIsLoggedNotLost);
    CPPUNIT_TEST(testPragmas);
    CPPUNIT_TEST(testReaderConnectionsOutliveNoThread);
    CPPUNIT_TEST(testUnopenableDirectoryIs73);
    CPPUNIT_TEST_SUITE_END();

    std::string _dir;

    Database::Options options(std::vector<std::string> migrations)
    {
        Database::Options o;
        o.path = _dir + "/test.db";
        o.plugin = "test";
        o.migrations = std::move(migrations);
        return o;
    }

public:
    void setUp() override
    {
        _dir = Poco::TemporaryFile::tempName();
        Poco::File(_dir).createDirectories();
    }
    void tearDown() override { Poco::File(_dir).remove(true); }

    void testMigrationsRecordedInMeta()
    {
        {
            auto db = Database::open(options({"CREATE TABLE a(x)"}));
            CPPUNIT_ASSERT_EQUAL(1, db->schemaVersion());
        }
        auto db = Database::open(options({"CREATE TABLE a(x)", "CREATE TABLE b(y)"}));
        CPPUNIT_ASSERT_EQUAL(2, db->schemaVersion());
        auto& r = db->reader();
        auto st = r.prepare("SELECT value FROM _meta WHERE key='schema_version'");
        CPPUNIT_ASSERT(st.step());
        CPPUNIT_ASSERT_EQUAL(std::string("2"), st.getText(0));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), r.queryInt("SELECT count(*) FROM _meta WHERE key='format' AND value='monlight-cpp'"));
    }

    void testNewerSchemaRefused()
    {
        Database::open(options({"CREATE TABLE a(x)", "CREATE TABLE b(y)"}))->close();
        try
        {
            Database::open(options({"CREATE TABLE a(x)"}));
            CPPUNIT_FAIL("expected refusal");
        }
        catch (const StartupError& e)
        {
            CPPUNIT_ASSERT_EQUAL(65, e.exitCode());
            CPPUNIT_ASSERT(e.line().find("schema version 2 is newer than this build supports (1); refusing to start") !=
                           std::string::npos);
        }
    }

    void testForeignDatabaseRefused()
    {
        {
            Sql::Connection c(_dir + "/test.db", false, true);
            c.exec("CREATE TABLE _meta(key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO _meta VALUES('version','1')");
        }
        try
        {
            Database::open(options({"CREATE TABLE a(x)"}));
            CPPUNIT_FAIL("expected refusal");
        }
        catch (const StartupError& e)
        {
            CPPUNIT_ASSERT_EQUAL(65, e.exitCode());
            CPPUNIT_ASSERT(e.line().find("was not created by this implementation (format key missing)") != std::string::npos);
        }
    }

    void testFailingMigrationRolledBack()
    {
        CPPUNIT_ASSERT_THROW(Database::open(options({"CREATE TABLE a(x)", "CREATE TABLE a(x)"})), StartupError);
        auto db = Database::open(options({"CREATE TABLE a(x)"}));
        CPPUNIT_ASSERT_EQUAL(1, db->schemaVersion());
    }

    void testConcurrentWritesShareBatches()
    {
        auto db = Database::open(options({"CREATE TABLE a(x INTEGER)"}));
        std::vector<std::thread> threads;
        for (int t = 0; t < 16; ++t)
            threads.emplace_back([&db, t] {
                for (int i = 0; i < 50; ++i)
                    db->write([&](WriteTx& tx) { tx.db().cached("INSERT INTO a VALUES(?)").bind(1, t * 1000 + i).run(); });
            });
        for (auto& th : threads)
            th.join();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(800), db->reader().queryInt("SELECT count(*) FROM a"));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(800), db->itemsCommitted());
        CPPUNIT_ASSERT(db->batchesCommitted() < 800); // grouped: fewer transactions than items
    }

    void testFailingItemDoesNotFailOthers()
    {
        auto db = Database::open(options({"CREATE TABLE a(x INTEGER UNIQUE)"}));
        db->write([](WriteTx& tx) { tx.db().exec("INSERT INTO a VALUES(1)"); });
        std::atomic<int> failures{0};
        std::vector<std::thread> threads;
        for (int i = 0; i < 8; ++i)
            threads.emplace_back([&, i] {
                try
                {
                    db->write([i](WriteTx& tx) {
                        tx.db().cached("INSERT INTO a VALUES(?)").bind(1, i < 4 ? 1 : 100 + i).run();
                    });
                }
                catch (const Sql::SqlError&)
                {
                    failures++;
                }
            });
        for (auto& th : threads)
            th.join();
        CPPUNIT_ASSERT_EQUAL(4, failures.load());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5), db->reader().queryInt("SELECT count(*) FROM a"));
        bool ran = false;
        db->write([&](WriteTx& tx) { tx.afterCommit([&] { ran = true; }); });
        CPPUNIT_ASSERT(ran);
    }

    void testThrowingAfterCommitIsLoggedNotLost()
    {
        struct Capture : Poco::Channel
        {
            std::vector<std::string> lines;
            std::mutex mutex;
            void log(const Poco::Message& m) override
            {
                std::lock_guard<std::mutex> lock(mutex);
                lines.push_back(m.getText());
            }
        };
        Poco::AutoPtr<Capture> capture(new Capture);
        Poco::Logger& log = Poco::Logger::get("test");
        Poco::AutoPtr<Poco::Channel> previous(log.getChannel(), true);
        log.setChannel(capture);
        auto db = Database::open(options({"CREATE TABLE a(x)"}));
        db->write([](WriteTx& tx) {
            tx.db().exec("INSERT INTO a VALUES(1)");
            tx.afterCommit([] { throw std::runtime_error("callback boom"); });
        });
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), db->reader().queryInt("SELECT count(*) FROM a")); // committed anyway
        db->close();
        log.setChannel(previous);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), capture->lines.size());
        CPPUNIT_ASSERT(capture->lines[0].find("callback boom") != std::string::npos);
    }

    void testPragmas()
    {
        auto db = Database::open(options({"CREATE TABLE a(x)"}));
        auto& r = db->reader();
        auto mode = r.prepare("PRAGMA journal_mode");
        CPPUNIT_ASSERT(mode.step());
        CPPUNIT_ASSERT_EQUAL(std::string("wal"), mode.getText(0));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), r.queryInt("PRAGMA synchronous")); // NORMAL
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), r.queryInt("PRAGMA foreign_keys"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5000), r.queryInt("PRAGMA busy_timeout"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), r.queryInt("PRAGMA query_only"));
        CPPUNIT_ASSERT_THROW(r.exec("INSERT INTO a VALUES(1)"), Sql::SqlError);
    }

    void testReaderConnectionsOutliveNoThread()
    {
        // Worker pools reap idle threads and start new ones: 50 short-lived threads, 4 at a time, must not leave
        // 50 connections behind; a connection given back by an ended thread is reused by the next one.
        auto db = Database::open(options({"CREATE TABLE a(x)", "INSERT INTO a VALUES(7)"}));
        std::atomic<int> sum{0};
        for (int round = 0; round < 50 / 4 + 1; ++round)
        {
            std::vector<std::thread> threads;
            for (int t = 0; t < 4; ++t)
                threads.emplace_back([&] { sum += static_cast<int>(db->reader().queryInt("SELECT x FROM a")); });
            for (auto& th : threads)
                th.join();
        }
        CPPUNIT_ASSERT_EQUAL(7 * 4 * (50 / 4 + 1), sum.load());
        CPPUNIT_ASSERT(db->readerConnections() <= 4);
        // A thread that ends after the database closed gives nothing back and touches nothing.
        std::atomic<bool> read{false}, closed{false}, refused{false};
        std::thread late([&] {
            db->reader().queryInt("SELECT 1");
            read = true;
            while (!closed)
                std::this_thread::yield();
            try
            {
                db->reader();
            }
            catch (const StorageError& e)
            {
                refused = toHttpError(e).status() == 503;
            }
        });
        while (!read)
            std::this_thread::yield();
        db->close();
        closed = true;
        late.join();
        CPPUNIT_ASSERT(refused);
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), db->readerConnections());
    }

    void testUnopenableDirectoryIs73()
    {
        Poco::File(_dir + "/plain").createFile();
        Database::Options o = options({"CREATE TABLE a(x)"});
        o.path = _dir + "/plain/sub/test.db";
        try
        {
            Database::open(o);
            CPPUNIT_FAIL("expected refusal");
        }
        catch (const StartupError& e)
        {
            CPPUNIT_ASSERT_EQUAL(73, e.exitCode());
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(DatabaseTest);
