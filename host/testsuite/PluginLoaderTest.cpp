#include "PluginLoader.h"

#include "Monlight/HttpError.h"
#include <cppunit/extensions/HelperMacros.h>

using namespace Monlight;
using namespace Monlight::Host;

class PluginLoaderTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(PluginLoaderTest);
    CPPUNIT_TEST(testOrderPutsDependenciesFirst);
    CPPUNIT_TEST(testMissingDependencyNamesBoth);
    CPPUNIT_TEST(testCycleNamesBoth);
    CPPUNIT_TEST(testGoodFixtureLoads);
    CPPUNIT_TEST(testWrongSignatureRefusedBeforeCreation);
    CPPUNIT_TEST(testFindSearchesDirectoriesInOrder);
    CPPUNIT_TEST(testNameMustMatchFile);
    CPPUNIT_TEST_SUITE_END();

public:
    void testOrderPutsDependenciesFirst()
    {
        auto order = PluginLoader::order({"common", "browser-relay", "error-tracker", "x"},
                                         {{"browser-relay", {"common", "x"}}, {"error-tracker", {"common"}}, {"x", {"common"}}});
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), order.size());
        CPPUNIT_ASSERT_EQUAL(std::string("common"), order[0]);
        auto pos = [&](const std::string& n) { return std::find(order.begin(), order.end(), n) - order.begin(); };
        CPPUNIT_ASSERT(pos("x") < pos("browser-relay"));
    }

    void testMissingDependencyNamesBoth()
    {
        try
        {
            PluginLoader::order({"common", "a"}, {{"a", {"common", "b"}}});
            CPPUNIT_FAIL("expected a StartupError");
        }
        catch (const StartupError& e)
        {
            CPPUNIT_ASSERT_EQUAL(78, e.exitCode());
            CPPUNIT_ASSERT(e.line().find("plugin a depends on b") != std::string::npos);
        }
    }

    void testCycleNamesBoth()
    {
        try
        {
            PluginLoader::order({"common", "a", "b"}, {{"a", {"b"}}, {"b", {"a"}}});
            CPPUNIT_FAIL("expected a StartupError");
        }
        catch (const StartupError& e)
        {
            CPPUNIT_ASSERT_EQUAL(70, e.exitCode());
            CPPUNIT_ASSERT(e.line().find("dependency cycle between") != std::string::npos);
            CPPUNIT_ASSERT(e.line().find(" a") != std::string::npos && e.line().find(" b") != std::string::npos);
        }
    }

    void testGoodFixtureLoads()
    {
        PluginLoader loader;
        auto lp = loader.load("fixture-good", MONLIGHT_FIXTURE_DIR "/fixture-good.so");
        CPPUNIT_ASSERT(lp.plugin != nullptr);
        CPPUNIT_ASSERT_EQUAL(std::string("fixture-good"), lp.info.name);
        CPPUNIT_ASSERT(lp.info.service);
        CPPUNIT_ASSERT_EQUAL(std::string(MONLIGHT_BUILD_SIGNATURE),
                             PluginLoader::signatureOf(MONLIGHT_FIXTURE_DIR "/fixture-good.so"));
    }

    void testWrongSignatureRefusedBeforeCreation()
    {
        PluginLoader loader;
        try
        {
            loader.load("fixture-bad-signature", MONLIGHT_FIXTURE_DIR "/fixture-bad-signature.so");
            CPPUNIT_FAIL("expected a StartupError");
        }
        catch (const StartupError& e)
        {
            CPPUNIT_ASSERT_EQUAL(70, e.exitCode());
            CPPUNIT_ASSERT(e.line().find("plugin error: fixture-bad-signature: not binary compatible: expected abi=" MONLIGHT_STRINGIFY(MONLIGHT_ABI_VERSION) ";") !=
                           std::string::npos);
            CPPUNIT_ASSERT(e.line().find("got abi=999") != std::string::npos);
        }
    }

    void testFindSearchesDirectoriesInOrder()
    {
        CPPUNIT_ASSERT_EQUAL(std::string(), PluginLoader::find("fixture-good", {"/nonexistent"}));
        CPPUNIT_ASSERT_EQUAL(std::string(MONLIGHT_FIXTURE_DIR "/fixture-good.so"),
                             PluginLoader::find("fixture-good", {"/nonexistent", MONLIGHT_FIXTURE_DIR}));
    }

    void testNameMustMatchFile()
    {
        PluginLoader loader;
        CPPUNIT_ASSERT_THROW(loader.load("other-name", MONLIGHT_FIXTURE_DIR "/fixture-good.so"), StartupError);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PluginLoaderTest);
