#include "EmbeddedFiles.h"
#include "Monlight/Migrations.h"
#include "SqliteErrorStore.h"

#include "Fingerprint.h"
#include "Monlight/Time.h"
#include <Poco/File.h>
#include <Poco/TemporaryFile.h>
#include <cppunit/extensions/HelperMacros.h>

using namespace Monlight;
using namespace Monlight::ErrorTracker;

namespace
{

ErrorReport report(const std::string& project, const std::string& type, const std::string& message,
                   const std::string& env = "prod", const std::string& traceback = "")
{
    ErrorReport r;
    r.project = project;
    r.exceptionType = type;
    r.message = message;
    r.traceback = traceback;
    r.environment = env;
    return r;
}

} // namespace

class ErrorStoreTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ErrorStoreTest);
    CPPUNIT_TEST(testNewGroupThenIncrement);
    CPPUNIT_TEST(testSameFingerprintOtherEnvironmentIsOtherGroup);
    CPPUNIT_TEST(testResolvedGroupReopensOnRecurrence);
    CPPUNIT_TEST(testOccurrencesTrimmedToCap);
    CPPUNIT_TEST(testGroupKeepsFirstMessage);
    CPPUNIT_TEST(testListFiltersAndPaging);
    CPPUNIT_TEST(testSearchUsesFts);
    CPPUNIT_TEST(testSessionFilter);
    CPPUNIT_TEST(testResolveKeepsResolvedAt);
    CPPUNIT_TEST(testProjectsAndEnvironmentsSorted);
    CPPUNIT_TEST(testRetentionDeletesOnlyOldResolved);
    CPPUNIT_TEST(testMigrationsReachSchemaVersion5);
    CPPUNIT_TEST(testOccurrenceTracebackStoredOnceWhenSameAsGroup);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override
    {
        _dir = std::make_unique<Poco::TemporaryFile>();
        Poco::File(_dir->path()).createDirectories();
        Database::Options o;
        o.path = _dir->path() + "/errors.db";
        o.plugin = "error-tracker";
        o.migrations = sqlMigrations(embeddedFiles());
        _db = Database::open(o);
        _store = std::make_unique<SqliteErrorStore>(_db);
    }

    void tearDown() override
    {
        _store.reset();
        _db->close();
        _db.reset();
        _dir.reset();
    }

    IngestResult add(const ErrorReport& r, int max = 5)
    {
        return _store->ingest(r, Fingerprint::compute(r.project, r.exceptionType, r.traceback, r.message),
                              max);
    }

    void testNewGroupThenIncrement()
    {
        IngestResult a = add(report("myapp", "ValueError", "bad 1"));
        CPPUNIT_ASSERT(a.status == IngestResult::Status::Created);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), a.group.count);
        IngestResult b = add(report("myapp", "ValueError", "bad 2"));
        CPPUNIT_ASSERT(b.status == IngestResult::Status::Incremented);
        CPPUNIT_ASSERT_EQUAL(a.group.id, b.group.id);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), b.group.count);
        CPPUNIT_ASSERT_EQUAL(a.group.fingerprint, b.group.fingerprint);
        auto g = _store->find(a.group.id);
        CPPUNIT_ASSERT(g);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), g->count);
        CPPUNIT_ASSERT_EQUAL(std::string("server"), g->source);
        CPPUNIT_ASSERT(g->lastSeen >= g->firstSeen);
    }

    void testSameFingerprintOtherEnvironmentIsOtherGroup()
    {
        IngestResult a = add(report("myapp", "E", "m", "prod"));
        IngestResult b = add(report("myapp", "E", "m", "staging"));
        CPPUNIT_ASSERT(b.status == IngestResult::Status::Created);
        CPPUNIT_ASSERT(a.group.id != b.group.id);
        CPPUNIT_ASSERT_EQUAL(a.group.fingerprint, b.group.fingerprint);
    }

    void testResolvedGroupReopensOnRecurrence()
    {
        IngestResult a = add(report("myapp", "E", "m"));
        CPPUNIT_ASSERT(_store->resolve(a.group.id, Time::nowMs()));
        CPPUNIT_ASSERT(_store->find(a.group.id)->resolved);
        IngestResult b = add(report("myapp", "E", "m"));
        CPPUNIT_ASSERT(b.status == IngestResult::Status::Reopened);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), b.group.count);
        CPPUNIT_ASSERT_EQUAL(std::string("m"), b.group.message);
        auto g = _store->find(a.group.id);
        CPPUNIT_ASSERT(!g->resolved);
        CPPUNIT_ASSERT(!g->resolvedAt);
        IngestResult c = add(report("myapp", "E", "m"));
        CPPUNIT_ASSERT(c.status == IngestResult::Status::Incremented);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), c.group.count);
    }

    void testOccurrencesTrimmedToCap()
    {
        std::int64_t id = 0;
        for (int i = 0; i < 8; ++i)
        {
            ErrorReport r = report("myapp", "E", "m");
            r.userId = "u" + std::to_string(i);
            id = add(r, 3).group.id;
        }
        auto occ = _store->occurrences(id);
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), occ.size());
        CPPUNIT_ASSERT_EQUAL(std::string("u7"), *occ[0].userId);
        CPPUNIT_ASSERT_EQUAL(std::string("u5"), *occ[2].userId);
        CPPUNIT_ASSERT(occ[0].id > occ[1].id);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(8), _store->find(id)->count);
    }

    void testGroupKeepsFirstMessage()
    {
        ErrorReport a = report("myapp", "E", "first", "prod", "File \"/x.py\", line 3");
        ErrorReport b = report("myapp", "E", "second", "prod", "File \"/x.py\", line 3\n more");
        std::int64_t id = add(a).group.id;
        CPPUNIT_ASSERT_EQUAL(id, add(b).group.id);
        auto g = _store->find(id);
        CPPUNIT_ASSERT_EQUAL(std::string("first"), g->message);
        CPPUNIT_ASSERT_EQUAL(a.traceback, g->traceback);
        auto occ = _store->occurrences(id);
        CPPUNIT_ASSERT_EQUAL(b.traceback, occ[0].traceback);
        CPPUNIT_ASSERT_EQUAL(a.traceback, occ[1].traceback);
    }

    void testListFiltersAndPaging()
    {
        for (int i = 0; i < 5; ++i)
            add(report("alpha", "E" + std::to_string(i), "m"));
        ErrorReport br = report("beta", "E", "m", "staging");
        br.requestMethod = "BROWSER";
        std::int64_t browserId = add(br).group.id;
        std::int64_t total = 0;
        ErrorFilter f;
        f.resolved = false;
        auto all = _store->list(f, total);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(6), total);
        CPPUNIT_ASSERT_EQUAL(browserId, all[0].id); // newest first, ties by id
        f.project = "alpha";
        f.limit = 2;
        f.offset = 1;
        auto page = _store->list(f, total);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5), total);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), page.size());
        ErrorFilter s;
        s.source = "browser";
        auto browser = _store->list(s, total);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), total);
        CPPUNIT_ASSERT_EQUAL(std::string("staging"), browser[0].environment);
        ErrorFilter e;
        e.environment = "prod";
        _store->list(e, total);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5), total);
        ErrorFilter r;
        r.resolved = true;
        _store->list(r, total);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), total);
        ErrorFilter c;
        c.sort = "count";
        add(report("alpha", "E3", "m"));
        auto byCount = _store->list(c, total);
        CPPUNIT_ASSERT_EQUAL(std::string("E3"), byCount[0].exceptionType);
    }

    void testSearchUsesFts()
    {
        add(report("p", "ConnectionRefusedError", "database unreachable"));
        add(report("p", "KeyError", "missing key 'user'"));
        std::int64_t total = 0;
        ErrorFilter f;
        f.fts = "\"unreach\"*";
        auto r = _store->list(f, total);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), total);
        CPPUNIT_ASSERT_EQUAL(std::string("ConnectionRefusedError"), r[0].exceptionType);
        f.fts = "\"keyerror\" \"user\"";
        _store->list(f, total);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), total);
        f.fts.reset();
        f.matchNothing = true;
        CPPUNIT_ASSERT(_store->list(f, total).empty());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), total);
    }

    void testSessionFilter()
    {
        ErrorReport a = report("p", "A", "m");
        a.sessionId = "sess-1";
        add(a);
        add(report("p", "B", "m"));
        std::int64_t total = 0;
        ErrorFilter f;
        f.sessionId = "sess-1";
        auto r = _store->list(f, total);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), total);
        CPPUNIT_ASSERT_EQUAL(std::string("A"), r[0].exceptionType);
    }

    void testResolveKeepsResolvedAt()
    {
        std::int64_t id = add(report("p", "A", "m")).group.id;
        CPPUNIT_ASSERT(_store->resolve(id, 1000));
        CPPUNIT_ASSERT(_store->resolve(id, 2000));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1000), *_store->find(id)->resolvedAt);
        CPPUNIT_ASSERT(_store->unresolve(id));
        CPPUNIT_ASSERT(!_store->find(id)->resolved);
        CPPUNIT_ASSERT(_store->unresolve(id));
        CPPUNIT_ASSERT(!_store->resolve(id + 100, 1));
        CPPUNIT_ASSERT(!_store->unresolve(id + 100));
    }

    void testProjectsAndEnvironmentsSorted()
    {
        add(report("myapp", "A", "m", "staging"));
        add(report("billing", "A", "m", "prod"));
        add(report("myapp", "B", "m", "prod"));
        add(report("Zeta", "B", "m", "dev"));
        auto p = _store->projects();
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), p.size());
        CPPUNIT_ASSERT_EQUAL(std::string("Zeta"), p[0]); // byte order: uppercase first
        CPPUNIT_ASSERT_EQUAL(std::string("billing"), p[1]);
        auto e = _store->environments(std::string("myapp"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), e.size());
        CPPUNIT_ASSERT_EQUAL(std::string("prod"), e[0]);
        CPPUNIT_ASSERT_EQUAL(std::string("staging"), e[1]);
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), _store->environments(std::nullopt).size());
    }

    void testRetentionDeletesOnlyOldResolved()
    {
        std::int64_t oldId = add(report("p", "Old", "m")).group.id;
        std::int64_t newId = add(report("p", "New", "m")).group.id;
        std::int64_t openId = add(report("p", "Open", "m")).group.id;
        _store->resolve(oldId, 1000);
        _store->resolve(newId, 5000);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), _store->deleteResolvedBefore(2000, 1));
        CPPUNIT_ASSERT(!_store->find(oldId));
        CPPUNIT_ASSERT(_store->occurrences(oldId).empty());
        CPPUNIT_ASSERT(_store->find(newId));
        CPPUNIT_ASSERT(_store->find(openId));
        std::int64_t total = 0;
        ErrorFilter f;
        f.fts = "\"old\"";
        f.resolved.reset();
        _store->list(f, total);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), total);
    }

    void testMigrationsReachSchemaVersion5() { CPPUNIT_ASSERT_EQUAL(5, _db->schemaVersion()); }

    /// Migrations 004/005: an occurrence stores only what its traceback does not share with the start and the end
    /// of its group's, and reads return it whole: the same traceback, another last line (Python's message), another
    /// first line (JavaScript's), another middle, one shorter and one longer than the group's, multi-byte characters
    /// at the seams, and nothing in common.
    void testOccurrenceTracebackStoredOnceWhenSameAsGroup()
    {
        const std::string tb = "Traceback (most recent call last):\n  File \"/app/x.py\", line 3, in f\nE: boom \xC3\xA9\n";
        const std::vector<std::string> variants = {
            tb,
            "Traceback (most recent call last):\n  File \"/app/x.py\", line 3, in f\nE: other message\n",
            "E: boom \xC3\xA8\n  File \"/app/x.py\", line 3, in f\nE: boom \xC3\xA9\n",
            "Traceback (most recent call last):\n  File \"/app/y.py\", line 9, in g\nE: boom \xC3\xA9\n",
            "Traceback (most recent call last):\n",
            tb + tb,
            "Traceback (most recent call last):\n  File \"/app/x.py\", line 3, in f\nE: boom \xC3\xA8\n",
            "\xE2\x82\xAC",
            "",
        };
        std::int64_t id = 0;
        for (const auto& v : variants)
        {
            // one fingerprint for all (as a Sentry SDK's `fingerprint` may make it)
            const std::int64_t got = _store->ingest(report("myapp", "E", "boom", "prod", v), "one group", 20).group.id;
            if (id)
                CPPUNIT_ASSERT_EQUAL(id, got);
            id = got;
        }
        auto occ = _store->occurrences(id);
        CPPUNIT_ASSERT_EQUAL(variants.size(), occ.size());
        for (std::size_t i = 0; i < variants.size(); ++i)
            CPPUNIT_ASSERT_EQUAL(variants[i], occ[variants.size() - 1 - i].traceback);
        Sql::Connection& c = _db->reader();
        auto stored = [&](int n)
        {
            auto st = c.prepare("SELECT traceback FROM error_occurrences ORDER BY id LIMIT 1 OFFSET ?");
            st.bind(1, static_cast<std::int64_t>(n));
            CPPUNIT_ASSERT(st.step());
            return st.getText(0);
        };
        // only what differs is stored
        CPPUNIT_ASSERT_EQUAL(std::string(""), stored(0));
        CPPUNIT_ASSERT_EQUAL(std::string("other message"), stored(1));
        CPPUNIT_ASSERT_EQUAL(std::string("E: boom \xC3\xA8"), stored(2));
        CPPUNIT_ASSERT_EQUAL(std::string("y.py\", line 9, in g"), stored(3));
        CPPUNIT_ASSERT_EQUAL(std::string(""), stored(4));
        CPPUNIT_ASSERT_EQUAL(tb, stored(5));
        CPPUNIT_ASSERT_EQUAL(std::string("\xC3\xA8"), stored(6));
        CPPUNIT_ASSERT_EQUAL(std::string("\xE2\x82\xAC"), stored(7));
    }

private:
    std::unique_ptr<Poco::TemporaryFile> _dir;
    std::shared_ptr<Database> _db;
    std::unique_ptr<ErrorStore> _store;
};

CPPUNIT_TEST_SUITE_REGISTRATION(ErrorStoreTest);
