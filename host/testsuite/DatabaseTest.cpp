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
#include <chrono>
#include <stdexcept>
#include <cppunit/extensions/HelperMacros.h>
#include <future>
#include <mutex>
#include <thread>
#include <vector>
#include <algorithm>

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
    CPPUNIT_TEST(testReleasedThreadReadersServeOtherThreads);
    CPPUNIT_TEST(testReaderConnectionsOutliveNoThread);
    CPPUNIT_TEST(testUnopenableDirectoryIs73);
    CPPUNIT_TEST(testSubmitReturnsBeforeCommit);
    CPPUNIT_TEST(testSubmitFutureCarriesWorkError);
    CPPUNIT_TEST(testSubmitKeepsOrder);
    CPPUNIT_TEST(testSubmitRefusedWhenFullOrClosed);
    CPPUNIT_TEST(testSequenceHoldsLaterWritesAfterFailure);
    CPPUNIT_TEST(testCheckpointsRunOffTheWriter);
    CPPUNIT_TEST(testWalStartsOverUnderSustainedWrites);
    CPPUNIT_TEST_SUITE_END();

    std::string _dir;

    /// Occupies the writer thread until the returned promise is set (later work queues behind it).
    static std::promise<void> blockWriter(Database& db)
    {
        std::promise<void> release;
        auto released = std::make_shared<std::shared_future<void>>(release.get_future().share());
        auto entered = std::make_shared<std::promise<void>>();
        auto running = entered->get_future();
        db.submit([released, entered](WriteTx&) {
            entered->set_value();
            released->wait();
        });
        running.wait();
        return release;
    }

    static bool ready(const std::future<void>& f)
    {
        return f.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    }

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

    void testReleasedThreadReadersServeOtherThreads()
    {
        // The host's main thread reads during startup, then gives its connections back: another thread reading
        // afterwards reuses the connection instead of opening one; the releasing thread gets one again if it reads.
        auto db = Database::open(options({"CREATE TABLE a(x)", "INSERT INTO a VALUES(7)"}));
        Sql::Connection* mine = &db->reader();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(7), mine->queryInt("SELECT x FROM a"));
        Database::releaseThreadReaders();
        Sql::Connection* theirs = nullptr;
        std::int64_t value = 0;
        std::thread other([&] {
            theirs = &db->reader();
            value = theirs->queryInt("SELECT x FROM a");
        });
        other.join();
        CPPUNIT_ASSERT(theirs == mine);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(7), value);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), db->readerConnections());
        // The other thread ended, so its connection is idle again: this thread takes it back.
        CPPUNIT_ASSERT_EQUAL(std::int64_t(7), db->reader().queryInt("SELECT x FROM a"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), db->readerConnections());
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

    void testSubmitReturnsBeforeCommit()
    {
        auto db = Database::open(options({"CREATE TABLE a(x INTEGER)"}));
        auto release = blockWriter(*db);
        std::atomic<bool> after{false};
        auto f = db->submit([&after](WriteTx& tx) {
            tx.db().exec("INSERT INTO a VALUES(7)");
            tx.afterCommit([&after] { after = true; });
        });
        // The writer is busy: submit() did not wait, nothing is committed or visible.
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        CPPUNIT_ASSERT(!ready(f));
        CPPUNIT_ASSERT(!after.load());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), db->reader().queryInt("SELECT count(*) FROM a"));
        release.set_value();
        f.get();
        CPPUNIT_ASSERT(after.load()); // afterCommit ran before the future became ready
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), db->reader().queryInt("SELECT count(*) FROM a"));
    }

    void testSubmitFutureCarriesWorkError()
    {
        auto db = Database::open(options({"CREATE TABLE a(x INTEGER UNIQUE)"}));
        auto release = blockWriter(*db);
        auto ok1 = db->submit([](WriteTx& tx) { tx.db().exec("INSERT INTO a VALUES(1)"); });
        auto bad = db->submit([](WriteTx& tx) {
            tx.db().exec("INSERT INTO a VALUES(2)");
            tx.db().exec("INSERT INTO a VALUES(1)"); // unique violation: the whole item is rolled back
        });
        auto ok2 = db->submit([](WriteTx& tx) { tx.db().exec("INSERT INTO a VALUES(3)"); });
        release.set_value();
        ok1.get();
        CPPUNIT_ASSERT_THROW(bad.get(), Sql::SqlError);
        ok2.get();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(4), db->reader().queryInt("SELECT sum(x) FROM a")); // 1 + 3
    }

    void testSubmitKeepsOrder()
    {
        auto db = Database::open(options({"CREATE TABLE a(id INTEGER PRIMARY KEY, x INTEGER)"}));
        std::vector<std::future<void>> futures;
        std::vector<int> readyOrder;
        std::mutex m;
        for (int i = 0; i < 200; ++i)
            futures.push_back(db->submit([i, &readyOrder, &m](WriteTx& tx) {
                tx.db().cached("INSERT INTO a(x) VALUES(?)").bind(1, i).run();
                tx.afterCommit([i, &readyOrder, &m] {
                    std::lock_guard<std::mutex> lock(m);
                    readyOrder.push_back(i);
                });
            }));
        // Every earlier submit is committed when a later one is.
        futures[100].wait();
        for (std::size_t k = 0; k < 100; ++k)
            CPPUNIT_ASSERT(ready(futures[k]));
        futures.back().wait();
        for (auto& f : futures)
        {
            CPPUNIT_ASSERT(ready(f));
            f.get();
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(200), readyOrder.size());
        for (int i = 0; i < 200; ++i)
            CPPUNIT_ASSERT_EQUAL(i, readyOrder[static_cast<std::size_t>(i)]);
        // Row ids follow submission order.
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0),
                             db->reader().queryInt("SELECT count(*) FROM a WHERE x <> id - 1"));
    }

    void testSubmitRefusedWhenFullOrClosed()
    {
        Database::Options o = options({"CREATE TABLE a(x INTEGER)"});
        o.writeQueueSize = 2;
        auto db = Database::open(o);
        auto release = blockWriter(*db);
        auto f1 = db->submit([](WriteTx& tx) { tx.db().exec("INSERT INTO a VALUES(1)"); });
        auto f2 = db->submit([](WriteTx& tx) { tx.db().exec("INSERT INTO a VALUES(2)"); });
        bool ran = false;
        try
        {
            db->submit([&ran](WriteTx&) { ran = true; });
            CPPUNIT_FAIL("expected Busy");
        }
        catch (const StorageError& e)
        {
            CPPUNIT_ASSERT(e.reason() == StorageError::Reason::Busy);
        }
        release.set_value();
        f1.get();
        f2.get();
        db->close();
        try
        {
            db->submit([&ran](WriteTx&) { ran = true; });
            CPPUNIT_FAIL("expected Stopping");
        }
        catch (const StorageError& e)
        {
            CPPUNIT_ASSERT(e.reason() == StorageError::Reason::Stopping);
        }
        CPPUNIT_ASSERT(!ran);
    }

    static Poco::File::FileSize walSize(const std::string& db)
    {
        Poco::File wal(db + "-wal");
        return wal.exists() ? wal.getSize() : 0;
    }

    /// Issue 17: a commit that leaves CHECKPOINT_PAGES new WAL pages wakes the checkpoint thread; the writer does
    /// not checkpoint itself below WAL_RESTART_PAGES.
    void testCheckpointsRunOffTheWriter()
    {
        auto db = Database::open(options({"CREATE TABLE a(id INTEGER PRIMARY KEY, x BLOB)"}));
        // About 3 pages per commit (an 8 KiB blob), one commit at a time: 1 200 pages in all.
        for (int i = 0; i < 400; ++i)
            db->write([](WriteTx& tx) { tx.db().cached("INSERT INTO a(x) VALUES (zeroblob(8192))").run(); });
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (db->backgroundCheckpoints() == 0 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        CPPUNIT_ASSERT(db->backgroundCheckpoints() >= 1);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(0), db->writerCheckpoints());
        // Before the checkpoint thread's first run no page was copied back: the WAL held every commit.
        CPPUNIT_ASSERT(walSize(_dir + "/test.db") > Poco::File::FileSize(Database::CHECKPOINT_PAGES) * 4096);
        Sql::Connection& r = db->reader();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(400), r.queryInt("SELECT count(*) FROM a"));
        db->close();
        CPPUNIT_ASSERT_EQUAL(Poco::File::FileSize(0), walSize(_dir + "/test.db")); // closed cleanly: WAL gone
    }

    /// Under writes that never pause, the WAL still starts over: it never grows much beyond WAL_RESTART_PAGES,
    /// and every row is there.
    void testWalStartsOverUnderSustainedWrites()
    {
        Database::Options o = options({"CREATE TABLE a(id INTEGER PRIMARY KEY, x BLOB)"});
        o.maxBatch = 20; // about 60 pages per commit
        auto db = Database::open(o);
        const int items = 12000; // about 36 000 pages: four times WAL_RESTART_PAGES
        std::vector<std::future<void>> futures;
        futures.reserve(items);
        Poco::File::FileSize largest = 0;
        for (int i = 0; i < items; ++i)
        {
            for (;;)
            {
                try
                {
                    futures.push_back(
                        db->submit([](WriteTx& tx) { tx.db().cached("INSERT INTO a(x) VALUES (zeroblob(8192))").run(); }));
                    break;
                }
                catch (const StorageError&)
                {
                    std::this_thread::sleep_for(std::chrono::milliseconds(1)); // queue full: let it drain
                }
            }
            if (i % 500 == 0)
                largest = std::max(largest, walSize(_dir + "/test.db"));
        }
        for (auto& f : futures)
            f.get();
        largest = std::max(largest, walSize(_dir + "/test.db"));
        const Poco::File::FileSize bound = Poco::File::FileSize(Database::WAL_RESTART_PAGES + 200) * (4096 + 24) + 32;
        CPPUNIT_ASSERT_MESSAGE("WAL grew to " + std::to_string(largest) + " bytes (bound " + std::to_string(bound) +
                                   "; writer checkpoints " + std::to_string(db->writerCheckpoints()) +
                                   ", background " + std::to_string(db->backgroundCheckpoints()) + ")",
                               largest <= bound);
        CPPUNIT_ASSERT(db->backgroundCheckpoints() + db->writerCheckpoints() >= 4);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(items), db->reader().queryInt("SELECT count(*) FROM a"));
    }

    void testSequenceHoldsLaterWritesAfterFailure()
    {
        auto db = Database::open(options({"CREATE TABLE a(id INTEGER PRIMARY KEY, x INTEGER)"}));
        auto seq = std::make_shared<WriteSequence>();
        std::atomic<bool> fail{true};
        auto insert = [&fail](int x, bool mayFail) {
            return [x, mayFail, &fail](WriteTx& tx) {
                if (mayFail && fail.load())
                    throw Poco::IOException("disk trouble");
                tx.db().cached("INSERT INTO a(x) VALUES(?)").bind(1, x).run();
            };
        };
        auto release = blockWriter(*db);
        auto f1 = db->submit(insert(1, false), seq);
        auto f2 = db->submit(insert(2, true), seq);
        auto f3 = db->submit(insert(3, false), seq);
        auto other = db->submit(insert(100, false)); // not of the sequence: unaffected
        auto f4 = db->submit(insert(4, false), seq);
        release.set_value();
        f1.get();
        CPPUNIT_ASSERT_THROW(f2.get(), Poco::IOException);
        CPPUNIT_ASSERT_THROW(f3.get(), Poco::IllegalStateException);
        other.get();
        CPPUNIT_ASSERT_THROW(f4.get(), Poco::IllegalStateException);
        CPPUNIT_ASSERT(seq->broken());
        // Nothing after the failed write committed ahead of it.
        CPPUNIT_ASSERT_EQUAL(std::int64_t(101), db->reader().queryInt("SELECT sum(x) FROM a"));

        // Resubmitted in order after reset(): committed in order.
        fail = false;
        seq->reset();
        auto g2 = db->submit(insert(2, true), seq);
        auto g3 = db->submit(insert(3, false), seq);
        auto g4 = db->submit(insert(4, false), seq);
        g2.get();
        g3.get();
        g4.get();
        CPPUNIT_ASSERT(!seq->broken());
        auto st = db->reader().prepare("SELECT x FROM a WHERE x < 100 ORDER BY id");
        std::string order;
        while (st.step())
            order += std::to_string(st.getInt(0));
        CPPUNIT_ASSERT_EQUAL(std::string("1234"), order);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(DatabaseTest);
