#include "ErrorRoutes.h"
#include "ErrorTrackerConfig.h"

#include "Monlight/HttpError.h"
#include <cppunit/extensions/HelperMacros.h>

using namespace Monlight;
using namespace Monlight::ErrorTracker;

namespace
{

std::string filterError(const std::string& query)
{
    try
    {
        ErrorRoutes::parseFilter(QueryParams(query), 1000000000000);
    }
    catch (const HttpError& e)
    {
        CPPUNIT_ASSERT_EQUAL(400, e.status());
        return e.detail();
    }
    return "";
}

} // namespace

class ErrorRoutesTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ErrorRoutesTest);
    CPPUNIT_TEST(testFilterDefaults);
    CPPUNIT_TEST(testFilterValues);
    CPPUNIT_TEST(testInvalidParameters);
    CPPUNIT_TEST(testConfigCrossKeyRules);
    CPPUNIT_TEST(testEmailValidation);
    CPPUNIT_TEST_SUITE_END();

public:
    void testFilterDefaults()
    {
        ErrorFilter f = ErrorRoutes::parseFilter(QueryParams(""), 0);
        CPPUNIT_ASSERT(f.resolved && !*f.resolved);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(50), f.limit);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), f.offset);
        CPPUNIT_ASSERT_EQUAL(std::string("last_seen"), f.sort);
        ErrorFilter g = ErrorRoutes::parseFilter(QueryParams("limit=1000&offset=-3&resolved="), 0);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(200), g.limit);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), g.offset);
        CPPUNIT_ASSERT(g.resolved && !*g.resolved);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(50), ErrorRoutes::parseFilter(QueryParams("limit=abc"), 0).limit);
    }

    void testFilterValues()
    {
        ErrorFilter f = ErrorRoutes::parseFilter(
            QueryParams("project=a+b&environment=prod&resolved=all&search=foo+%2F&source=browser&session_id=s"
                        "&since=2026-01-01&until=1700000000&sort=count"),
            0);
        CPPUNIT_ASSERT_EQUAL(std::string("a b"), *f.project);
        CPPUNIT_ASSERT(!f.resolved);
        CPPUNIT_ASSERT_EQUAL(std::string("\"foo\""), *f.fts);
        CPPUNIT_ASSERT_EQUAL(std::string("browser"), *f.source);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1767225600000), *f.since);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1700000000000), *f.until);
        CPPUNIT_ASSERT_EQUAL(std::string("count"), f.sort);
        CPPUNIT_ASSERT(*ErrorRoutes::parseFilter(QueryParams("resolved=1"), 0).resolved);
        CPPUNIT_ASSERT(ErrorRoutes::parseFilter(QueryParams("search=%2F"), 0).matchNothing);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1000000000000 - 15 * 60000),
                             *ErrorRoutes::parseFilter(QueryParams("since=15m"), 1000000000000).since);
    }

    void testInvalidParameters()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("Invalid parameter: resolved"), filterError("resolved=maybe"));
        CPPUNIT_ASSERT_EQUAL(std::string("Invalid parameter: source"), filterError("source=mobile"));
        CPPUNIT_ASSERT_EQUAL(std::string("Invalid parameter: since"), filterError("since=yesterday"));
        CPPUNIT_ASSERT_EQUAL(std::string("Invalid parameter: until"), filterError("until=2026-13-45"));
        CPPUNIT_ASSERT_EQUAL(std::string("Invalid parameter: sort"), filterError("sort=id"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), filterError("unknown=1&limit=0"));
    }

    void testConfigCrossKeyRules()
    {
        std::map<std::string, std::string> v = {{"postmark_api_token", "tok"},
                                                {"postmark_from_email", ""},
                                                {"alert_emails", "ops@x.com, bad address"},
                                                {"alert_on", "new,sometimes"},
                                                {"alert_webhook_url", "ftp://x"}};
        std::vector<std::pair<std::string, std::string>> problems;
        std::vector<std::string> warnings;
        ErrorTrackerConfig::validate(PluginConfig("error-tracker", v), problems, &warnings);
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), problems.size());
        CPPUNIT_ASSERT_EQUAL(std::string("postmark_from_email"), problems[0].first);
        CPPUNIT_ASSERT_EQUAL(std::string("alert_emails"), problems[1].first);
        CPPUNIT_ASSERT_EQUAL(std::string("alert_on"), problems[2].first);
        CPPUNIT_ASSERT_EQUAL(std::string("alert_webhook_url"), problems[3].first);

        problems.clear();
        warnings.clear();
        ErrorTrackerConfig::validate(PluginConfig("error-tracker", {{"smtp_host", "mail"}}), problems,
                                     &warnings);
        CPPUNIT_ASSERT(problems.empty());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), warnings.size());
    }

    void testEmailValidation()
    {
        CPPUNIT_ASSERT(ErrorTrackerConfig::isValidEmail("a@x.com"));
        CPPUNIT_ASSERT(ErrorTrackerConfig::isValidEmail("first.last+tag@sub.example.org"));
        CPPUNIT_ASSERT(!ErrorTrackerConfig::isValidEmail("ax.com"));
        CPPUNIT_ASSERT(!ErrorTrackerConfig::isValidEmail("a@"));
        CPPUNIT_ASSERT(!ErrorTrackerConfig::isValidEmail("@x.com"));
        CPPUNIT_ASSERT(!ErrorTrackerConfig::isValidEmail("a@b@c"));
        CPPUNIT_ASSERT(!ErrorTrackerConfig::isValidEmail("a b@x.com"));
        CPPUNIT_ASSERT(!ErrorTrackerConfig::isValidEmail("a@x.com\r\nBcc: z@y"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ErrorRoutesTest);
