#include "SseStream.h"
#include "EntryFormat.h"
#include "SseHub.h"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <atomic>
#include <chrono>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <thread>

using namespace Monlight::LogViewer;

namespace
{

/// A connected loopback pair: `server` goes to the stream, `client` reads what it writes.
struct Pair
{
    Poco::Net::ServerSocket listener{Poco::Net::SocketAddress("127.0.0.1", 0)};
    Poco::Net::StreamSocket client;
    Poco::Net::StreamSocket server;
    Pair()
    {
        client.connect(listener.address());
        server = listener.acceptConnection();
        client.setReceiveTimeout(Poco::Timespan(0, 100000));
    }

    /// Reads until `needle` appears or `ms` passed.
    std::string readUntil(const std::string& needle, int ms = 3000)
    {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        while (std::chrono::steady_clock::now() < deadline && got.find(needle) == std::string::npos)
        {
            char buf[4096];
            try
            {
                int n = client.receiveBytes(buf, sizeof buf);
                if (n <= 0)
                    break;
                got.append(buf, static_cast<std::size_t>(n));
            }
            catch (const Poco::TimeoutException&)
            {
            }
        }
        return got;
    }
    /// Reads until `n` bytes arrived in all or `ms` passed.
    std::string readBytes(std::size_t n, int ms)
    {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
        while (std::chrono::steady_clock::now() < deadline && got.size() < n)
        {
            char buf[4096];
            try
            {
                int r = client.receiveBytes(buf, sizeof buf);
                if (r <= 0)
                    break;
                got.append(buf, static_cast<std::size_t>(r));
            }
            catch (const Poco::TimeoutException&)
            {
            }
        }
        return got;
    }
    std::string got;
};

std::vector<LogEntry> entries(std::int64_t firstId, int n, const std::string& container = "web")
{
    std::vector<LogEntry> v;
    for (int i = 0; i < n; ++i)
    {
        LogEntry e;
        e.id = firstId + i;
        e.timestampMs = 1000;
        e.container = container;
        e.message = "msg " + std::to_string(firstId + i);
        v.push_back(e);
    }
    return v;
}

} // namespace

class SseStreamTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(SseStreamTest);
    CPPUNIT_TEST(testInitialDataThenFilteredLiveEvents);
    CPPUNIT_TEST(testHeartbeatAndMaxDuration);
    CPPUNIT_TEST(testOverflowClosesStream);
    CPPUNIT_TEST(testHubCapAndShutdownReason);
    CPPUNIT_TEST(testFrameFormat);
    CPPUNIT_TEST(testCoalescedBatchesArriveWholeThroughPartialWrites);
    CPPUNIT_TEST(testPartialWriteAdvance);
    CPPUNIT_TEST_SUITE_END();

public:
    void testInitialDataThenFilteredLiveEvents()
    {
        SseHub::Options o;
        SseHub hub(o, nullptr, nullptr);
        LogFilter f;
        f.containers = {"web"};
        auto s = hub.open(f);
        Pair p;
        s->start(p.server, "HEAD\r\n\r\nretry: 3000\n\n", 5);
        auto mixed = entries(4, 3);       // ids 4, 5 (already sent) and 6
        auto other = entries(7, 1, "db"); // filtered out
        auto more = entries(8, 1);
        mixed.insert(mixed.end(), other.begin(), other.end());
        hub.publish(mixed);
        hub.publish(more);
        std::string got = p.readUntil("msg 8");
        CPPUNIT_ASSERT(got.rfind("HEAD\r\n\r\nretry: 3000\n\n", 0) == 0);
        CPPUNIT_ASSERT(got.find("msg 5") == std::string::npos);
        CPPUNIT_ASSERT(got.find("id: 6\nevent: log\n") != std::string::npos);
        CPPUNIT_ASSERT(got.find("msg 7") == std::string::npos);
        CPPUNIT_ASSERT(got.find("id: 8\n") != std::string::npos);
        hub.shutdown();
    }

    void testHeartbeatAndMaxDuration()
    {
        SseHub::Options o;
        o.stream.heartbeatMs = 50;
        o.stream.maxDurationMs = 300;
        SseHub hub(o, nullptr, nullptr);
        auto s = hub.open(LogFilter());
        Pair p;
        s->start(p.server, "", 0);
        std::string got = p.readUntil("max_duration");
        CPPUNIT_ASSERT(got.find("event: heartbeat\ndata: {}\n\n") != std::string::npos);
        CPPUNIT_ASSERT(got.find("event: close\ndata: {\"reason\":\"max_duration\"}\n\n") !=
                       std::string::npos);
        for (int i = 0; i < 100 && hub.size() > 0; ++i)
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), hub.size()); // the slot is free again
        hub.shutdown();
    }

    void testOverflowClosesStream()
    {
        SseHub::Options o;
        o.stream.queueSize = 10;
        std::atomic<int> overflows{0};
        SseHub hub(o, nullptr, [&] { ++overflows; });
        auto s = hub.open(LogFilter());
        auto first = entries(1, 10);
        auto second = entries(11, 1);
        hub.publish(first);  // accepted: nothing was waiting before
        hub.publish(second); // 10 events still waiting → overflow
        CPPUNIT_ASSERT_EQUAL(1, overflows.load());
        Pair p;
        s->start(p.server, "", 0);
        std::string got = p.readUntil("overflow");
        CPPUNIT_ASSERT(got.find("event: close\ndata: {\"reason\":\"overflow\"}\n\n") != std::string::npos);
        CPPUNIT_ASSERT(got.find("msg 1\"") == std::string::npos);
        hub.shutdown();
    }

    void testHubCapAndShutdownReason()
    {
        SseHub::Options o;
        o.maxConnections = 2;
        std::atomic<std::size_t> count{0};
        SseHub hub(o, [&](std::size_t n) { count = n; }, nullptr);
        auto a = hub.open(LogFilter());
        auto b = hub.open(LogFilter());
        CPPUNIT_ASSERT(a && b);
        CPPUNIT_ASSERT(!hub.open(LogFilter()));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), count.load());
        hub.abandon(b);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), count.load());
        Pair p;
        a->start(p.server, "", 0);
        hub.stopping(2000);
        std::string got = p.readUntil("shutdown");
        CPPUNIT_ASSERT(got.find("event: close\ndata: {\"reason\":\"shutdown\"}\n\n") != std::string::npos);
        CPPUNIT_ASSERT(!hub.open(LogFilter())); // no new streams while stopping
        hub.shutdown();
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), count.load());
    }

    /// Batches queued together go out in one scatter-gather write (shared frame blocks and copied runs of single
    /// frames); with a tiny send buffer every write is partial, and each client must still receive exactly its
    /// frames, in order: an unfiltered stream that had sent part of the first batch, and a filtered one.
    void testCoalescedBatchesArriveWholeThroughPartialWrites()
    {
        SseHub::Options o;
        o.stream.queueSize = 100000;
        SseHub hub(o, nullptr, nullptr);
        auto all = hub.open(LogFilter());
        LogFilter web;
        web.containers = {"web"};
        auto filtered = hub.open(web);
        std::string expectAll, expectWeb;
        const std::string body(700, 'x');
        for (std::int64_t first = 1; first <= 1000; first += 100)
        {
            std::vector<LogEntry> batch;
            for (std::int64_t id = first; id < first + 100; ++id)
            {
                LogEntry e;
                e.id = id;
                e.timestampMs = 1000;
                e.container = id % 3 ? "web" : "db";
                e.message = "msg " + std::to_string(id) + " " + body;
                if (id > 5)
                    expectAll += EntryFormat::sseFrame(e);
                if (e.container == "web")
                    expectWeb += EntryFormat::sseFrame(e);
                batch.push_back(e);
            }
            hub.publish(batch);
        }
        Pair a, b;
        a.server.setSendBufferSize(4096);
        b.server.setSendBufferSize(4096);
        all->start(a.server, "", 5); // ids up to 5 sent already: the first batch goes out frame by frame
        filtered->start(b.server, "", 0);
        CPPUNIT_ASSERT_EQUAL(expectAll, a.readBytes(expectAll.size(), 10000));
        CPPUNIT_ASSERT_EQUAL(expectWeb, b.readBytes(expectWeb.size(), 10000));
        hub.shutdown();
    }

    /// After a partial write (a send timeout or a signal after some bytes), the next write starts at the first
    /// byte not sent, across pieces of any size, empty ones included.
    void testPartialWriteAdvance()
    {
        const std::string a = "abc", empty, b = "defgh", c = "i";
        const std::vector<const std::string*> pieces = {&a, &empty, &b, &c};
        const std::string all = a + b + c;
        for (std::size_t first = 0; first <= all.size(); ++first)
            for (std::size_t second = 0; first + second <= all.size(); ++second)
            {
                std::size_t next = 0, offset = 0;
                SseStream::advance(pieces, next, offset, first);
                SseStream::advance(pieces, next, offset, second);
                std::string rest;
                for (std::size_t i = next; i < pieces.size(); ++i)
                    rest += pieces[i]->substr(i == next ? offset : 0);
                CPPUNIT_ASSERT_EQUAL(all.substr(first + second), rest);
            }
    }

    void testFrameFormat()
    {
        LogEntry e;
        e.id = 982;
        e.timestampMs = 1795600800123;
        e.container = "web";
        e.level = Level::Info;
        e.message = "GET / 200\nsecond";
        CPPUNIT_ASSERT_EQUAL(
            std::string("id: 982\nevent: log\ndata: {\"id\":982,\"timestamp\":\"2026-11-25T10:00:00.123Z\","
                        "\"container\":\"web\",\"stream\":\"stdout\",\"level\":\"INFO\",\"message\":"
                        "\"GET / 200\\nsecond\"}\n\n"),
            EntryFormat::sseFrame(e));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SseStreamTest);
