// The contract rules the SDK owns for every plugin: hex digits, decimal ids, UTF-8 encoding and sanitising,
// control characters, RFC 3339 dates, optional times and error bodies. Each rule has one implementation; these
// tests pin it.
#include "Monlight/Http.h"
#include "Monlight/HttpError.h"
#include "Monlight/Json.h"
#include "Monlight/Services.h"
#include "Monlight/Text.h"
#include "Monlight/Time.h"
#include <cppunit/extensions/HelperMacros.h>

using namespace Monlight;

class SdkRulesTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(SdkRulesTest);
    CPPUNIT_TEST(testHexDigits);
    CPPUNIT_TEST(testDecimalDigits);
    CPPUNIT_TEST(testAppendUtf8);
    CPPUNIT_TEST(testControlChars);
    CPPUNIT_TEST(testIdRules);
    CPPUNIT_TEST(testSanitizeUtf8);
    CPPUNIT_TEST(testSanitizeAgreesWithValidation);
    CPPUNIT_TEST(testRfc3339RejectsDaysTheMonthLacks);
    CPPUNIT_TEST(testRfc3339Fractions);
    CPPUNIT_TEST(testOptionalTime);
    CPPUNIT_TEST(testDetailBody);
    CPPUNIT_TEST_SUITE_END();

public:
    void testHexDigits()
    {
        CPPUNIT_ASSERT_EQUAL(0, Text::hexValue('0'));
        CPPUNIT_ASSERT_EQUAL(9, Text::hexValue('9'));
        CPPUNIT_ASSERT_EQUAL(10, Text::hexValue('a'));
        CPPUNIT_ASSERT_EQUAL(15, Text::hexValue('F'));
        CPPUNIT_ASSERT_EQUAL(-1, Text::hexValue('g'));
        CPPUNIT_ASSERT_EQUAL(-1, Text::hexValue('/'));
        CPPUNIT_ASSERT_EQUAL(-1, Text::hexValue('\xC0'));
        std::uint32_t v = 0;
        CPPUNIT_ASSERT(Text::readHex4("x00aF", 1, v));
        CPPUNIT_ASSERT_EQUAL(std::uint32_t(0xAF), v);
        CPPUNIT_ASSERT(Text::readHex4("D83D", 0, v));
        CPPUNIT_ASSERT_EQUAL(std::uint32_t(0xD83D), v);
        CPPUNIT_ASSERT(!Text::readHex4("12g4", 0, v));
        CPPUNIT_ASSERT(!Text::readHex4("123", 0, v));
        CPPUNIT_ASSERT(!Text::readHex4("1234", 1, v));
    }

    void testDecimalDigits()
    {
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), *Text::parseDigits("0"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(42), *Text::parseDigits("0042"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(999999999999999999), *Text::parseDigits("999999999999999999"));
        CPPUNIT_ASSERT(!Text::parseDigits("1234567890123456789"));
        CPPUNIT_ASSERT(!Text::parseDigits(""));
        CPPUNIT_ASSERT(!Text::parseDigits("+1"));
        CPPUNIT_ASSERT(!Text::parseDigits(" 1"));
        CPPUNIT_ASSERT(!Text::parseDigits("1.0"));
        CPPUNIT_ASSERT(!Text::parseDigits("12345", 4));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1234), *Text::parseDigits("1234", 4));
    }

    void testAppendUtf8()
    {
        // One case per encoded length, at both ends of each range; the result is checked against literal bytes
        // and against the SDK's own UTF-8 validation.
        const std::pair<std::uint32_t, std::string> cases[] = {
            {0x00, std::string(1, '\0')},
            {0x41, "A"},
            {0x7F, "\x7F"},
            {0x80, "\xC2\x80"},
            {0xE9, "\xC3\xA9"},
            {0x7FF, "\xDF\xBF"},
            {0x800, "\xE0\xA0\x80"},
            {0xFFFD, "\xEF\xBF\xBD"},
            {0xFFFF, "\xEF\xBF\xBF"},
            {0x10000, "\xF0\x90\x80\x80"},
            {0x1F600, "\xF0\x9F\x98\x80"},
            {0x10FFFF, "\xF4\x8F\xBF\xBF"},
        };
        for (const auto& [cp, bytes] : cases)
        {
            std::string out = "x";
            Text::appendUtf8(out, cp);
            CPPUNIT_ASSERT_EQUAL("x" + bytes, out);
            CPPUNIT_ASSERT(Json::isValidUtf8(out));
        }
    }

    void testControlChars()
    {
        CPPUNIT_ASSERT(!Text::hasControlChars(""));
        CPPUNIT_ASSERT(!Text::hasControlChars("web-1 café ~ \xE2\x82\xAC"));
        CPPUNIT_ASSERT(Text::hasControlChars(std::string("a\0b", 3)));
        CPPUNIT_ASSERT(Text::hasControlChars("a\x1F"));
        CPPUNIT_ASSERT(Text::hasControlChars("\tx"));
        CPPUNIT_ASSERT(Text::hasControlChars("a\x7F"));
        CPPUNIT_ASSERT(!Text::hasControlChars("\x20~"));
        // C1: U+0080 and U+009F are control characters, U+00A0 (C2 A0) and U+00E9 (C3 A9) are not
        CPPUNIT_ASSERT(Text::hasControlChars("x\xC2\x80"));
        CPPUNIT_ASSERT(Text::hasControlChars("x\xC2\x9F"));
        CPPUNIT_ASSERT(!Text::hasControlChars("x\xC2\xA0"));
        CPPUNIT_ASSERT(!Text::hasControlChars("x\xC3\xA9"));
        // a lone C2 at the end is not read past the text
        CPPUNIT_ASSERT(!Text::hasControlChars(std::string_view("x\xC2\x80", 2)));
    }

    void testIdRules()
    {
        CPPUNIT_ASSERT_EQUAL(std::int64_t(7), *parseId("7"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(7), *parseId("007"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(999999999999999999), *parseId("999999999999999999"));
        CPPUNIT_ASSERT(!parseId("0"));
        CPPUNIT_ASSERT(!parseId("000"));
        CPPUNIT_ASSERT(!parseId("-1"));
        CPPUNIT_ASSERT(!parseId("1e3"));
        CPPUNIT_ASSERT(!parseId(""));
        CPPUNIT_ASSERT(!parseId("9999999999999999999"));
        CPPUNIT_ASSERT(!parseId("\xd9\xa1")); // Arabic-Indic digit one
    }

    void testSanitizeUtf8()
    {
        const std::string fffd = "\xEF\xBF\xBD";
        CPPUNIT_ASSERT_EQUAL(std::string("plain"), Json::sanitizeUtf8("plain"));
        CPPUNIT_ASSERT_EQUAL(std::string("\xE2\x82\xAC"), Json::sanitizeUtf8("\xE2\x82\xAC"));
        CPPUNIT_ASSERT_EQUAL(std::string("\xF0\x9F\x98\x80"), Json::sanitizeUtf8("\xF0\x9F\x98\x80"));
        CPPUNIT_ASSERT_EQUAL("a" + fffd + "b", Json::sanitizeUtf8("a\xFF"
                                                                  "b"));
        // One U+FFFD per byte of an invalid sequence: a surrogate, an overlong, a code point above U+10FFFF.
        CPPUNIT_ASSERT_EQUAL(fffd + fffd + fffd, Json::sanitizeUtf8("\xED\xA0\x80"));
        CPPUNIT_ASSERT_EQUAL(fffd + fffd, Json::sanitizeUtf8("\xC0\xAF"));
        CPPUNIT_ASSERT_EQUAL(fffd + fffd + fffd + fffd, Json::sanitizeUtf8("\xF4\x90\x80\x80"));
        // A truncated sequence at the end, and a lead byte followed by ASCII.
        CPPUNIT_ASSERT_EQUAL("x" + fffd + fffd, Json::sanitizeUtf8("x\xE2\x82"));
        CPPUNIT_ASSERT_EQUAL(fffd + "A", Json::sanitizeUtf8("\xC3"
                                                            "A"));
        CPPUNIT_ASSERT_EQUAL(std::string(""), Json::sanitizeUtf8(""));
    }

    void testSanitizeAgreesWithValidation()
    {
        // Every one- and two-byte input and every three-byte input starting with a lead byte: valid input is kept
        // as it is, anything else becomes valid.
        std::string s;
        for (int a = 0; a < 256; ++a)
            for (int b = 0; b < 256; ++b)
                for (int c : {0x41, 0x80, 0x9F, 0xA0, 0xBF, 0xC0})
                {
                    s = {static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)};
                    for (std::size_t n : {1, 2, 3})
                    {
                        std::string_view in(s.data(), n);
                        const std::string out = Json::sanitizeUtf8(in);
                        CPPUNIT_ASSERT(Json::isValidUtf8(out));
                        if (Json::isValidUtf8(in))
                            CPPUNIT_ASSERT(out == in);
                    }
                }
    }

    void testRfc3339RejectsDaysTheMonthLacks()
    {
        CPPUNIT_ASSERT(!Time::parseRfc3339("2026-02-31T00:00:00Z"));
        CPPUNIT_ASSERT(!Time::parseRfc3339("2026-02-29T00:00:00Z"));
        CPPUNIT_ASSERT(!Time::parseRfc3339("2100-02-29T00:00:00Z"));
        CPPUNIT_ASSERT(!Time::parseRfc3339("2026-04-31T00:00:00Z"));
        CPPUNIT_ASSERT(!Time::parseRfc3339("2026-13-01T00:00:00Z"));
        CPPUNIT_ASSERT(!Time::parseRfc3339("2026-01-00T00:00:00Z"));
        CPPUNIT_ASSERT(Time::parseRfc3339("2024-02-29T00:00:00Z"));
        CPPUNIT_ASSERT(Time::parseRfc3339("2000-02-29T00:00:00Z"));
        CPPUNIT_ASSERT(Time::parseRfc3339("2026-01-31T00:00:00Z"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(951782400000), *Time::parseRfc3339("2000-02-29T00:00:00Z"));
    }

    void testRfc3339Fractions()
    {
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), *Time::parseRfc3339("1970-01-01T00:00:00Z"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1999), *Time::parseRfc3339("1970-01-01T00:00:01.999999999Z"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3600000), *Time::parseRfc3339("1970-01-01T02:00:00+01:00"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1500), *Time::parseRfc3339("1970-01-01 00:00:01.5z"));
        CPPUNIT_ASSERT(!Time::parseRfc3339("1970-01-01T00:00:00.Z"));
        CPPUNIT_ASSERT(!Time::parseRfc3339("1970-01-01T00:00:00+01"));
        CPPUNIT_ASSERT(!Time::parseRfc3339("yesterday"));
    }

    void testOptionalTime()
    {
        CPPUNIT_ASSERT(!Time::formatMs(std::optional<std::int64_t>()));
        CPPUNIT_ASSERT_EQUAL(std::string("1970-01-01T00:00:01.500Z"),
                             *Time::formatMs(std::optional<std::int64_t>(1500)));
        Json::Writer w;
        w.beginObject()
            .field("a", Time::formatMs(std::optional<std::int64_t>()))
            .field("b", Time::formatMs(std::optional<std::int64_t>(0)))
            .endObject();
        CPPUNIT_ASSERT_EQUAL(std::string("{\"a\":null,\"b\":\"1970-01-01T00:00:00.000Z\"}"), w.str());
    }

    void testDetailBody()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("{\"detail\":\"Not found\"}"), HttpError::detailBody("Not found"));
        CPPUNIT_ASSERT_EQUAL(std::string("{\"detail\":\"a\\\"b\",\"x\":1}"), HttpError::detailBody("a\"b", ",\"x\":1"));
        HttpError e = HttpError(429, "Too many requests").retryAfter(3);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"detail\":\"Too many requests\",\"retry_after\":3}"), e.body());
        IngestReply r = IngestReply::fromError(HttpError(400, "Invalid JSON").index(2));
        CPPUNIT_ASSERT_EQUAL(400, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"detail\":\"Invalid JSON\",\"index\":2}"), r.body);
        r = IngestReply::fromError(e);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), r.headers.size());
        CPPUNIT_ASSERT_EQUAL(std::string("Retry-After"), r.headers[0].first);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SdkRulesTest);
