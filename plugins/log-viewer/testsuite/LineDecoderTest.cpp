#include "LineDecoder.h"

#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>

using Monlight::LogViewer::DockerRecord;
using Monlight::LogViewer::LineDecoder;

class LineDecoderTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(LineDecoderTest);
    CPPUNIT_TEST(testDecodesEscapesIntoText);
    CPPUNIT_TEST(testStreamDefaultsToStdout);
    CPPUNIT_TEST(testTimeWithNanoseconds);
    CPPUNIT_TEST(testMissingOrBadTimeIsIngestTime);
    CPPUNIT_TEST(testRejectsNonObjectsAndMissingLog);
    CPPUNIT_TEST(testPartialDetection);
    CPPUNIT_TEST(testCleanTextStripsOneNewlineAndCr);
    CPPUNIT_TEST(testInvalidUtf8Replaced);
    CPPUNIT_TEST(testAnsiSequencesStripped);
    CPPUNIT_TEST(testUtf8Cut);
    CPPUNIT_TEST(testFastPathAndFallbackAgree);
    CPPUNIT_TEST_SUITE_END();

public:
    void testDecodesEscapesIntoText()
    {
        auto r = LineDecoder::decode(
            R"({"log":"say \"hi\"\tthere \u00e9 \\o/\n","stream":"stderr","time":"2026-11-25T10:00:00.123456789Z"})",
            5);
        CPPUNIT_ASSERT(r);
        CPPUNIT_ASSERT_EQUAL(std::string("say \"hi\"\tthere \xC3\xA9 \\o/\n"), r->log);
        CPPUNIT_ASSERT(r->isStderr);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1795600800123), r->timeMs);
    }

    void testStreamDefaultsToStdout()
    {
        CPPUNIT_ASSERT(!LineDecoder::decode(R"({"log":"x\n"})", 0)->isStderr);
        CPPUNIT_ASSERT(!LineDecoder::decode(R"({"log":"x\n","stream":"other"})", 0)->isStderr);
        CPPUNIT_ASSERT(!LineDecoder::decode(R"({"log":"x\n","stream":7})", 0)->isStderr);
    }

    void testTimeWithNanoseconds()
    {
        auto timeOf = [](const std::string& time) {
            return LineDecoder::decode(R"({"log":"x\n","time":")" + time + "\"}", 42)->timeMs;
        };
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), timeOf("1970-01-01T00:00:00Z"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1999), timeOf("1970-01-01T00:00:01.999999999Z"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(3600000), timeOf("1970-01-01T02:00:00+01:00"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(42), timeOf("1970-01-01T00:00:00.Z"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(42), timeOf("yesterday"));
        // The SDK's rule: a day the month does not have is not a time (it used to read as 3 March).
        CPPUNIT_ASSERT_EQUAL(std::int64_t(42), timeOf("2026-02-31T00:00:00Z"));
    }

    void testMissingOrBadTimeIsIngestTime()
    {
        CPPUNIT_ASSERT_EQUAL(std::int64_t(42), LineDecoder::decode(R"({"log":"x\n"})", 42)->timeMs);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(42),
                             LineDecoder::decode(R"({"log":"x\n","time":"soon"})", 42)->timeMs);
    }

    void testRejectsNonObjectsAndMissingLog()
    {
        CPPUNIT_ASSERT(!LineDecoder::decode("plain text", 0));
        CPPUNIT_ASSERT(!LineDecoder::decode("[1,2]", 0));
        CPPUNIT_ASSERT(!LineDecoder::decode(R"({"stream":"stdout"})", 0));
        CPPUNIT_ASSERT(!LineDecoder::decode(R"({"log":5})", 0));
        CPPUNIT_ASSERT(!LineDecoder::decode(R"({"log":"x")", 0));
        CPPUNIT_ASSERT(!LineDecoder::decode("", 0));
    }

    void testPartialDetection()
    {
        DockerRecord r;
        r.log = "abc";
        CPPUNIT_ASSERT(LineDecoder::isPartial(r));
        r.log = "abc\n";
        CPPUNIT_ASSERT(!LineDecoder::isPartial(r));
    }

    void testCleanTextStripsOneNewlineAndCr()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("a"), LineDecoder::cleanText("a\r\n", true));
        CPPUNIT_ASSERT_EQUAL(std::string("a\n"), LineDecoder::cleanText("a\n\n", true));
        CPPUNIT_ASSERT_EQUAL(std::string("a\r"), LineDecoder::cleanText("a\r\r\n", true));
        CPPUNIT_ASSERT_EQUAL(std::string(""), LineDecoder::cleanText("\n", true));
    }

    void testInvalidUtf8Replaced()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("a\xEF\xBF\xBD"
                                         "b"),
                             LineDecoder::cleanText("a\xFF"
                                                    "b\n",
                                                    true));
        CPPUNIT_ASSERT_EQUAL(std::string("\xEF\xBF\xBD"), LineDecoder::cleanText("\xED\xA0\x80", false).substr(0, 3));
        CPPUNIT_ASSERT_EQUAL(std::string("\xE2\x82\xAC"), LineDecoder::cleanText("\xE2\x82\xAC", false));
    }

    void testAnsiSequencesStripped()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("red bold"),
                             LineDecoder::cleanText("\x1b[31mred\x1b[0m \x1b[1;2mbold\n", true));
        CPPUNIT_ASSERT_EQUAL(std::string("title done"),
                             LineDecoder::cleanText("\x1b]0;x\x07title \x1b]8;;u\x1b\\done", true));
        CPPUNIT_ASSERT_EQUAL(std::string("ab"), LineDecoder::cleanText("a\x1b"
                                                                       "Mb",
                                                                       true));
        CPPUNIT_ASSERT_EQUAL(std::string("\x1b[31mred"), LineDecoder::cleanText("\x1b[31mred", false));
        // Found by fuzz/docker_log_fuzzer: ESC before a multi-byte character took its first byte along and left
        // invalid UTF-8.
        CPPUNIT_ASSERT_EQUAL(std::string("a\xC3\xA9\xE4\xB8\x80"
                                         "b"),
                             LineDecoder::cleanText("a\x1b\xC3\xA9\x1b\xE4\xB8\x80"
                                                    "b",
                                                    true));
        CPPUNIT_ASSERT_EQUAL(std::string("ab"), LineDecoder::cleanText("a\x1b" "7b", true));
    }

    void testUtf8Cut()
    {
        std::string s = "ab\xE2\x82\xAC"
                        "c"; // a b € c
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), LineDecoder::utf8Cut(s, 3));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), LineDecoder::utf8Cut(s, 4));
        CPPUNIT_ASSERT_EQUAL(std::size_t(5), LineDecoder::utf8Cut(s, 5));
        CPPUNIT_ASSERT_EQUAL(std::size_t(6), LineDecoder::utf8Cut(s, 10));
        // Found by fuzz/docker_log_fuzzer: a cut before the last byte of a 4-byte sequence split it.
        std::string e = "ab\xF0\x9F\x98\x80"
                        "c"; // a b 😀 c
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), LineDecoder::utf8Cut(e, 3));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), LineDecoder::utf8Cut(e, 5));
        CPPUNIT_ASSERT_EQUAL(std::size_t(6), LineDecoder::utf8Cut(e, 6));
    }

    void testFastPathAndFallbackAgree()
    {
        // All-string records (fast path) and records with other value types (Poco) decode the same way.
        auto fast = LineDecoder::decode(R"( {"log":"A\u0041\/\ud83d\ude00\b\f\r\n", "stream":"stderr"} )", 1);
        CPPUNIT_ASSERT(fast);
        CPPUNIT_ASSERT_EQUAL(std::string("AA/\xF0\x9F\x98\x80\b\f\r\n"), fast->log);
        CPPUNIT_ASSERT(fast->isStderr);
        auto slow = LineDecoder::decode(
            R"({"log":"A\u0041\/\ud83d\ude00\b\f\r\n","attrs":{"tag":1},"stream":"stderr"})", 1);
        CPPUNIT_ASSERT(slow);
        CPPUNIT_ASSERT_EQUAL(fast->log, slow->log);
        CPPUNIT_ASSERT(slow->isStderr);
        auto dup = LineDecoder::decode(R"({"log":"first\n","log":"second\n"})", 1);
        CPPUNIT_ASSERT_EQUAL(std::string("second\n"), dup->log);
        CPPUNIT_ASSERT(!LineDecoder::decode(R"({"log":"x"} trailing)", 0));
        CPPUNIT_ASSERT(!LineDecoder::decode(R"({"log":"x",})", 0));
        CPPUNIT_ASSERT(!LineDecoder::decode("{\"log\":\"raw\ttab\"}", 0)); // control character in a string
        CPPUNIT_ASSERT(!LineDecoder::decode(R"({"log":"bad \q escape"})", 0));
        CPPUNIT_ASSERT(!LineDecoder::decode(R"({})", 0));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(LineDecoderTest);
