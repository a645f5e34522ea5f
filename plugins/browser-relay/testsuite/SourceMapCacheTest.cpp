#include "SourceMapCache.h"
#include <cppunit/extensions/HelperMacros.h>
#include <map>

using namespace Monlight::BrowserRelay;

namespace
{
std::string mapFor(const std::string& source)
{
    return R"({"version":3,"sources":[")" + source + R"("],"mappings":"AAAA"})";
}
} // namespace

class SourceMapCacheTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(SourceMapCacheTest);
    CPPUNIT_TEST(testExactFileKeyWins);
    CPPUNIT_TEST(testUniqueBasenameFallback);
    CPPUNIT_TEST(testAmbiguousBasenameIsNotMapped);
    CPPUNIT_TEST(testParsedMapsAreCachedUntilReplaced);
    CPPUNIT_TEST(testLruEvictionWithinBudget);
    CPPUNIT_TEST(testRemovedMapIsForgotten);
    CPPUNIT_TEST(testBrokenContentIsNotRetriedUntilReplaced);
    CPPUNIT_TEST(testUsesNotedOncePerHour);
    CPPUNIT_TEST_SUITE_END();

    std::map<std::int64_t, std::string> _content;
    int _loads = 0;
    std::unique_ptr<SourceMapCache> _cache;

    void makeCache(std::size_t budget)
    {
        _cache = std::make_unique<SourceMapCache>(budget,
                                                  [this](std::int64_t id) -> std::optional<std::string>
                                                  {
                                                      ++_loads;
                                                      const auto it = _content.find(id);
                                                      if (it == _content.end())
                                                          return std::nullopt;
                                                      return it->second;
                                                  });
    }

    static SourceMapRecord record(std::int64_t id, const std::string& project, const std::string& release,
                                  const std::string& file)
    {
        SourceMapRecord r;
        r.id = id;
        r.project = project;
        r.release = release;
        r.fileUrl = file;
        return r;
    }

    std::string sourceOf(const std::shared_ptr<const SourceMap>& m)
    {
        CPPUNIT_ASSERT(m);
        return m->lookup(1, 1)->source;
    }

public:
    void setUp() override
    {
        _content = {
            {1, mapFor("one.ts")}, {2, mapFor("two.ts")}, {3, mapFor("three.ts")}, {4, mapFor("four.ts")}};
        _loads = 0;
        makeCache(1 << 20);
        _cache->loadIndex(
            {record(1, "shop", "1.0", "/static/app.min.js"), record(2, "shop", "1.0", "/other/app.min.js"),
             record(3, "shop", "1.0", "/static/vendor.js"), record(4, "blog", "1.0", "/static/app.min.js")});
    }

    void testExactFileKeyWins()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("one.ts"),
                             sourceOf(_cache->find("shop", "1.0", "https://x/static/app.min.js?v=1", 0)));
        CPPUNIT_ASSERT_EQUAL(std::string("two.ts"),
                             sourceOf(_cache->find("shop", "1.0", "https://x/other/app.min.js", 0)));
        CPPUNIT_ASSERT_EQUAL(std::string("four.ts"),
                             sourceOf(_cache->find("blog", "1.0", "/static/app.min.js", 0)));
        CPPUNIT_ASSERT(!_cache->find("shop", "2.0", "/static/app.min.js", 0));
        CPPUNIT_ASSERT(!_cache->find("other", "1.0", "/static/app.min.js", 0));
    }

    void testUniqueBasenameFallback()
    {
        CPPUNIT_ASSERT_EQUAL(
            std::string("three.ts"),
            sourceOf(_cache->find("shop", "1.0", "https://cdn.example.com/assets/v2/vendor.js", 0)));
        CPPUNIT_ASSERT(!_cache->find("shop", "1.0", "https://cdn.example.com/assets/missing.js", 0));
    }

    void testAmbiguousBasenameIsNotMapped()
    {
        CPPUNIT_ASSERT(!_cache->find("shop", "1.0", "https://cdn.example.com/assets/app.min.js", 0));
    }

    void testParsedMapsAreCachedUntilReplaced()
    {
        _cache->find("shop", "1.0", "/static/app.min.js", 0);
        _cache->find("shop", "1.0", "/static/app.min.js", 0);
        CPPUNIT_ASSERT_EQUAL(1, _loads);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), _cache->cachedMaps());
        _content[1] = mapFor("one-v2.ts");
        _cache->put(1, "shop", "1.0", "/static/app.min.js");
        CPPUNIT_ASSERT_EQUAL(std::string("one-v2.ts"),
                             sourceOf(_cache->find("shop", "1.0", "/static/app.min.js", 0)));
        CPPUNIT_ASSERT_EQUAL(2, _loads);
        // a new upload makes a previously missing key resolvable at once
        _content[9] = mapFor("new.ts");
        CPPUNIT_ASSERT(!_cache->find("shop", "1.0", "/static/new.js", 0));
        _cache->put(9, "shop", "1.0", "/static/new.js");
        CPPUNIT_ASSERT_EQUAL(std::string("new.ts"),
                             sourceOf(_cache->find("shop", "1.0", "/static/new.js", 0)));
    }

    void testLruEvictionWithinBudget()
    {
        const std::size_t one = SourceMap::parse(mapFor("one.ts"))->estimatedBytes();
        makeCache(2 * one + one / 2); // room for two maps
        _cache->loadIndex({record(1, "shop", "1.0", "/a.js"), record(2, "shop", "1.0", "/b.js"),
                           record(3, "shop", "1.0", "/c.js")});
        _cache->find("shop", "1.0", "/a.js", 0);
        _cache->find("shop", "1.0", "/b.js", 0);
        _cache->find("shop", "1.0", "/a.js", 0); // a is now most recent
        _cache->find("shop", "1.0", "/c.js", 0); // evicts b
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), _cache->cachedMaps());
        CPPUNIT_ASSERT(_cache->cachedBytes() <= 2 * one + one / 2);
        _loads = 0;
        _cache->find("shop", "1.0", "/a.js", 0);
        CPPUNIT_ASSERT_EQUAL(0, _loads);
        _cache->find("shop", "1.0", "/b.js", 0);
        CPPUNIT_ASSERT_EQUAL(1, _loads);
    }

    void testRemovedMapIsForgotten()
    {
        _cache->find("shop", "1.0", "/static/vendor.js", 0);
        _cache->remove(3);
        CPPUNIT_ASSERT(!_cache->find("shop", "1.0", "/static/vendor.js", 0));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), _cache->cachedMaps());
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), _cache->indexedMaps());
        // with map 2 removed, the app.min.js basename becomes unique again
        _cache->remove(2);
        CPPUNIT_ASSERT_EQUAL(std::string("one.ts"),
                             sourceOf(_cache->find("shop", "1.0", "https://cdn/x/app.min.js", 0)));
    }

    void testBrokenContentIsNotRetriedUntilReplaced()
    {
        _content[3] = "{not a map";
        CPPUNIT_ASSERT(!_cache->find("shop", "1.0", "/static/vendor.js", 0));
        CPPUNIT_ASSERT(!_cache->find("shop", "1.0", "/static/vendor.js", 0));
        CPPUNIT_ASSERT_EQUAL(1, _loads);
        _content[3] = mapFor("fixed.ts");
        _cache->put(3, "shop", "1.0", "/static/vendor.js");
        CPPUNIT_ASSERT_EQUAL(std::string("fixed.ts"),
                             sourceOf(_cache->find("shop", "1.0", "/static/vendor.js", 0)));
    }

    void testUsesNotedOncePerHour()
    {
        const std::int64_t t0 = 1'800'000'000'000;
        _cache->find("shop", "1.0", "/static/app.min.js", t0);
        _cache->find("shop", "1.0", "/static/app.min.js", t0 + 1000);
        auto uses = _cache->takePendingUses();
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), uses.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), uses[0].first);
        CPPUNIT_ASSERT_EQUAL(t0, uses[0].second);
        _cache->find("shop", "1.0", "/static/app.min.js", t0 + 3599000);
        CPPUNIT_ASSERT(_cache->takePendingUses().empty());
        _cache->find("shop", "1.0", "/static/app.min.js", t0 + 3600000);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), _cache->takePendingUses().size());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SourceMapCacheTest);
