// §0.6 sliding-window math with an injected clock, and the §0.5 brute-force guard.
#include "RateLimiter.h"
#include "SlidingWindow.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace Monlight::Common;

class RateLimitTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(RateLimitTest);
    CPPUNIT_TEST(testExactlyNPerMinute);
    CPPUNIT_TEST(testNPlusOneInsideAnySixtySecondsRejected);
    CPPUNIT_TEST(testRetryAfterIsWhenOldestCountsExpire);
    CPPUNIT_TEST(testRejectedRequestsAreNotCounted);
    CPPUNIT_TEST(testPrincipalsAreIndependent);
    CPPUNIT_TEST(testZeroMeansUnlimited);
    CPPUNIT_TEST(testAuthGuardBlocksAfterLimitFailures);
    CPPUNIT_TEST(testLeastRecentlyUsedPrincipalsEvicted);
    CPPUNIT_TEST_SUITE_END();

public:
    void testExactlyNPerMinute()
    {
        SlidingWindow w;
        for (int i = 0; i < 5; ++i)
            CPPUNIT_ASSERT(w.hit("k", 5, 1000).allowed);
        auto d = w.hit("k", 5, 1000);
        CPPUNIT_ASSERT(!d.allowed);
        CPPUNIT_ASSERT_EQUAL(60, d.retryAfter);
        CPPUNIT_ASSERT(!w.hit("k", 5, 1059).allowed);
        CPPUNIT_ASSERT(w.hit("k", 5, 1060).allowed);
    }

    void testNPlusOneInsideAnySixtySecondsRejected()
    {
        // 3 requests at t=0, 2 at t=30: the 6th inside [t-59, t] is rejected until t=60 frees the first three.
        SlidingWindow w;
        for (int i = 0; i < 3; ++i)
            CPPUNIT_ASSERT(w.hit("k", 5, 0).allowed);
        for (int i = 0; i < 2; ++i)
            CPPUNIT_ASSERT(w.hit("k", 5, 30).allowed);
        auto d = w.hit("k", 5, 45);
        CPPUNIT_ASSERT(!d.allowed);
        CPPUNIT_ASSERT_EQUAL(15, d.retryAfter); // at t=60 the three of t=0 leave the window
        CPPUNIT_ASSERT(!w.hit("k", 5, 59).allowed);
        CPPUNIT_ASSERT(w.hit("k", 5, 60).allowed);
    }

    void testRetryAfterIsWhenOldestCountsExpire()
    {
        SlidingWindow w;
        CPPUNIT_ASSERT(w.hit("k", 2, 100).allowed);
        CPPUNIT_ASSERT(w.hit("k", 2, 110).allowed);
        auto d = w.hit("k", 2, 120);
        CPPUNIT_ASSERT(!d.allowed);
        CPPUNIT_ASSERT_EQUAL(40, d.retryAfter); // window 160-59=101..: the hit of t=100 is gone at t=160
    }

    void testRejectedRequestsAreNotCounted()
    {
        SlidingWindow w;
        CPPUNIT_ASSERT(w.hit("k", 1, 0).allowed);
        for (int t = 1; t < 60; ++t)
            CPPUNIT_ASSERT(!w.hit("k", 1, t).allowed);
        CPPUNIT_ASSERT(w.hit("k", 1, 60).allowed);
    }

    void testPrincipalsAreIndependent()
    {
        SlidingWindow w;
        CPPUNIT_ASSERT(w.hit("a", 1, 0).allowed);
        CPPUNIT_ASSERT(!w.hit("a", 1, 0).allowed);
        CPPUNIT_ASSERT(w.hit("b", 1, 0).allowed);
    }

    void testZeroMeansUnlimited()
    {
        std::int64_t now = 0;
        RateLimiter r([&] { return now; });
        for (int i = 0; i < 1000; ++i)
            CPPUNIT_ASSERT(r.hit("x", "k", 0).allowed);
        CPPUNIT_ASSERT(r.authGuard("1.2.3.4", 0).allowed);
    }

    void testAuthGuardBlocksAfterLimitFailures()
    {
        std::int64_t now = 500;
        RateLimiter r([&] { return now; });
        for (int i = 0; i < 3; ++i)
        {
            CPPUNIT_ASSERT(r.authGuard("1.2.3.4", 3).allowed);
            r.recordAuthFailure("1.2.3.4");
        }
        auto d = r.authGuard("1.2.3.4", 3);
        CPPUNIT_ASSERT(!d.allowed);
        CPPUNIT_ASSERT_EQUAL(60, d.retryAfter);
        CPPUNIT_ASSERT(r.authGuard("5.6.7.8", 3).allowed);
        now = 560;
        CPPUNIT_ASSERT(r.authGuard("1.2.3.4", 3).allowed);
    }

    void testLeastRecentlyUsedPrincipalsEvicted()
    {
        SlidingWindow w(3);
        for (int i = 0; i < 10; ++i)
            w.hit("p" + std::to_string(i), 5, 0);
        CPPUNIT_ASSERT(w.size() <= 3);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(RateLimitTest);
