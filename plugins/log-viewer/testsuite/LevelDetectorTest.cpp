#include "LevelDetector.h"

#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>

using Monlight::LogViewer::Level;
using Monlight::LogViewer::LevelDetector;

class LevelDetectorTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(LevelDetectorTest);
    CPPUNIT_TEST(testParseLevelAcceptsEverySpelling);
    CPPUNIT_TEST(testParseLevelRejectsUnknownAndPartial);
    CPPUNIT_TEST(testJsonLevelKeysInOrder);
    CPPUNIT_TEST(testJsonNumericPinoLevels);
    CPPUNIT_TEST(testBracketGroups);
    CPPUNIT_TEST(testKeyValue);
    CPPUNIT_TEST(testColonPrefix);
    CPPUNIT_TEST(testLevelWordAfterTimestamp);
    CPPUNIT_TEST(testStreamDefaults);
    CPPUNIT_TEST(testOnlyFirstLineIsExamined);
    CPPUNIT_TEST_SUITE_END();

    static Level detect(const std::string& s, bool err = false)
    {
        return LevelDetector::detect(s, err, Level::Error);
    }

public:
    void testParseLevelAcceptsEverySpelling()
    {
        for (const char* s : {"trace", "DEBUG", "Dbg"})
            CPPUNIT_ASSERT(LevelDetector::parse(s) == Level::Debug);
        for (const char* s : {"info", "Information", "NOTICE"})
            CPPUNIT_ASSERT(LevelDetector::parse(s) == Level::Info);
        for (const char* s : {"warn", "Warning"})
            CPPUNIT_ASSERT(LevelDetector::parse(s) == Level::Warning);
        for (const char* s : {"err", "ERROR"})
            CPPUNIT_ASSERT(LevelDetector::parse(s) == Level::Error);
        for (const char* s : {"crit", "critical", "FATAL", "panic", "emerg", "Alert"})
            CPPUNIT_ASSERT(LevelDetector::parse(s) == Level::Critical);
        CPPUNIT_ASSERT_EQUAL(std::string("WARNING"), std::string(LevelDetector::name(Level::Warning)));
    }

    void testParseLevelRejectsUnknownAndPartial()
    {
        for (const char* s : {"", "inf", "errors", "warnings", " info", "verbose", "informational"})
            CPPUNIT_ASSERT(!LevelDetector::parse(s));
    }

    void testJsonLevelKeysInOrder()
    {
        CPPUNIT_ASSERT(detect(R"({"msg":"x","level":"warn"})") == Level::Warning);
        CPPUNIT_ASSERT(detect(R"({"severity":"ERROR","lvl":"debug"})") == Level::Error);
        CPPUNIT_ASSERT(detect(R"({"lvl":"debug","severity":"error"})") ==
                       Level::Error); // severity precedes lvl
        CPPUNIT_ASSERT(detect(R"(  {"levelname":"CRITICAL"})") == Level::Critical);
        CPPUNIT_ASSERT(detect(R"({"log.level":"info"})", true) == Level::Info);
        CPPUNIT_ASSERT(detect(R"({"loglevel":"notice"})", true) == Level::Info);
        // not a JSON object: the later rules apply ([warn] bracket)
        CPPUNIT_ASSERT(detect(R"({broken [warn] x)") == Level::Warning);
    }

    void testJsonNumericPinoLevels()
    {
        CPPUNIT_ASSERT(detect(R"({"level":20})", true) == Level::Debug);
        CPPUNIT_ASSERT(detect(R"({"level":30})", true) == Level::Info);
        CPPUNIT_ASSERT(detect(R"({"level":40})") == Level::Warning);
        CPPUNIT_ASSERT(detect(R"({"level":50})") == Level::Error);
        CPPUNIT_ASSERT(detect(R"({"level":60})") == Level::Critical);
    }

    void testBracketGroups()
    {
        CPPUNIT_ASSERT(detect("[ERROR] x") == Level::Error);
        CPPUNIT_ASSERT(detect("2026-11-25 10:00:00 [warn] y") == Level::Warning);
        CPPUNIT_ASSERT(detect("[main] [ debug ] z") == Level::Debug);
        CPPUNIT_ASSERT(detect("[ab] x") == Level::Info); // too short, stdout default
        CPPUNIT_ASSERT(detect(std::string(210, 'x') + " [error] late") == Level::Info);
    }

    void testKeyValue()
    {
        CPPUNIT_ASSERT(detect("time=1 level=warn msg=x") == Level::Warning);
        CPPUNIT_ASSERT(detect("level=\"error\" msg=x") == Level::Error);
        CPPUNIT_ASSERT(detect("ts=1,severity=CRIT") == Level::Critical);
        CPPUNIT_ASSERT(detect("a LVL=debug") == Level::Debug);
        CPPUNIT_ASSERT(detect("xlevel=error y") == Level::Info); // not at a boundary
    }

    void testColonPrefix()
    {
        CPPUNIT_ASSERT(detect("INFO:     127.0.0.1 - \"GET / HTTP/1.1\" 200 OK", true) == Level::Info);
        CPPUNIT_ASSERT(detect("ERROR:root:boom") == Level::Error);
        CPPUNIT_ASSERT(detect("  WARNING: disk") == Level::Warning);
        CPPUNIT_ASSERT(detect("http://x info", true) == Level::Error); // colon at 4 but "http" is no level
        CPPUNIT_ASSERT(detect("Er: x", true) == Level::Error);         // index 2: too short, stderr default
    }

    void testLevelWordAfterTimestamp()
    {
        CPPUNIT_ASSERT(detect("2026-11-25 10:00:00,123 ERROR app: x") == Level::Error);
        CPPUNIT_ASSERT(detect("a b c d e WARN", true) == Level::Warning);
        CPPUNIT_ASSERT(detect("a b c d e f WARN", true) == Level::Error);  // 7th token: ignored
        CPPUNIT_ASSERT(detect("an error happened", false) == Level::Info); // lowercase words do not count
    }

    void testStreamDefaults()
    {
        CPPUNIT_ASSERT(detect("plain text", false) == Level::Info);
        CPPUNIT_ASSERT(detect("plain text", true) == Level::Error);
        CPPUNIT_ASSERT(LevelDetector::detect("plain", true, Level::Warning) == Level::Warning);
    }

    void testOnlyFirstLineIsExamined()
    {
        CPPUNIT_ASSERT(detect("starting\nERROR: later", false) == Level::Info);
        CPPUNIT_ASSERT(detect("ERROR:app:failed\nTraceback (most recent call last):\nValueError: boom") ==
                       Level::Error);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(LevelDetectorTest);
