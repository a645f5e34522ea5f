#include "ConfigResolver.h"
#include "HostSchema.h"

#include <Poco/Util/MapConfiguration.h>
#include <cppunit/extensions/HelperMacros.h>

using namespace Monlight;
using namespace Monlight::Host;

class ConfigResolverTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ConfigResolverTest);
    CPPUNIT_TEST(testPrecedenceCanonicalPrefixedBareFileDefault);
    CPPUNIT_TEST(testEmptyEnvironmentCountsAsUnset);
    CPPUNIT_TEST(testAmbiguousBareNameIgnoredWithWarning);
    CPPUNIT_TEST(testRequiredKeyMessageNamesEveryWay);
    CPPUNIT_TEST(testInvalidIntegerMessage);
    CPPUNIT_TEST(testPlaceholderSecretRefused);
    CPPUNIT_TEST(testUnknownKeyInLoadedSectionIsAnError);
    CPPUNIT_TEST(testUnresolvedReferenceIsAnError);
    CPPUNIT_TEST(testAllProblemsReported);
    CPPUNIT_TEST_SUITE_END();

    static std::vector<ConfigKey> schema()
    {
        ServiceDefaults d;
        d.listen = "0.0.0.0:5010";
        d.databasePath = "errors.db";
        d.maxBodySize = 262144;
        d.rateLimit = 100;
        d.envPrefix = "ERROR_TRACKER";
        PluginInfo info;
        info.service = true;
        info.defaults = d;
        info.config.push_back(ConfigKey::string("api_key", "", "key").isRequired().isSecret().env("API_KEY"));
        info.config.push_back(ConfigKey::integer("retention_days", 90, 0, 3650, "days").env("RETENTION_DAYS"));
        return pluginSchema(info);
    }

    static Poco::AutoPtr<Poco::Util::AbstractConfiguration> file(std::map<std::string, std::string> values)
    {
        Poco::AutoPtr<Poco::Util::MapConfiguration> c(new Poco::Util::MapConfiguration);
        for (const auto& kv : values)
            c->setString(kv.first, kv.second);
        return Poco::AutoPtr<Poco::Util::AbstractConfiguration>(c.duplicate());
    }

public:
    void testPrecedenceCanonicalPrefixedBareFileDefault()
    {
        auto f = file({{"error-tracker.retention_days", "10"}, {"error-tracker.api_key", "k-from-file-0123456"}});
        std::map<std::string, std::string> env{{"MONLIGHT_ERROR_TRACKER_RETENTION_DAYS", "1"},
                                               {"ERROR_TRACKER_RETENTION_DAYS", "2"},
                                               {"RETENTION_DAYS", "3"}};
        ConfigResolver r(f, f, env, "test.properties");
        auto c = r.resolve("error-tracker", schema(), "ERROR_TRACKER", {});
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), c.getInt("retention_days"));
        env.erase("MONLIGHT_ERROR_TRACKER_RETENTION_DAYS");
        ConfigResolver r2(f, f, env, "test.properties");
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), r2.resolve("error-tracker", schema(), "ERROR_TRACKER", {}).getInt("retention_days"));
        env.erase("ERROR_TRACKER_RETENTION_DAYS");
        ConfigResolver r3(f, f, env, "test.properties");
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3), r3.resolve("error-tracker", schema(), "ERROR_TRACKER", {}).getInt("retention_days"));
        env.clear();
        ConfigResolver r4(f, f, env, "test.properties");
        CPPUNIT_ASSERT_EQUAL(std::int64_t(10), r4.resolve("error-tracker", schema(), "ERROR_TRACKER", {}).getInt("retention_days"));
        ConfigResolver r5(file({{"error-tracker.api_key", "k-from-file-0123456"}}), nullptr, env, "t");
        auto c5 = r5.resolve("error-tracker", schema(), "ERROR_TRACKER", {});
        CPPUNIT_ASSERT_EQUAL(std::int64_t(90), c5.getInt("retention_days"));
        CPPUNIT_ASSERT_EQUAL(std::string("0.0.0.0:5010"), c5.getString("listen"));
        CPPUNIT_ASSERT(r5.problems().empty());
    }

    void testEmptyEnvironmentCountsAsUnset()
    {
        auto f = file({{"error-tracker.api_key", "k-from-file-0123456"}});
        ConfigResolver r(f, f, {{"MONLIGHT_ERROR_TRACKER_API_KEY", ""}}, "t");
        auto c = r.resolve("error-tracker", schema(), "ERROR_TRACKER", {});
        CPPUNIT_ASSERT_EQUAL(std::string("k-from-file-0123456"), c.getString("api_key"));
    }

    void testAmbiguousBareNameIgnoredWithWarning()
    {
        ConfigResolver r(nullptr, nullptr, {{"API_KEY", "bare-key-0123456789"}}, "t");
        r.resolve("error-tracker", schema(), "ERROR_TRACKER", {{"API_KEY", "env API_KEY ignored: ambiguous"}});
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), r.problems().size()); // still required
        CPPUNIT_ASSERT_EQUAL(std::string("error-tracker.api_key"), r.problems()[0].key);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), r.warnings().size());
        CPPUNIT_ASSERT_EQUAL(std::string("env API_KEY ignored: ambiguous"), r.warnings()[0]);
        ConfigResolver ok(nullptr, nullptr, {{"API_KEY", "bare-key-0123456789"}}, "t");
        auto c = ok.resolve("error-tracker", schema(), "ERROR_TRACKER", {});
        CPPUNIT_ASSERT_EQUAL(std::string("bare-key-0123456789"), c.getString("api_key"));
    }

    void testRequiredKeyMessageNamesEveryWay()
    {
        ConfigResolver r(nullptr, nullptr, {}, "/etc/monlight/monlight.properties");
        r.resolve("error-tracker", schema(), "ERROR_TRACKER", {});
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), r.problems().size());
        CPPUNIT_ASSERT_EQUAL(std::string("required key is not set (set error-tracker.api_key in "
                                         "/etc/monlight/monlight.properties, or env MONLIGHT_ERROR_TRACKER_API_KEY "
                                         "or ERROR_TRACKER_API_KEY)"),
                             r.problems()[0].reason);
    }

    void testInvalidIntegerMessage()
    {
        auto f = file({{"error-tracker.api_key", "k-from-file-0123456"}, {"error-tracker.retention_days", "abc"}});
        ConfigResolver r(f, f, {}, "t");
        r.resolve("error-tracker", schema(), "ERROR_TRACKER", {});
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), r.problems().size());
        CPPUNIT_ASSERT_EQUAL(std::string("error-tracker.retention_days"), r.problems()[0].key);
        CPPUNIT_ASSERT_EQUAL(std::string("invalid value \"abc\": expected an integer from 0 to 3650"),
                             r.problems()[0].reason);
    }

    void testPlaceholderSecretRefused()
    {
        ConfigResolver r(nullptr, nullptr, {{"ERROR_TRACKER_API_KEY", "change-me-please-now"}}, "t");
        r.resolve("error-tracker", schema(), "ERROR_TRACKER", {});
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), r.problems().size());
        CPPUNIT_ASSERT_EQUAL(std::string("placeholder value \"change-me-...\" must be replaced"), r.problems()[0].reason);
    }

    void testUnknownKeyInLoadedSectionIsAnError()
    {
        auto f = file({{"error-tracker.api_key", "k-from-file-0123456"},
                       {"error-tracker.retention_dayz", "3"},
                       {"log-viewer.poll_interval", "2"}});
        ConfigResolver r(f, f, {}, "t");
        r.resolve("error-tracker", schema(), "ERROR_TRACKER", {});
        r.checkUnknown({{"host", hostSchema()}, {"error-tracker", schema()}});
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), r.problems().size());
        CPPUNIT_ASSERT_EQUAL(std::string("error-tracker.retention_dayz"), r.problems()[0].key);
        CPPUNIT_ASSERT_EQUAL(std::string("unknown key"), r.problems()[0].reason);
        bool warned = false;
        for (const auto& w : r.warnings())
            warned = warned || w.find("log-viewer") != std::string::npos;
        CPPUNIT_ASSERT(warned);
    }

    void testUnresolvedReferenceIsAnError()
    {
        auto f = file({{"error-tracker.api_key", "${nothing.here}"}});
        ConfigResolver r(f, f, {}, "t");
        r.resolve("error-tracker", schema(), "ERROR_TRACKER", {});
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), r.problems().size());
        CPPUNIT_ASSERT(r.problems()[0].reason.find("unresolved reference") != std::string::npos);
    }

    void testAllProblemsReported()
    {
        auto f = file({{"error-tracker.retention_days", "-5"}, {"error-tracker.max_threads", "0"}});
        ConfigResolver r(f, f, {}, "t");
        r.resolve("error-tracker", schema(), "ERROR_TRACKER", {});
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), r.problems().size());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ConfigResolverTest);
