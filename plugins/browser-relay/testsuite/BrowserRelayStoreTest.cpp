#include "EmbeddedFiles.h"
#include "Monlight/Migrations.h"
#include "BrowserRelayStore.h"
#include <Poco/File.h>
#include <Poco/TemporaryFile.h>
#include <cppunit/extensions/HelperMacros.h>
#include <map>
#include <string_view>

using namespace Monlight;
using namespace Monlight::BrowserRelay;

class BrowserRelayStoreTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(BrowserRelayStoreTest);
    CPPUNIT_TEST(testDsnKeysCreateListFilterDeactivate);
    CPPUNIT_TEST(testSeedingKeepsExistingKey);
    CPPUNIT_TEST(testSourceMapReplaceKeepsId);
    CPPUNIT_TEST(testSourceMapListDeleteAndContent);
    CPPUNIT_TEST(testRetentionUsesLastUse);
    CPPUNIT_TEST(testDataSurvivesReopen);
    CPPUNIT_TEST_SUITE_END();

    std::unique_ptr<Poco::TemporaryFile> _dir;
    std::shared_ptr<Database> _db;
    std::unique_ptr<RelayStore> _store; // used through the interface, as the plugin does

    void open()
    {
        Database::Options o;
        o.path = _dir->path() + "/browser-relay.db";
        o.plugin = "browser-relay";
        o.migrations = sqlMigrations(embeddedFiles());
        _db = Database::open(o);
        _store = std::make_unique<BrowserRelayStore>(_db);
    }

    void close()
    {
        _store.reset();
        if (_db)
            _db->close();
        _db.reset();
    }

public:
    void setUp() override
    {
        _dir = std::make_unique<Poco::TemporaryFile>();
        _dir->createDirectories();
        open();
    }

    void tearDown() override
    {
        close();
        _dir.reset();
    }

    void testDsnKeysCreateListFilterDeactivate()
    {
        const auto a = _store->createDsnKey("shop", "aaaaaaaaaaaaaaaa", 1000);
        const auto b = _store->createDsnKey("blog", "bbbbbbbbbbbbbbbb", 2000);
        CPPUNIT_ASSERT(b.id > a.id);
        CPPUNIT_ASSERT_THROW(_store->createDsnKey("shop", "aaaaaaaaaaaaaaaa", 3000), DuplicateKey);
        auto all = _store->dsnKeys();
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), all.size());
        CPPUNIT_ASSERT_EQUAL(std::string("shop"), all[0].project);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1000), all[0].createdAt);
        CPPUNIT_ASSERT(!all[0].lastUsedAt);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), _store->dsnKeys(std::string("blog")).size());
        const auto off = _store->deactivateDsnKey(a.id);
        CPPUNIT_ASSERT(off && !off->active);
        CPPUNIT_ASSERT(_store->deactivateDsnKey(a.id)); // idempotent
        CPPUNIT_ASSERT(!_store->deactivateDsnKey(999));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), _store->dsnKeys(std::nullopt, true).size());
        CPPUNIT_ASSERT_EQUAL(a.id, _store->dsnKeys(std::nullopt, false).at(0).id);
        _store->touch({{b.id, 5000}}, {});
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5000),
                             _store->dsnKeys(std::string("blog")).at(0).lastUsedAt.value());
    }

    void testSeedingKeepsExistingKey()
    {
        CPPUNIT_ASSERT(_store->seedDsnKey("shop", "seedkey123", 1));
        _store->deactivateDsnKey(_store->dsnKeys().at(0).id);
        CPPUNIT_ASSERT(!_store->seedDsnKey("other", "seedkey123", 2));
        const auto keys = _store->dsnKeys();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), keys.size());
        CPPUNIT_ASSERT_EQUAL(std::string("shop"), keys[0].project);
        CPPUNIT_ASSERT(!keys[0].active);
    }

    void testSourceMapReplaceKeepsId()
    {
        const auto first = _store->putSourceMap("shop", "1.0", "/app.js", "{\"v\":1}", 100);
        CPPUNIT_ASSERT(!first.replaced);
        const auto other = _store->putSourceMap("shop", "1.1", "/app.js", "{}", 100);
        CPPUNIT_ASSERT(other.id != first.id);
        const auto again = _store->putSourceMap("shop", "1.0", "/app.js", "{\"v\":22}", 200);
        CPPUNIT_ASSERT(again.replaced);
        CPPUNIT_ASSERT_EQUAL(first.id, again.id);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"v\":22}"), _store->sourceMapContent(first.id).value());
        const auto list = _store->sourceMaps(std::string("shop"), std::string("1.0"));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), list.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(8), list[0].size);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(200), list[0].uploadedAt);
    }

    void testSourceMapListDeleteAndContent()
    {
        const auto a = _store->putSourceMap("shop", "1.0", "/a.js", "A", 1);
        const auto b = _store->putSourceMap("blog", "1.0", "/b.js", "B", 1);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), _store->sourceMaps().size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), _store->sourceMaps(std::nullopt, std::string("1.0")).size());
        CPPUNIT_ASSERT_EQUAL(b.id, _store->sourceMaps(std::string("blog")).at(0).id);
        const auto gone = _store->deleteSourceMap(a.id);
        CPPUNIT_ASSERT(gone);
        CPPUNIT_ASSERT_EQUAL(std::string("/a.js"), gone->fileUrl);
        CPPUNIT_ASSERT(!_store->deleteSourceMap(a.id));
        CPPUNIT_ASSERT(!_store->sourceMapContent(a.id));
        CPPUNIT_ASSERT_EQUAL(std::string("B"), _store->sourceMapContent(b.id).value());
    }

    void testRetentionUsesLastUse()
    {
        const auto old = _store->putSourceMap("shop", "1", "/old.js", "x", 1000);
        const auto used = _store->putSourceMap("shop", "1", "/used.js", "x", 1000);
        const auto fresh = _store->putSourceMap("shop", "1", "/fresh.js", "x", 9000);
        _store->touch({}, {{used.id, 8000}});
        const auto deleted = _store->deleteSourceMapsUnusedSince(5000);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), deleted.size());
        CPPUNIT_ASSERT_EQUAL(old.id, deleted[0].id);
        const auto left = _store->sourceMaps();
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), left.size());
        CPPUNIT_ASSERT_EQUAL(used.id, left[0].id);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(8000), left[0].lastUsedAt.value());
        CPPUNIT_ASSERT_EQUAL(fresh.id, left[1].id);
    }

    void testDataSurvivesReopen()
    {
        _store->createDsnKey("shop", "persistentkey1", 1);
        _store->putSourceMap("shop", "1", "/a.js", "content", 1);
        close();
        open();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), _store->dsnKeys().size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), _store->sourceMaps().size());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(BrowserRelayStoreTest);
