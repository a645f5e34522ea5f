#include "EmbeddedFiles.h"
#include "Monlight/Migrations.h"
#include "LogStore.h"
#include "LogWriter.h"
#include "Monlight/HttpError.h"
#include "Monlight/Sql.h"

#include <Poco/File.h>
#include <algorithm>
#include <Poco/Path.h>
#include <Poco/TemporaryFile.h>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>

using namespace Monlight;
using namespace Monlight::LogViewer;

namespace
{
LogEntry entry(const std::string& container, Level level, const std::string& msg, std::int64_t ts,
               bool err = false)
{
    LogEntry e;
    e.container = container;
    e.containerId = container + "-id";
    e.level = level;
    e.message = msg;
    e.timestampMs = ts;
    e.isStderr = err;
    return e;
}
} // namespace

class LogStoreTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(LogStoreTest);
    CPPUNIT_TEST(testInsertAndQueryNewestFirst);
    CPPUNIT_TEST(testFiltersAndTotal);
    CPPUNIT_TEST(testFtsSyntaxErrorIs400);
    CPPUNIT_TEST(testCursorsCommittedWithRows);
    CPPUNIT_TEST(testRecentForResume);
    CPPUNIT_TEST(testRingBufferPrunesByIdRange);
    CPPUNIT_TEST(testStatsAndContainers);
    CPPUNIT_TEST(testTotalsStayExactWithCountCache);
    CPPUNIT_TEST(testSearchNewestFirstWhenIdsAreNotInTimeOrder);
    CPPUNIT_TEST_SUITE_END();

    std::string _dir;
    std::shared_ptr<Database> _db;

    std::vector<LogEntry> add(std::vector<LogEntry> entries, std::vector<LogStore::Cursor> cursors = {})
    {
        _db->write([&](WriteTx& tx) { LogStore::insert(tx, entries, cursors); });
        return entries;
    }

public:
    void setUp() override
    {
        _dir = Poco::TemporaryFile::tempName();
        Poco::File(_dir).createDirectories();
        Database::Options o;
        o.path = _dir + "/logs.db";
        o.plugin = "log-viewer";
        o.migrations = sqlMigrations(embeddedFiles());
        _db = Database::open(o);
    }

    void tearDown() override
    {
        _db->close();
        _db.reset();
        Poco::File(_dir).remove(true);
    }

    void testInsertAndQueryNewestFirst()
    {
        add({entry("web", Level::Info, "first line", 1000),
             entry("web", Level::Error, "second \"quoted\"", 2000)});
        LogStore store(_db);
        LogFilter f;
        auto r = store.query(f);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), r.total);
        CPPUNIT_ASSERT_EQUAL(std::string("second \"quoted\""), r.logs[0].message);
        CPPUNIT_ASSERT(r.logs[0].id > r.logs[1].id);
        CPPUNIT_ASSERT(r.logs[0].level == Level::Error);
    }

    void testFiltersAndTotal()
    {
        std::vector<LogEntry> v;
        for (int i = 0; i < 30; ++i)
            v.push_back(entry(i % 2 ? "web" : "db", i % 3 ? Level::Info : Level::Error,
                              "request " + std::to_string(i) + (i % 5 ? " ok" : " timeout"), 1000 + i,
                              i % 2));
        add(v);
        LogStore store(_db);
        LogFilter f;
        f.match = "timeout";
        f.limit = 2;
        auto r = store.query(f);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(6), r.total);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), r.logs.size());
        CPPUNIT_ASSERT_EQUAL(std::string("request 25 timeout"), r.logs[0].message);
        LogFilter g;
        g.containers = {"web"};
        g.levels = {Level::Error, Level::Critical};
        g.isStderr = true;
        g.since = 1010;
        g.until = 1027;
        auto r2 = store.query(g);
        // web = odd i, error = i % 3 == 0, i in 10..27: 15, 21, 27
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), r2.total);
        CPPUNIT_ASSERT_EQUAL(std::string("request 27 ok"), r2.logs[0].message);
        LogFilter paged;
        paged.limit = 10;
        paged.offset = 25;
        auto r3 = store.query(paged);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(30), r3.total);
        CPPUNIT_ASSERT_EQUAL(std::size_t(5), r3.logs.size());
    }

    void testFtsSyntaxErrorIs400()
    {
        add({entry("web", Level::Info, "error: timeout", 1)});
        LogStore store(_db);
        for (const char* bad : {"a / b", "\"unterminated", "error:timeout", "*"})
        {
            LogFilter f;
            f.match = bad;
            try
            {
                store.query(f);
                CPPUNIT_FAIL(std::string("no error for ") + bad);
            }
            catch (const HttpError& e)
            {
                CPPUNIT_ASSERT_EQUAL(400, e.status());
                CPPUNIT_ASSERT(e.detail().rfind("Invalid search query: ", 0) == 0);
            }
        }
        LogFilter col;
        col.match = "error:timeout";
        try
        {
            store.query(col);
        }
        catch (const HttpError& e)
        {
            CPPUNIT_ASSERT_EQUAL(std::string("Invalid search query: no such column: error"), e.detail());
        }
        LogFilter ok;
        ok.match = "\"error: timeout\"";
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), store.query(ok).total);
    }

    void testCursorsCommittedWithRows()
    {
        LogStore::Cursor c{"abc", "web", "/x/abc-json.log", 77, 120, 5};
        add({entry("web", Level::Info, "x", 1)}, {c});
        c.position = 240;
        c.containerName = "web2";
        add({}, {c});
        LogStore store(_db);
        auto cursors = store.cursors();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), cursors.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(240), cursors[0].position);
        CPPUNIT_ASSERT_EQUAL(std::string("web2"), cursors[0].containerName);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(77), cursors[0].inode);
    }

    void testRecentForResume()
    {
        std::vector<LogEntry> v;
        for (int i = 0; i < 20; ++i)
            v.push_back(entry(i % 2 ? "web" : "db", Level::Info, "m" + std::to_string(i), i));
        v = add(v);
        LogStore store(_db);
        LogFilter all;
        auto last3 = store.recent(all, std::nullopt, 3);
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), last3.size());
        CPPUNIT_ASSERT_EQUAL(std::string("m17"), last3[0].message); // ascending
        CPPUNIT_ASSERT_EQUAL(std::string("m19"), last3[2].message);
        LogFilter web;
        web.containers = {"web"};
        auto after = store.recent(web, v[14].id, 1000);
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), after.size()); // m15 m17 m19
        CPPUNIT_ASSERT_EQUAL(std::string("m15"), after[0].message);
        web.contains = "m1";
        CPPUNIT_ASSERT_EQUAL(std::size_t(6), store.recent(web, std::nullopt, 100).size()); // m1, m11..m19 odd
    }

    void testRingBufferPrunesByIdRange()
    {
        SseHub::Options ho;
        SseHub hub(ho, nullptr, nullptr);
        LogWriter writer(_db, hub, 200, nullptr);
        writer.load();
        for (int b = 0; b < 3; ++b)
        {
            IngestBatch batch;
            for (int i = 0; i < 100; ++i)
                batch.entries.push_back(
                    entry("web", Level::Info, "n" + std::to_string(b * 100 + i), b * 100 + i));
            writer.commit(batch);
        }
        // 300 > 200 + max(100, 2): no prune yet (hysteresis)
        LogStore store(_db);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(300), store.rowCount());
        IngestBatch one;
        one.entries.push_back(entry("web", Level::Info, "n300", 300));
        writer.commit(one);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(200), store.rowCount());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(200), writer.rowCount());
        LogFilter f;
        f.match = "n100";
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), store.query(f).total); // FTS follows the delete
        f.match = "n101";
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), store.query(f).total);
        LogFilter all;
        all.limit = 500;
        CPPUNIT_ASSERT_EQUAL(std::string("n101"), store.query(all).logs.back().message);
    }

    void testStatsAndContainers()
    {
        add({entry("web", Level::Info, "a", 5000), entry("web", Level::Error, "b", 7000),
             entry("db", Level::Info, "c", 6000)});
        LogStore store(_db);
        auto s = store.stats();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), s.total);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5000), *s.oldest);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(7000), *s.newest);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), s.byLevel["INFO"]);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), s.byContainer["db"]);
        auto c = store.containerStats();
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), c["web"].count);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(7000), *c["web"].lastSeen);
    }

    void testTotalsStayExactWithCountCache()
    {
        auto counts = std::make_shared<CountCache>();
        SseHub hub(SseHub::Options(), nullptr, nullptr);
        LogWriter writer(_db, hub, 150, nullptr, counts);
        LogStore store(_db, counts);
        auto batch = [&](int from, int n)
        {
            IngestBatch b;
            for (int i = from; i < from + n; ++i)
                b.entries.push_back(entry(i % 2 ? "web" : "db", Level::Info, i % 4 ? "odd" : "even tick", i));
            writer.commit(b);
        };
        batch(0, 100);
        LogFilter f;
        f.match = "tick";
        f.limit = 1;
        CPPUNIT_ASSERT_EQUAL(std::int64_t(25), store.query(f).total);
        LogFilter g;
        g.containers = {"web"};
        g.limit = 1;
        CPPUNIT_ASSERT_EQUAL(std::int64_t(50), store.query(g).total);
        batch(100, 100);                                              // 200 > 150 + 100? no prune yet
        CPPUNIT_ASSERT_EQUAL(std::int64_t(50), store.query(f).total); // cached part + the new rows
        CPPUNIT_ASSERT_EQUAL(std::int64_t(100), store.query(g).total);
        batch(200, 60); // 260 > 250: pruned to 150, every cached count invalidated
        CPPUNIT_ASSERT_EQUAL(std::int64_t(150), store.rowCount());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(37), store.query(f).total); // i in 110..259 with i % 4 == 0
        CPPUNIT_ASSERT_EQUAL(std::int64_t(75), store.query(g).total);
    }
    void testSearchNewestFirstWhenIdsAreNotInTimeOrder()
    {
        // Three inserts whose ids run against time: recent lines first, then an old backlog, then lines in
        // between; each spans several id blocks (LogStore::TS_BLOCK_BITS) so the search's second step must find
        // older-id matches with newer timestamps. Every page is checked against a brute-force sort.
        std::vector<LogEntry> all;
        auto batch = [&](int n, std::int64_t ts0, int step)
        {
            std::vector<LogEntry> v;
            for (int i = 0; i < n; ++i)
            {
                const int k = static_cast<int>(all.size() + v.size());
                std::string msg = "line " + std::to_string(k) + (k % 3 ? " common" : " other") +
                                  (k % 97 == 0 ? " needle" : "");
                v.push_back(entry(k % 2 ? "web" : "db", Level::Info, msg, ts0 + step * (i / 3)));
            }
            for (auto& e : add(v))
                all.push_back(e);
        };
        batch(6000, 5000000, 1);
        batch(6000, 1000, 1);
        batch(5000, 3000000, -1);
        LogStore store(_db);
        auto expected = [&](const std::string& word, const std::string& container)
        {
            std::vector<LogEntry> v;
            for (const auto& e : all)
                if (e.message.find(" " + word) != std::string::npos && (container.empty() || e.container == container))
                    v.push_back(e);
            std::sort(v.begin(), v.end(), [](const LogEntry& a, const LogEntry& b)
                      { return a.timestampMs != b.timestampMs ? a.timestampMs > b.timestampMs : a.id > b.id; });
            return v;
        };
        auto same = [](const std::vector<LogEntry>& want, std::size_t from, const std::vector<LogEntry>& got)
        {
            CPPUNIT_ASSERT(from + got.size() <= want.size());
            for (std::size_t i = 0; i < got.size(); ++i)
                CPPUNIT_ASSERT_EQUAL(want[from + i].id, got[i].id);
        };
        for (const std::string word : {"common", "needle", "other"})
            for (const std::string container : {"", "web"})
            {
                const auto want = expected(word, container);
                CPPUNIT_ASSERT(want.size() > 50);
                for (std::int64_t limit : {1, 7, 100})
                    for (std::int64_t offset : {0, 5, 4100})
                    {
                        LogFilter f;
                        f.match = word;
                        if (!container.empty())
                            f.containers = {container};
                        f.limit = limit;
                        f.offset = offset;
                        auto r = store.query(f);
                        CPPUNIT_ASSERT_EQUAL(static_cast<std::int64_t>(want.size()), r.total);
                        const std::size_t from = std::min<std::size_t>(offset, want.size());
                        CPPUNIT_ASSERT_EQUAL(std::min<std::size_t>(limit, want.size() - from), r.logs.size());
                        same(want, from, r.logs);
                    }
                // Keyset paging through everything: no gap, no duplicate.
                LogFilter f;
                f.match = word;
                if (!container.empty())
                    f.containers = {container};
                f.limit = 500;
                std::size_t seen = 0;
                for (;;)
                {
                    auto r = store.query(f);
                    same(want, seen, r.logs);
                    seen += r.logs.size();
                    if (r.logs.empty())
                        break;
                    f.beforeId = r.logs.back().id;
                    f.beforeTs = r.logs.back().timestampMs;
                }
                CPPUNIT_ASSERT_EQUAL(want.size(), seen);
            }
        // Pruning the oldest ids keeps the bounds of the rest true.
        _db->write([](WriteTx& tx) { LogStore::deleteBelowId(tx, 9000); });
        all.erase(std::remove_if(all.begin(), all.end(), [](const LogEntry& e) { return e.id < 9000; }), all.end());
        LogFilter f;
        f.match = "common";
        f.limit = 100;
        const auto want = expected("common", "");
        auto r = store.query(f);
        CPPUNIT_ASSERT_EQUAL(std::size_t(100), r.logs.size());
        same(want, 0, r.logs);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(LogStoreTest);
