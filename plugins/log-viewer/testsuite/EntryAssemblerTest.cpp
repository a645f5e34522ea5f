#include "EntryAssembler.h"

#include <algorithm>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>

using Monlight::LogViewer::DockerRecord;
using Monlight::LogViewer::EntryAssembler;
using Monlight::LogViewer::Level;
using Monlight::LogViewer::LogEntry;

namespace
{
/// Feeds lines as json-file records, each `size` bytes apart.
struct Feeder
{
    EntryAssembler& a;
    std::int64_t pos = 0;
    std::int64_t now = 1000;
    std::int64_t add(const std::string& log, bool err = false, std::int64_t len = 10)
    {
        DockerRecord r;
        r.log = log;
        r.isStderr = err;
        r.timeMs = now;
        std::int64_t start = pos;
        pos += len;
        a.addRecord(r, start, pos, now);
        return start;
    }
};

EntryAssembler::Options opts(std::int64_t flushMs = 50)
{
    EntryAssembler::Options o;
    o.flushMs = flushMs;
    return o;
}
} // namespace

class EntryAssemblerTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(EntryAssemblerTest);
    CPPUNIT_TEST(testPythonTracebackWithFinalExceptionLine);
    CPPUNIT_TEST(testChainedTracebacks);
    CPPUNIT_TEST(testJavaFrames);
    CPPUNIT_TEST(testContinuationRules);
    CPPUNIT_TEST(testPendingEntryStraddlesReadsUntilFlush);
    CPPUNIT_TEST(testPositionStopsAtPendingEntry);
    CPPUNIT_TEST(testOtherStreamHeldBehindPending);
    CPPUNIT_TEST(testDockerPartialsJoined);
    CPPUNIT_TEST(testMultilineOffEveryLineAnEntry);
    CPPUNIT_TEST(testMaxEntryBytesAndLines);
    CPPUNIT_TEST(testRawChunksAreOwnEntries);
    CPPUNIT_TEST_SUITE_END();

public:
    void testPythonTracebackWithFinalExceptionLine()
    {
        EntryAssembler a("web", "id1", opts());
        Feeder f{a};
        f.add("ERROR:app:request failed\n", true);
        f.add("Traceback (most recent call last):\n", true);
        f.add("  File \"/app/x.py\", line 3, in f\n", true);
        f.add("    raise ValueError(\"boom\")\n", true);
        f.add("ValueError: boom\n", true);
        f.add("INFO:     127.0.0.1:5000 - \"GET / HTTP/1.1\" 200 OK\n", true);
        std::vector<LogEntry> out;
        a.takeReady(out);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), out.size());
        CPPUNIT_ASSERT_EQUAL(
            std::string("ERROR:app:request failed\nTraceback (most recent call last):\n  File "
                        "\"/app/x.py\", line 3, in f\n    raise ValueError(\"boom\")\nValueError: boom"),
            out[0].message);
        CPPUNIT_ASSERT(out[0].level == Level::Error);
        CPPUNIT_ASSERT_EQUAL(std::string("web"), out[0].container);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(50), a.safePosition()); // the uvicorn line is pending
        a.flushAll(2000);
        a.takeReady(out);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), out.size());
        CPPUNIT_ASSERT(out[1].level == Level::Info);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(60), a.safePosition());
    }

    void testChainedTracebacks()
    {
        EntryAssembler a("w", "i", opts());
        Feeder f{a};
        f.add("Traceback (most recent call last):\n", true);
        f.add("  File \"a.py\", line 1\n", true);
        f.add("KeyError: 'x'\n", true);
        f.add("\n", true);
        f.add("During handling of the above exception, another exception occurred:\n", true);
        f.add("\n", true);
        f.add("Traceback (most recent call last):\n", true);
        f.add("  File \"b.py\", line 2\n", true);
        f.add("StopIteration\n", true);
        f.add("next entry\n", true);
        std::vector<LogEntry> out;
        a.takeReady(out);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), out.size());
        CPPUNIT_ASSERT(out[0].message.find("StopIteration") != std::string::npos);
        CPPUNIT_ASSERT(out[0].message.find("next entry") == std::string::npos);
    }

    void testJavaFrames()
    {
        EntryAssembler a("w", "i", opts());
        Feeder f{a};
        f.add("Exception in thread \"main\" java.lang.IllegalStateException: x\n");
        f.add("\tat com.example.A.run(A.java:10)\n");
        f.add("    at com.example.B.run(B.java:20)\n");
        f.add("Caused by: java.io.IOException: y\n");
        f.add("\t... 12 more\n");
        f.add("Suppressed: z\n");
        f.add("2026-11-25 10:00:00 INFO next\n");
        std::vector<LogEntry> out;
        a.takeReady(out);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), out.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(6),
                             std::size_t(std::count(out[0].message.begin(), out[0].message.end(), '\n') + 1));
    }

    void testContinuationRules()
    {
        bool tb = false;
        CPPUNIT_ASSERT(EntryAssembler::isContinuation("", tb));
        CPPUNIT_ASSERT(EntryAssembler::isContinuation("   ", tb));
        CPPUNIT_ASSERT(EntryAssembler::isContinuation(" x", tb));
        CPPUNIT_ASSERT(EntryAssembler::isContinuation("\tx", tb));
        CPPUNIT_ASSERT(!tb);
        CPPUNIT_ASSERT(!EntryAssembler::isContinuation("ValueError: boom", tb));
        CPPUNIT_ASSERT(EntryAssembler::isContinuation("Traceback (most recent call last):", tb));
        CPPUNIT_ASSERT(tb);
        CPPUNIT_ASSERT(EntryAssembler::isContinuation("ValueError: boom", tb));
        CPPUNIT_ASSERT(!tb);
        CPPUNIT_ASSERT(EntryAssembler::isContinuation(
            "The above exception was the direct cause of the following exception:", tb));
        CPPUNIT_ASSERT(tb);
        tb = false;
        CPPUNIT_ASSERT(EntryAssembler::isContinuation("Caused by: x", tb));
        CPPUNIT_ASSERT(!EntryAssembler::isContinuation("caused by: x", tb));
    }

    void testPendingEntryStraddlesReadsUntilFlush()
    {
        EntryAssembler a("w", "i", opts(50));
        Feeder f{a};
        f.add("Traceback (most recent call last):\n", true);
        std::vector<LogEntry> out;
        a.flushIdle(1020); // 20 ms idle: still pending
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), a.takeReady(out));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1050), a.nextFlushAt());
        f.now = 1030;
        f.add("  File \"x.py\"\n", true); // second read
        f.add("ValueError: late\n", true);
        a.flushIdle(1079);
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), a.takeReady(out));
        a.flushIdle(1080);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), a.takeReady(out));
        CPPUNIT_ASSERT(out[0].message.find("ValueError: late") != std::string::npos);
        CPPUNIT_ASSERT(!a.hasPending());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(30), a.safePosition());
    }

    void testPositionStopsAtPendingEntry()
    {
        EntryAssembler a("w", "i", opts());
        Feeder f{a};
        f.add("one\n");
        f.add("two\n");
        f.add("  more of two\n");
        std::vector<LogEntry> out;
        a.takeReady(out);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), out.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(10), a.safePosition()); // where "two" starts
    }

    void testOtherStreamHeldBehindPending()
    {
        EntryAssembler a("w", "i", opts());
        Feeder f{a};
        f.add("Traceback (most recent call last):\n", true); // 0
        f.add("stdout 1\n");                                 // 10
        f.add("stdout 2\n");                                 // 20: completes stdout 1
        std::vector<LogEntry> out;
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), a.takeReady(out));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), a.safePosition());
        f.add("  File \"x\"\n", true);
        f.add("KeyError: 1\n", true);
        f.add("after\n", true); // completes the traceback
        a.takeReady(out);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), out.size()); // traceback, stdout 1 (stdout 2 pending)
        CPPUNIT_ASSERT(out[0].isStderr);
        CPPUNIT_ASSERT_EQUAL(std::string("stdout 1"), out[1].message);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(20), a.safePosition());
    }

    void testDockerPartialsJoined()
    {
        EntryAssembler a("w", "i", opts());
        Feeder f{a};
        f.now = 7;
        f.add("first part ");
        f.now = 9;
        f.add("stderr line\n", true);
        f.add("second part\n");
        a.flushAll(100);
        std::vector<LogEntry> out;
        a.takeReady(out);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), out.size());
        CPPUNIT_ASSERT_EQUAL(std::string("first part second part"), out[0].message);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(7), out[0].timestampMs);
        CPPUNIT_ASSERT_EQUAL(std::string("stderr line"), out[1].message);
    }

    void testMultilineOffEveryLineAnEntry()
    {
        auto o = opts();
        o.multiline = false;
        EntryAssembler a("w", "i", o);
        Feeder f{a};
        f.add("Traceback (most recent call last):\n");
        f.add("  File \"x\"\n");
        std::vector<LogEntry> out;
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), a.takeReady(out));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(20), a.safePosition());
    }

    void testMaxEntryBytesAndLines()
    {
        auto o = opts();
        o.maxEntryLines = 3;
        EntryAssembler a("w", "i", o);
        Feeder f{a};
        for (int i = 0; i < 4; ++i)
            f.add(" line\n");
        std::vector<LogEntry> out;
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), a.takeReady(out));
        CPPUNIT_ASSERT_EQUAL(std::string(" line\n line\n line"), out[0].message);
    }

    void testRawChunksAreOwnEntries()
    {
        EntryAssembler a("w", "i", opts());
        a.addRaw("xxxx", 0, 4, 5);
        a.addRaw("yy", 4, 7, 5);
        std::vector<LogEntry> out;
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), a.takeReady(out));
        CPPUNIT_ASSERT_EQUAL(std::string("yy"), out[1].message);
        CPPUNIT_ASSERT(!out[1].isStderr);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(7), a.safePosition());
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(EntryAssemblerTest);
