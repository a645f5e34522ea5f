#include "RelaySettings.h"
#include <cppunit/extensions/HelperMacros.h>
#include <set>

using namespace Monlight;
using namespace Monlight::BrowserRelay;

namespace
{

using Problems = std::vector<std::pair<std::string, std::string>>;

Problems validate(std::map<std::string, std::string> values, const std::vector<std::string>& loaded)
{
    PluginConfig config("browser-relay", std::move(values));
    Problems problems;
    RelaySettings::validate(config, loaded, problems);
    return problems;
}

bool hasProblem(const Problems& p, const std::string& key, const std::string& reasonPart)
{
    for (const auto& [k, r] : p)
        if (k == key && r.find(reasonPart) != std::string::npos)
            return true;
    return false;
}

const std::vector<std::string> ALL = {"common", "error-tracker", "metrics-collector", "browser-relay"};
const std::vector<std::string> RELAY_ONLY = {"common", "browser-relay"};

} // namespace

class RelaySettingsTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(RelaySettingsTest);
    CPPUNIT_TEST(testAutoWithTargetsLoadedNeedsNoUrls);
    CPPUNIT_TEST(testAutoWithoutTargetsNeedsUrlsAndKeys);
    CPPUNIT_TEST(testInProcessNeedsLoadedTargets);
    CPPUNIT_TEST(testHttpNeedsUrlsEvenWhenLoaded);
    CPPUNIT_TEST(testMalformedSeedKeysAndEnvironment);
    CPPUNIT_TEST(testSchemaDeclaresEverySection19Key);
    CPPUNIT_TEST_SUITE_END();

public:
    void testAutoWithTargetsLoadedNeedsNoUrls()
    {
        CPPUNIT_ASSERT(validate({{"forward_mode", "auto"}}, ALL).empty());
        CPPUNIT_ASSERT(RelaySettings::inProcess("auto", "error-tracker", ALL));
        CPPUNIT_ASSERT(!RelaySettings::inProcess("auto", "error-tracker", RELAY_ONLY));
    }

    void testAutoWithoutTargetsNeedsUrlsAndKeys()
    {
        const auto p = validate({{"forward_mode", "auto"}}, RELAY_ONLY);
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), p.size());
        CPPUNIT_ASSERT(
            hasProblem(p, "error_tracker_url",
                       "required key is not set (needed because error-tracker is not loaded in this host)"));
        CPPUNIT_ASSERT(hasProblem(p, "error_tracker_api_key", "needed because error-tracker is not loaded"));
        CPPUNIT_ASSERT(
            hasProblem(p, "metrics_collector_url", "needed because metrics-collector is not loaded"));
        CPPUNIT_ASSERT(hasProblem(p, "metrics_collector_api_key", "required key is not set"));
        // only the missing target's keys are needed
        const auto q = validate({{"forward_mode", "auto"}}, {"common", "error-tracker", "browser-relay"});
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), q.size());
        const auto r = validate({{"forward_mode", "auto"},
                                 {"error_tracker_url", "ftp://x"},
                                 {"error_tracker_api_key", "k"},
                                 {"metrics_collector_url", "https://metrics.example.com/metrics-collector"},
                                 {"metrics_collector_api_key", "k"}},
                                RELAY_ONLY);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), r.size()); // https:// is accepted, ftp:// is not
        CPPUNIT_ASSERT(hasProblem(r, "error_tracker_url", "http://"));
    }

    void testInProcessNeedsLoadedTargets()
    {
        const auto p = validate({{"forward_mode", "in-process"}}, RELAY_ONLY);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), p.size());
        CPPUNIT_ASSERT(hasProblem(p, "forward_mode", "error-tracker"));
        CPPUNIT_ASSERT(hasProblem(p, "forward_mode", "metrics-collector"));
        CPPUNIT_ASSERT(validate({{"forward_mode", "in-process"}}, ALL).empty());
    }

    void testHttpNeedsUrlsEvenWhenLoaded()
    {
        const auto p = validate({{"forward_mode", "http"}}, ALL);
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), p.size());
        CPPUNIT_ASSERT(hasProblem(p, "error_tracker_url", "required key is not set"));
    }

    void testMalformedSeedKeysAndEnvironment()
    {
        CPPUNIT_ASSERT(validate({{"dsn_keys", "shop:abcdefgh12,blog:zyxwvuts"}}, ALL).empty());
        CPPUNIT_ASSERT(hasProblem(validate({{"dsn_keys", "shop:abc"}}, ALL), "dsn_keys", "key must be"));
        CPPUNIT_ASSERT(hasProblem(validate({{"dsn_keys", "nocolon"}}, ALL), "dsn_keys", "malformed"));
        CPPUNIT_ASSERT(hasProblem(validate({{"default_environment", std::string(51, 'e')}}, ALL),
                                  "default_environment", "1-50"));
    }

    void testSchemaDeclaresEverySection19Key()
    {
        const auto schema = RelaySettings::schema();
        std::set<std::string> names;
        for (const auto& k : schema)
            names.insert(k.name);
        for (const char* key :
             {"admin_api_key", "forward_mode", "error_tracker_url", "error_tracker_api_key",
              "metrics_collector_url", "metrics_collector_api_key", "forward_timeout_ms", "forward_pool_size",
              "forward_tls_verify", "cors_origins", "max_source_map_size", "dsn_rate_limit", "admin_rate_limit", "retention_days",
              "dsn_keys", "default_environment", "source_map_cache_mb", "normalize_page_ids", "public_url",
              "sentry_max_body", "sentry_max_decompressed"})
            CPPUNIT_ASSERT_MESSAGE(key, names.count(key) == 1);
        CPPUNIT_ASSERT_EQUAL(std::size_t(21), schema.size());
        CPPUNIT_ASSERT(schema[0].required && schema[0].secret);
        CPPUNIT_ASSERT_EQUAL(std::string("ADMIN_API_KEY"), schema[0].envName);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RelaySettingsTest);
