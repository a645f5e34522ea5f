#include "ErrorReport.h"

#include "Monlight/HttpError.h"
#include <cppunit/extensions/HelperMacros.h>

using Monlight::HttpError;
using Monlight::ErrorTracker::ErrorReport;

namespace
{

/// The `detail` of the 400 that parsing `body` throws, or "" when it parses.
std::string rejection(const std::string& body)
{
    try
    {
        ErrorReport::parse(body, "prod");
    }
    catch (const HttpError& e)
    {
        CPPUNIT_ASSERT_EQUAL(400, e.status());
        return e.detail();
    }
    return "";
}

const std::string MINIMAL = R"({"project":"p","exception_type":"E","message":"m","traceback":"t")";

} // namespace

class ErrorReportTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ErrorReportTest);
    CPPUNIT_TEST(testBodyLevelErrors);
    CPPUNIT_TEST(testRequiredFieldsInOrder);
    CPPUNIT_TEST(testWrongTypeCountsAsMissing);
    CPPUNIT_TEST(testLengthRules);
    CPPUNIT_TEST(testEnvironmentDefaultAndLimit);
    CPPUNIT_TEST(testOptionalFieldsStoredAndTruncated);
    CPPUNIT_TEST(testUserIdNumberAndWrongTypes);
    CPPUNIT_TEST(testEmptyMessageAndTracebackAccepted);
    CPPUNIT_TEST_SUITE_END();

public:
    void testBodyLevelErrors()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("Empty request body"), rejection(""));
        CPPUNIT_ASSERT_EQUAL(std::string("Empty request body"), rejection("  \n"));
        CPPUNIT_ASSERT_EQUAL(std::string("Invalid JSON"), rejection("{"));
        CPPUNIT_ASSERT_EQUAL(std::string("Invalid JSON"), rejection(MINIMAL + "} x"));
        CPPUNIT_ASSERT_EQUAL(std::string("Invalid JSON"), rejection("{\"project\":\"\xff\"}"));
        CPPUNIT_ASSERT_EQUAL(std::string("Invalid JSON"), rejection(MINIMAL + ",\"extra\":{\"n\":1e400}}"));
        CPPUNIT_ASSERT_EQUAL(std::string("Request body must be a JSON object"), rejection("[1]"));
    }

    void testRequiredFieldsInOrder()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("Missing required field: project"), rejection("{}"));
        CPPUNIT_ASSERT_EQUAL(
            std::string("Missing required field: project"),
            rejection(R"({"project":null,"exception_type":"E","message":"m","traceback":"t"})"));
        CPPUNIT_ASSERT_EQUAL(std::string("Missing required field: exception_type"),
                             rejection(R"({"project":"","message":"m"})"));
        CPPUNIT_ASSERT_EQUAL(std::string("Missing required field: message"),
                             rejection(R"({"project":"p","exception_type":"E","traceback":"t"})"));
        CPPUNIT_ASSERT_EQUAL(std::string("Missing required field: traceback"),
                             rejection(R"({"project":"p","exception_type":"E","message":"m"})"));
    }

    void testWrongTypeCountsAsMissing()
    {
        CPPUNIT_ASSERT_EQUAL(
            std::string("Missing required field: project"),
            rejection(R"({"project":5,"exception_type":"E","message":"m","traceback":"t"})"));
        CPPUNIT_ASSERT_EQUAL(
            std::string("Missing required field: traceback"),
            rejection(R"({"project":"p","exception_type":"E","message":"m","traceback":[]})"));
    }

    void testLengthRules()
    {
        std::string p100(100, 'p'), p101(101, 'p');
        CPPUNIT_ASSERT_EQUAL(
            std::string("Field 'project' must be 1-100 characters"),
            rejection(R"({"project":"","exception_type":"","message":"m","traceback":"t"})"));
        CPPUNIT_ASSERT_EQUAL(std::string("Field 'project' must be 1-100 characters"),
                             rejection("{\"project\":\"" + p101 +
                                       "\",\"exception_type\":\"E\",\"message\":\"m\",\"traceback\":\"t\"}"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), rejection("{\"project\":\"" + p100 +
                                                        "\",\"exception_type\":\"E\",\"message\":\"\","
                                                        "\"traceback\":\"\"}"));
        // 100 two-byte characters are 100 chars, not 200.
        std::string umlauts;
        for (int i = 0; i < 100; ++i)
            umlauts += "\xc3\xa4";
        CPPUNIT_ASSERT_EQUAL(std::string(""), rejection("{\"project\":\"" + umlauts +
                                                        "\",\"exception_type\":\"E\",\"message\":\"m\","
                                                        "\"traceback\":\"t\"}"));
        CPPUNIT_ASSERT_EQUAL(
            std::string("Field 'exception_type' must be 1-200 characters"),
            rejection(R"({"project":"p","exception_type":"","message":"m","traceback":"t"})"));
        CPPUNIT_ASSERT_EQUAL(std::string("Field 'exception_type' must be 1-200 characters"),
                             rejection("{\"project\":\"p\",\"exception_type\":\"" + std::string(201, 'E') +
                                       "\",\"message\":\"m\",\"traceback\":\"t\"}"));
    }

    void testEnvironmentDefaultAndLimit()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("prod"), ErrorReport::parse(MINIMAL + "}", "prod").environment);
        CPPUNIT_ASSERT_EQUAL(std::string("prod"),
                             ErrorReport::parse(MINIMAL + ",\"environment\":\"\"}", "prod").environment);
        CPPUNIT_ASSERT_EQUAL(std::string("prod"),
                             ErrorReport::parse(MINIMAL + ",\"environment\":7}", "prod").environment);
        CPPUNIT_ASSERT_EQUAL(
            std::string("staging"),
            ErrorReport::parse(MINIMAL + ",\"environment\":\"staging\"}", "prod").environment);
        CPPUNIT_ASSERT_EQUAL(std::string("Field 'environment' must be 1-50 characters"),
                             rejection(MINIMAL + ",\"environment\":\"" + std::string(51, 'e') + "\"}"));
    }

    void testOptionalFieldsStoredAndTruncated()
    {
        ErrorReport r = ErrorReport::parse(
            MINIMAL + ",\"request_url\":\"" + std::string(3000, 'u') +
                "\",\"request_method\":\"BROWSERBROWSERBROWSER\",\"request_headers\":{\"a\": [1, 2]},"
                "\"extra\":{\"session_id\":\"s1\",\"k\":\"v\"}}",
            "prod");
        CPPUNIT_ASSERT_EQUAL(std::size_t(2048), r.requestUrl->size());
        CPPUNIT_ASSERT_EQUAL(std::string("BROWSERBROWSERBR"), *r.requestMethod);
        CPPUNIT_ASSERT(!r.fromBrowser());
        CPPUNIT_ASSERT_EQUAL(std::string("{\"a\":[1,2]}"), *r.requestHeaders);
        CPPUNIT_ASSERT_EQUAL(std::string("s1"), *r.sessionId);
        CPPUNIT_ASSERT(r.extra->find("\"k\":\"v\"") != std::string::npos);

        ErrorReport b =
            ErrorReport::parse(MINIMAL + ",\"request_method\":\"BROWSER\",\"extra\":\"text\"}", "prod");
        CPPUNIT_ASSERT(b.fromBrowser());
        CPPUNIT_ASSERT_EQUAL(std::string("\"text\""), *b.extra);
        CPPUNIT_ASSERT(!b.sessionId);
        CPPUNIT_ASSERT(!b.requestHeaders);

        ErrorReport c =
            ErrorReport::parse(MINIMAL + ",\"extra\":{\"session_id\":5},\"request_headers\":null}", "p");
        CPPUNIT_ASSERT(!c.sessionId);
        CPPUNIT_ASSERT(!c.requestHeaders);
    }

    void testUserIdNumberAndWrongTypes()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("42"),
                             *ErrorReport::parse(MINIMAL + ",\"user_id\":42}", "p").userId);
        CPPUNIT_ASSERT_EQUAL(std::string("u1"),
                             *ErrorReport::parse(MINIMAL + ",\"user_id\":\"u1\"}", "p").userId);
        CPPUNIT_ASSERT(!ErrorReport::parse(MINIMAL + ",\"user_id\":true}", "p").userId);
        CPPUNIT_ASSERT(!ErrorReport::parse(MINIMAL + ",\"user_id\":{}}", "p").userId);
        CPPUNIT_ASSERT_EQUAL(
            std::size_t(200),
            ErrorReport::parse(MINIMAL + ",\"user_id\":\"" + std::string(300, 'x') + "\"}", "p")
                .userId->size());
    }

    void testEmptyMessageAndTracebackAccepted()
    {
        ErrorReport r =
            ErrorReport::parse(R"({"project":"p","exception_type":"E","message":"","traceback":""})", "p");
        CPPUNIT_ASSERT_EQUAL(std::string(""), r.message);
        CPPUNIT_ASSERT_EQUAL(std::string(""), r.traceback);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ErrorReportTest);
