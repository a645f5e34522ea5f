#include "EmbeddedFiles.h"
#include "Monlight/Migrations.h"
#include "LogTailer.h"
#include "LogStore.h"
#include "LogWriter.h"
#include "SseHub.h"

#include <Poco/File.h>
#include <Poco/Logger.h>
#include <Poco/TemporaryFile.h>
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

using namespace Monlight;
using namespace Monlight::LogViewer;

namespace
{

std::string jsonLine(const std::string& log, const std::string& stream = "stdout")
{
    std::string escaped;
    for (char c : log)
    {
        if (c == '"' || c == '\\')
            escaped += '\\';
        if (c == '\n')
        {
            escaped += "\\n";
            continue;
        }
        escaped += c;
    }
    return "{\"log\":\"" + escaped + "\",\"stream\":\"" + stream +
           "\",\"time\":\"2026-11-25T10:00:00.000000001Z\"}\n";
}

void appendFile(const std::string& path, const std::string& data)
{
    std::ofstream out(path, std::ios::app | std::ios::binary);
    out << data;
}

} // namespace

class LogTailerTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(LogTailerTest);
    CPPUNIT_TEST(testReadsDecodedLinesAndWaitsForPartialLine);
    CPPUNIT_TEST(testRotationFinishesOldFileThenReadsNewFromStart);
    CPPUNIT_TEST(testTruncationRestartsAtZero);
    CPPUNIT_TEST(testRestartContinuesAtCursorWithoutDuplicates);
    CPPUNIT_TEST(testFirstSightReadsOnlyTailBuffer);
    CPPUNIT_TEST(testContainerFilterAndLateContainersFromStart);
    CPPUNIT_TEST(testRotationWhileStoppedUsesRotatedFile);
    CPPUNIT_TEST(testFailedCommitIsRetriedInOrder);
    CPPUNIT_TEST_SUITE_END();

    std::string _dir, _sources;
    std::shared_ptr<Database> _db;
    std::unique_ptr<SseHub> _hub;
    std::unique_ptr<LogWriter> _writer;
    std::unique_ptr<LogTailer> _tailer;

    std::string makeContainer(const std::string& id, const std::string& name)
    {
        std::string dir = _sources + "/" + id;
        Poco::File(dir).createDirectories();
        std::ofstream(dir + "/config.v2.json") << "{\"ID\":\"" << id << "\",\"Name\":\"/" << name << "\"}";
        std::ofstream(dir + "/" + id + "-json.log").flush();
        return dir + "/" + id + "-json.log";
    }

    using Submit = std::function<std::future<void>(std::shared_ptr<IngestBatch>, std::shared_ptr<WriteSequence>)>;

    void startTailer(std::vector<std::string> containers = {}, std::int64_t tailBuffer = 65536,
                     std::size_t maxBatch = 1000, Submit submit = nullptr)
    {
        LogTailer::Options o;
        o.sources = _sources;
        o.containers = std::move(containers);
        o.pollIntervalMs = 200;
        o.rescanIntervalMs = 200;
        o.tailBuffer = tailBuffer;
        o.maxLineBytes = 16384;
        o.assembler.flushMs = 20;
        o.maxBatch = maxBatch;
        LogTailer::Hooks h;
        h.submit = submit ? submit
                          : [this](std::shared_ptr<IngestBatch> b, std::shared_ptr<WriteSequence> s)
        { return _writer->submit(std::move(b), std::move(s)); };
        h.committed = [this] { _writer->pruneIfNeeded(); };
        _tailer = std::make_unique<LogTailer>(o, h, LogStore(_db).cursors(), Poco::Logger::get("test"));
        _tailer->start();
    }

    std::vector<std::string> messages()
    {
        LogStore store(_db);
        LogFilter f;
        f.limit = 500;
        auto r = store.query(f);
        std::vector<std::string> out;
        for (auto it = r.logs.rbegin(); it != r.logs.rend(); ++it)
            out.push_back(it->message);
        return out;
    }

    std::vector<std::string> waitFor(std::size_t n)
    {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        std::vector<std::string> m;
        while (std::chrono::steady_clock::now() < deadline)
        {
            m = messages();
            if (m.size() >= n)
            {
                std::this_thread::sleep_for(std::chrono::milliseconds(300)); // nothing more must arrive
                return messages();
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return m;
    }

    static std::string join(const std::vector<std::string>& v)
    {
        std::string s;
        for (const auto& x : v)
            s += x + "|";
        return s;
    }

public:
    void setUp() override
    {
        _dir = Poco::TemporaryFile::tempName();
        _sources = _dir + "/containers";
        Poco::File(_sources).createDirectories();
        Database::Options o;
        o.path = _dir + "/logs.db";
        o.plugin = "log-viewer";
        o.migrations = sqlMigrations(embeddedFiles());
        _db = Database::open(o);
        _hub = std::make_unique<SseHub>(SseHub::Options(), nullptr, nullptr);
        _writer = std::make_unique<LogWriter>(_db, *_hub, 0, nullptr);
    }

    void tearDown() override
    {
        if (_tailer)
            _tailer->stop();
        _tailer.reset();
        _writer.reset();
        _hub.reset();
        _db->close();
        Poco::File(_dir).remove(true);
    }

    void testReadsDecodedLinesAndWaitsForPartialLine()
    {
        std::string log = makeContainer("c1", "web");
        appendFile(log, jsonLine("hello \"world\"\n") + jsonLine("second\n", "stderr"));
        startTailer();
        CPPUNIT_ASSERT_EQUAL(std::string("hello \"world\"|second|"), join(waitFor(2)));
        std::string third = jsonLine("third\n");
        appendFile(log, third.substr(0, 10));
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), messages().size());
        appendFile(log, third.substr(10));
        CPPUNIT_ASSERT_EQUAL(std::string("hello \"world\"|second|third|"), join(waitFor(3)));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), _tailer->watchedCount());
    }

    void testFailedCommitIsRetriedInOrder()
    {
        std::string log = makeContainer("c1", "web");
        std::atomic<int> submits{0};
        // One entry per batch; the third batch fails once on the writer: it and every later batch are submitted
        // again, in order, and nothing is lost or reordered.
        startTailer({}, 65536, 1,
                    [this, &submits](std::shared_ptr<IngestBatch> b, std::shared_ptr<WriteSequence> s)
                    {
                        if (++submits == 3)
                            return _db->submit([](WriteTx&) { throw Poco::IOException("disk trouble"); }, s);
                        return _writer->submit(std::move(b), std::move(s));
                    });
        std::string data;
        std::string expected;
        for (int i = 0; i < 12; ++i)
        {
            data += jsonLine("line" + std::to_string(i) + "\n");
            expected += "line" + std::to_string(i) + "|";
        }
        appendFile(log, data);
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(8);
        while (messages().size() < 12 && std::chrono::steady_clock::now() < deadline)
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        CPPUNIT_ASSERT_EQUAL(expected, join(messages()));
        CPPUNIT_ASSERT(submits.load() > 12); // the failed batch and the ones behind it went again
        CPPUNIT_ASSERT(!_tailer->stalled(60000));
        // The stored cursor covers every line: a restart reads nothing again.
        _tailer->stop();
        _tailer.reset();
        startTailer();
        std::this_thread::sleep_for(std::chrono::milliseconds(400));
        CPPUNIT_ASSERT_EQUAL(expected, join(messages()));
    }

    void testRotationFinishesOldFileThenReadsNewFromStart()
    {
        std::string log = makeContainer("c1", "web");
        startTailer();
        appendFile(log, jsonLine("a\n"));
        waitFor(1);
        _tailer->stop(); // no inotify race: the rotation happens while the file is not being read
        _tailer.reset();
        startTailer();
        appendFile(log, jsonLine("b\n"));
        waitFor(2);
        // Rotate: the old file gets one more line after we have read it, then is renamed.
        appendFile(log, jsonLine("c\n"));
        std::rename(log.c_str(), (log + ".1").c_str());
        appendFile(log, jsonLine("d\n") + jsonLine("e\n"));
        CPPUNIT_ASSERT_EQUAL(std::string("a|b|c|d|e|"), join(waitFor(5)));
    }

    void testTruncationRestartsAtZero()
    {
        std::string log = makeContainer("c1", "web");
        startTailer();
        appendFile(log, jsonLine("one\n") + jsonLine("two\n"));
        waitFor(2);
        CPPUNIT_ASSERT_EQUAL(0, ::truncate(log.c_str(), 0));
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        appendFile(log, jsonLine("three\n"));
        CPPUNIT_ASSERT_EQUAL(std::string("one|two|three|"), join(waitFor(3)));
    }

    void testRestartContinuesAtCursorWithoutDuplicates()
    {
        std::string log = makeContainer("c1", "web");
        startTailer();
        appendFile(log, jsonLine("l1\n") + jsonLine("l2\n"));
        waitFor(2);
        std::string l4 = jsonLine("l4\n");
        appendFile(log, jsonLine("l3\n") + l4.substr(0, 7)); // half a line at shutdown
        waitFor(3);
        _tailer->stop();
        _tailer.reset();
        appendFile(log, l4.substr(7) + jsonLine("l5\n"));
        startTailer();
        CPPUNIT_ASSERT_EQUAL(std::string("l1|l2|l3|l4|l5|"), join(waitFor(5)));
    }

    void testFirstSightReadsOnlyTailBuffer()
    {
        std::string log = makeContainer("c1", "web");
        std::string data;
        for (int i = 0; i < 50; ++i)
            data += jsonLine("line " + std::to_string(i) + "\n");
        appendFile(log, data);
        std::size_t lineLen = jsonLine("line 10\n").size();
        startTailer({}, static_cast<std::int64_t>(lineLen * 3 + 5)); // cuts into the 4th line from the end
        auto m = waitFor(3);
        CPPUNIT_ASSERT_EQUAL(std::string("line 47|line 48|line 49|"), join(m));
        // On the exact boundary the line starting there is read whole.
        tearDown();
        setUp();
        log = makeContainer("c2", "db");
        appendFile(log, data);
        startTailer({}, static_cast<std::int64_t>(lineLen * 2));
        CPPUNIT_ASSERT_EQUAL(std::string("line 48|line 49|"), join(waitFor(2)));
    }

    void testContainerFilterAndLateContainersFromStart()
    {
        std::string web = makeContainer("c1", "web-1");
        std::string mon = makeContainer("c2", "monlight");
        appendFile(web, jsonLine("w\n"));
        appendFile(mon, jsonLine("m\n"));
        startTailer({"web-*", "worker", "!monlight"});
        CPPUNIT_ASSERT_EQUAL(std::string("w|"), join(waitFor(1)));
        // A container created while running starts at 0 even with a big file.
        std::string dir = _sources + "/c3";
        Poco::File(dir).createDirectories();
        std::string wlog = dir + "/c3-json.log";
        appendFile(wlog, jsonLine("worker 1\n") + jsonLine("worker 2\n"));
        std::ofstream(dir + "/config.v2.json") << "{\"Name\":\"/worker\"}";
        CPPUNIT_ASSERT_EQUAL(std::string("w|worker 1|worker 2|"), join(waitFor(3)));
        auto names = _tailer->watchedNames();
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), names.size());
    }

    void testRotationWhileStoppedUsesRotatedFile()
    {
        std::string log = makeContainer("c1", "web");
        startTailer();
        appendFile(log, jsonLine("r1\n"));
        waitFor(1);
        _tailer->stop();
        _tailer.reset();
        appendFile(log, jsonLine("r2\n"));
        std::rename(log.c_str(), (log + ".1").c_str());
        appendFile(log, jsonLine("r3\n"));
        startTailer();
        CPPUNIT_ASSERT_EQUAL(std::string("r1|r2|r3|"), join(waitFor(3)));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(LogTailerTest);
