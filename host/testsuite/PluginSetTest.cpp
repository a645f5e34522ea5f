#include "PluginSet.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace Monlight;
using namespace Monlight::Host;

// The plugin set knows no plugin by name: these use the fixture plugins only.
class PluginSetTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(PluginSetTest);
    CPPUNIT_TEST(testListedOrderKept);
    CPPUNIT_TEST(testUnlistedDependencyOnThePathIsLoadedFirst);
    CPPUNIT_TEST(testDependencyFoundNowhereNamesBoth);
    CPPUNIT_TEST(testInvalidRepeatedAndMissingNames);
    CPPUNIT_TEST_SUITE_END();

    static PluginConfig host(const std::string& plugins)
    {
        return PluginConfig("host", {{"plugins", plugins}, {"plugin_path", MONLIGHT_FIXTURE_DIR}});
    }

    PluginLoader _loader;

public:
    void testListedOrderKept()
    {
        ConfigResolver r(nullptr, nullptr, {}, "t");
        // fixture-good's default dependency (common) is not on this path: reported, the rest still loads.
        auto set = PluginSet::load(_loader, host("fixture-init-throws,fixture-good"), "/", r);
        CPPUNIT_ASSERT((set.order == std::vector<std::string>{"fixture-init-throws", "fixture-good"}));
        CPPUNIT_ASSERT(set.errors.empty());
        CPPUNIT_ASSERT(!r.problems().empty());
        CPPUNIT_ASSERT(r.problems()[0].reason.find("depends on common") != std::string::npos);
    }

    void testUnlistedDependencyOnThePathIsLoadedFirst()
    {
        // fixture-cycle-a depends on fixture-cycle-b, found on the path: loaded before it without being listed
        // (and their cycle is then the plugin error it is).
        ConfigResolver r(nullptr, nullptr, {}, "t");
        auto set = PluginSet::load(_loader, host("fixture-cycle-a"), "/", r);
        CPPUNIT_ASSERT((set.order == std::vector<std::string>{"fixture-cycle-b", "fixture-cycle-a"}));
        CPPUNIT_ASSERT((set.listed == std::vector<std::string>{"fixture-cycle-a"}));
        CPPUNIT_ASSERT(r.problems().empty());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), set.errors.size());
        CPPUNIT_ASSERT_EQUAL(70, set.errors[0].exitCode());
        CPPUNIT_ASSERT(set.errors[0].line().find("cycle") != std::string::npos);
    }

    void testDependencyFoundNowhereNamesBoth()
    {
        ConfigResolver r(nullptr, nullptr, {}, "t");
        auto set = PluginSet::load(_loader, host("fixture-missing-dep"), "/", r);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), r.problems().size());
        CPPUNIT_ASSERT_EQUAL(std::string("host.plugins"), r.problems()[0].key);
        const auto& reason = r.problems()[0].reason;
        CPPUNIT_ASSERT(reason.find("fixture-missing-dep") != std::string::npos &&
                       reason.find("fixture-nonexistent") != std::string::npos);
    }

    void testInvalidRepeatedAndMissingNames()
    {
        ConfigResolver r(nullptr, nullptr, {}, "t");
        auto set = PluginSet::load(_loader, host("Bad,host,fixture-cycle-b,fixture-cycle-b,fixture-absent"), "/", r);
        std::vector<std::string> reasons;
        for (const auto& p : r.problems())
            reasons.push_back(p.reason);
        CPPUNIT_ASSERT(reasons.size() >= 4);
        CPPUNIT_ASSERT_EQUAL(std::string("invalid plugin name \"Bad\""), reasons[0]);
        CPPUNIT_ASSERT_EQUAL(std::string("invalid plugin name \"host\""), reasons[1]);
        CPPUNIT_ASSERT_EQUAL(std::string("plugin fixture-cycle-b listed twice"), reasons[2]);
        CPPUNIT_ASSERT(reasons[3].find("plugin fixture-absent not found on host.plugin_path") == 0);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PluginSetTest);
