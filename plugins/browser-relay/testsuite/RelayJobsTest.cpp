#include "EmbeddedFiles.h"
#include "Monlight/Migrations.h"
#include "BrowserRelayStore.h"
#include "RelayJobs.h"
#include <Poco/TemporaryFile.h>
#include <cppunit/extensions/HelperMacros.h>
#include <map>
#include <string_view>

using namespace Monlight;
using namespace Monlight::BrowserRelay;

namespace
{
const std::int64_t DAY = 86400000LL;
const std::int64_t NOW = 1'800'000'000'000LL;
const char* MAP = R"({"version":3,"sources":["a.ts"],"mappings":"AAAA"})";
} // namespace

class RelayJobsTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(RelayJobsTest);
    CPPUNIT_TEST(testRetentionKeepsRecentlyUploadedOrUsedMaps);
    CPPUNIT_TEST(testRetentionOffWhenZeroDays);
    CPPUNIT_TEST(testUsageFlushWritesDsnKeyUse);
    CPPUNIT_TEST_SUITE_END();

    std::unique_ptr<Poco::TemporaryFile> _dir;
    std::shared_ptr<Database> _db;
    std::unique_ptr<RelayStore> _store;
    DsnKeyCache _keys;
    std::unique_ptr<SourceMapCache> _maps;

public:
    void setUp() override
    {
        _dir = std::make_unique<Poco::TemporaryFile>();
        _dir->createDirectories();
        Database::Options o;
        o.path = _dir->path() + "/browser-relay.db";
        o.plugin = "browser-relay";
        o.migrations = sqlMigrations(embeddedFiles());
        _db = Database::open(o);
        _store = std::make_unique<BrowserRelayStore>(_db);
        auto* store = _store.get();
        _maps = std::make_unique<SourceMapCache>(1 << 20, [store](std::int64_t id)
                                                 { return store->sourceMapContent(id); });
    }

    void tearDown() override
    {
        _maps.reset();
        _store.reset();
        _db->close();
        _db.reset();
        _dir.reset();
    }

    void testRetentionKeepsRecentlyUploadedOrUsedMaps()
    {
        const auto old = _store->putSourceMap("shop", "1", "/old.js", MAP, NOW - 100 * DAY);
        const auto used = _store->putSourceMap("shop", "1", "/used.js", MAP, NOW - 100 * DAY);
        const auto fresh = _store->putSourceMap("shop", "1", "/fresh.js", MAP, NOW - 10 * DAY);
        _maps->loadIndex(_store->sourceMaps());
        CPPUNIT_ASSERT(_maps->find("shop", "1", "/old.js", NOW - 100 * DAY)); // cached, used long ago
        _maps->takePendingUses();
        CPPUNIT_ASSERT(_maps->find("shop", "1", "/used.js", NOW - DAY)); // a use not yet flushed
        RelayJobs jobs(*_store, _keys, *_maps, 90);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), jobs.applyRetention(NOW));
        const auto left = _store->sourceMaps();
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), left.size());
        CPPUNIT_ASSERT_EQUAL(used.id, left[0].id);
        CPPUNIT_ASSERT_EQUAL(fresh.id, left[1].id);
        CPPUNIT_ASSERT(!_maps->find("shop", "1", "/old.js", NOW)); // dropped from index and cache
        CPPUNIT_ASSERT(old.id != used.id);
    }

    void testRetentionOffWhenZeroDays()
    {
        _store->putSourceMap("shop", "1", "/old.js", MAP, 1);
        RelayJobs jobs(*_store, _keys, *_maps, 0);
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), jobs.applyRetention(NOW));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), _store->sourceMaps().size());
    }

    void testUsageFlushWritesDsnKeyUse()
    {
        const auto key = _store->createDsnKey("shop", "flushkey1234", NOW - DAY);
        _keys.load(_store->dsnKeys());
        CPPUNIT_ASSERT(_keys.resolve("flushkey1234", NOW));
        CPPUNIT_ASSERT(_keys.resolve("flushkey1234", NOW + 1000)); // within the minute: not noted again
        CPPUNIT_ASSERT(!_keys.resolve("unknownkey", NOW));
        RelayJobs jobs(*_store, _keys, *_maps, 90);
        jobs.flushUsage();
        CPPUNIT_ASSERT_EQUAL(NOW, _store->dsnKeys().at(0).lastUsedAt.value());
        CPPUNIT_ASSERT(_keys.takePendingUses().empty());
        _store->deactivateDsnKey(key.id);
        _keys.put(*_store->deactivateDsnKey(key.id));
        CPPUNIT_ASSERT(!_keys.resolve("flushkey1234", NOW + 120000)); // deactivated keys never resolve
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RelayJobsTest);
