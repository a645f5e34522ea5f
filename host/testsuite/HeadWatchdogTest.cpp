#include "HeadWatchdog.h"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <cppunit/extensions/HelperMacros.h>
#include <memory>
#include <vector>

using namespace Monlight::Host;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

class HeadWatchdogTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(HeadWatchdogTest);
    CPPUNIT_TEST(testHeadDeadlineShutsTheSocketDown);
    CPPUNIT_TEST(testCompleteHeadIsNotCut);
    CPPUNIT_TEST(testNextRequestGetsADeadlineOnceItBegins);
    CPPUNIT_TEST(testPerIpCapCutsTheNewestAfterTheGrace);
    CPPUNIT_TEST(testTrustedProxyIsExemptFromTheCap);
    CPPUNIT_TEST(testStarvedWhileEveryWorkerWaitsForAHead);
    CPPUNIT_TEST(testStarvedWhenTheQueueWaitsBeyondTheDeadline);
    CPPUNIT_TEST(testIdleKeepAliveYieldsOnlyWhileOthersWait);
    CPPUNIT_TEST_SUITE_END();

    /// A connected TCP pair on loopback: `server` is what a worker holds, `client` the peer.
    struct Pair
    {
        Poco::Net::StreamSocket client;
        Poco::Net::StreamSocket server;
    };

    std::unique_ptr<Poco::Net::ServerSocket> _listen;

    Pair connect()
    {
        Pair p;
        p.client.connect(Poco::Net::SocketAddress("127.0.0.1", _listen->address().port()));
        p.server = _listen->acceptConnection();
        p.client.setReceiveTimeout(Poco::Timespan(2, 0));
        return p;
    }

    /// True when the client sees the connection shut down (EOF or reset) within the receive timeout.
    static bool shutDown(Pair& p)
    {
        char c;
        try
        {
            return p.client.receiveBytes(&c, 1) == 0;
        }
        catch (const Poco::TimeoutException&)
        {
            return false;
        }
        catch (const Poco::Exception&)
        {
            return true;
        }
    }

    static HeadWatchdog::Options options(int headMs, int maxThreads, int cap)
    {
        HeadWatchdog::Options o;
        o.headTimeout = milliseconds(headMs);
        o.keepAliveTimeout = milliseconds(500);
        o.maxThreads = maxThreads;
        o.perIpCap = cap;
        return o;
    }

public:
    void setUp() override
    {
        _listen = std::make_unique<Poco::Net::ServerSocket>(Poco::Net::SocketAddress("127.0.0.1", 0));
    }

    void tearDown() override { _listen.reset(); }

    void testHeadDeadlineShutsTheSocketDown()
    {
        HeadWatchdog w(options(200, 8, 0), nullptr, nullptr);
        Pair p = connect();
        HeadWatchdog::Ticket t;
        w.open(t, p.server, "10.0.0.1", false);
        CPPUNIT_ASSERT_EQUAL(1, w.pendingHeads());
        w.check(Clock::now() + milliseconds(100));
        CPPUNIT_ASSERT(!w.cut(t));
        w.check(Clock::now() + milliseconds(250));
        CPPUNIT_ASSERT(w.cut(t));
        CPPUNIT_ASSERT(shutDown(p));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(1), w.deadlineCuts());
        CPPUNIT_ASSERT_EQUAL(0, w.pendingHeads());
    }

    void testCompleteHeadIsNotCut()
    {
        HeadWatchdog w(options(200, 8, 0), nullptr, nullptr);
        Pair p = connect();
        HeadWatchdog::Ticket t;
        w.open(t, p.server, "10.0.0.1", false);
        w.headComplete(t);
        CPPUNIT_ASSERT_EQUAL(0, w.pendingHeads());
        w.check(Clock::now() + milliseconds(10000));
        CPPUNIT_ASSERT(!w.cut(t));
        CPPUNIT_ASSERT(!shutDown(p));
        w.release(t);
        CPPUNIT_ASSERT(!w.cut(t));
    }

    void testNextRequestGetsADeadlineOnceItBegins()
    {
        HeadWatchdog w(options(200, 8, 0), nullptr, nullptr);
        Pair p = connect();
        HeadWatchdog::Ticket t;
        w.open(t, p.server, "10.0.0.1", false);
        w.headComplete(t);
        w.awaitNext(t);
        // Idle keep-alive: no deadline of its own within keep-alive + head timeout, and not a pending head.
        w.check(Clock::now() + milliseconds(300));
        CPPUNIT_ASSERT(!w.cut(t));
        CPPUNIT_ASSERT_EQUAL(0, w.pendingHeads());
        // The first byte of the next request arrives: now it is a pending head with the head deadline.
        p.client.sendBytes("G", 1);
        Poco::Thread::sleep(50);
        auto now = Clock::now();
        w.check(now);
        CPPUNIT_ASSERT_EQUAL(1, w.pendingHeads());
        w.check(now + milliseconds(150));
        CPPUNIT_ASSERT(!w.cut(t));
        w.check(now + milliseconds(250));
        CPPUNIT_ASSERT(w.cut(t));
        CPPUNIT_ASSERT(shutDown(p));

        // An idle connection that never sends is cut after keep-alive + head timeout at the latest.
        Pair q = connect();
        HeadWatchdog::Ticket u;
        w.open(u, q.server, "10.0.0.1", false);
        w.headComplete(u);
        w.awaitNext(u);
        w.check(Clock::now() + milliseconds(750));
        CPPUNIT_ASSERT(w.cut(u));
    }

    void testPerIpCapCutsTheNewestAfterTheGrace()
    {
        HeadWatchdog w(options(10000, 8, 2), nullptr, nullptr);
        std::vector<Pair> pairs;
        std::vector<std::unique_ptr<HeadWatchdog::Ticket>> tickets;
        for (int i = 0; i < 4; ++i)
        {
            pairs.push_back(connect());
            tickets.push_back(std::make_unique<HeadWatchdog::Ticket>());
            w.open(*tickets.back(), pairs.back().server, "10.0.0.7", false);
            Poco::Thread::sleep(5);
        }
        Pair other = connect();
        HeadWatchdog::Ticket otherTicket;
        w.open(otherTicket, other.server, "10.0.0.8", false);
        // Within the first second nothing is cut: a browser opening several connections at once is not refused.
        w.check(Clock::now() + milliseconds(500));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(0), w.capCuts());
        w.check(Clock::now() + milliseconds(1200));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(2), w.capCuts());
        CPPUNIT_ASSERT(!w.cut(*tickets[0]) && !w.cut(*tickets[1]));
        CPPUNIT_ASSERT(w.cut(*tickets[2]) && w.cut(*tickets[3]));
        CPPUNIT_ASSERT(shutDown(pairs[3]));
        CPPUNIT_ASSERT(!w.cut(otherTicket));
        CPPUNIT_ASSERT_EQUAL(3, w.pendingHeads());
    }

    void testTrustedProxyIsExemptFromTheCap()
    {
        HeadWatchdog w(options(10000, 8, 1), nullptr, nullptr);
        Pair a = connect(), b = connect();
        HeadWatchdog::Ticket ta, tb;
        w.open(ta, a.server, "10.0.0.9", true);
        w.open(tb, b.server, "10.0.0.9", true);
        w.check(Clock::now() + milliseconds(2000));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(0), w.capCuts());
        // ... but not from the deadline.
        w.check(Clock::now() + milliseconds(10500));
        CPPUNIT_ASSERT(w.cut(ta) && w.cut(tb));
    }

    void testStarvedWhileEveryWorkerWaitsForAHead()
    {
        HeadWatchdog w(options(10000, 2, 0), nullptr, nullptr);
        Pair a = connect(), b = connect();
        HeadWatchdog::Ticket ta, tb;
        w.open(ta, a.server, "10.0.0.1", false);
        w.check(Clock::now() + milliseconds(1100));
        CPPUNIT_ASSERT(!w.starved());
        w.open(tb, b.server, "10.0.0.2", false);
        // Both workers wait for heads, but not yet for long: clients with a slow round trip look like this.
        w.check(Clock::now() + milliseconds(500));
        CPPUNIT_ASSERT(!w.starved());
        w.check(Clock::now() + milliseconds(1100));
        CPPUNIT_ASSERT(w.starved());
        // Still reported just after the workers were freed (the request that was waiting sees it).
        w.headComplete(ta);
        w.headComplete(tb);
        w.check(Clock::now());
        CPPUNIT_ASSERT(w.starved());
    }

    void testStarvedWhenTheQueueWaitsBeyondTheDeadline()
    {
        int busy = 2, queued = 1;
        HeadWatchdog w(options(300, 2, 0), [&] { return busy; }, [&] { return queued; });
        auto t0 = Clock::now();
        w.check(t0);
        CPPUNIT_ASSERT(!w.starved());
        w.check(t0 + milliseconds(200));
        CPPUNIT_ASSERT(!w.starved());
        w.check(t0 + milliseconds(350));
        CPPUNIT_ASSERT(w.starved());
        // A queue that empties in between starts over.
        HeadWatchdog v(options(300, 2, 0), [&] { return busy; }, [&] { return queued; });
        v.check(t0);
        queued = 0;
        v.check(t0 + milliseconds(200));
        queued = 1;
        v.check(t0 + milliseconds(350));
        CPPUNIT_ASSERT(!v.starved());
    }
    void testIdleKeepAliveYieldsOnlyWhileOthersWait()
    {
        int queued = 0;
        HeadWatchdog w(options(5000, 2, 0), [] { return 2; }, [&] { return queued; });
        Pair p = connect();
        HeadWatchdog::Ticket t;
        w.open(t, p.server, "10.0.0.1", false);
        w.headComplete(t);
        w.awaitNext(t);
        const auto idleFrom = Clock::now();
        // Idle for long, nobody waiting: left alone.
        w.check(idleFrom + HeadWatchdog::IDLE_YIELD * 3);
        CPPUNIT_ASSERT(!w.cut(t));
        // Somebody waits, but the connection has not been idle for IDLE_YIELD yet (measured from awaitNext).
        queued = 1;
        w.check(idleFrom + HeadWatchdog::IDLE_YIELD - milliseconds(50));
        CPPUNIT_ASSERT(!w.cut(t));
        w.check(idleFrom + HeadWatchdog::IDLE_YIELD + milliseconds(10));
        CPPUNIT_ASSERT(w.cutReason(t) == HeadWatchdog::CutReason::Yield);
        CPPUNIT_ASSERT(shutDown(p));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(1), w.yieldCuts());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(0), w.deadlineCuts());
        // A busy connection (its head complete) is never yielded, however long others wait.
        Pair q = connect();
        HeadWatchdog::Ticket u;
        w.open(u, q.server, "10.0.0.1", false);
        w.headComplete(u);
        w.check(Clock::now() + HeadWatchdog::IDLE_YIELD * 10);
        CPPUNIT_ASSERT(!w.cut(u));
        w.release(u);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(HeadWatchdogTest);
