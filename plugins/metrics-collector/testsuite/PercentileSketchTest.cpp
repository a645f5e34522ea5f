#include "Aggregate.h"
#include "PercentileSketch.h"
#include <Poco/Exception.h>
#include <algorithm>
#include <cmath>
#include <cppunit/extensions/HelperMacros.h>
#include <random>
#include <vector>

using Monlight::MetricsCollector::Aggregate;
using Monlight::MetricsCollector::PercentileSketch;

namespace
{

double exactQuantile(std::vector<double> values, double q)
{
    std::sort(values.begin(), values.end());
    return values[static_cast<std::size_t>(std::floor(q * static_cast<double>(values.size() - 1)))];
}

PercentileSketch sketchOf(const std::vector<double>& values)
{
    PercentileSketch s;
    for (double v : values)
        s.add(v);
    return s;
}

double relativeError(double estimate, double exact)
{
    return std::fabs(estimate - exact) / std::fabs(exact);
}

void assertAccurate(const std::vector<double>& values, const PercentileSketch& s)
{
    double lo = *std::min_element(values.begin(), values.end());
    double hi = *std::max_element(values.begin(), values.end());
    for (double q : {0.5, 0.75, 0.95, 0.99})
    {
        double exact = exactQuantile(values, q);
        double estimate = s.quantile(q, lo, hi);
        CPPUNIT_ASSERT_MESSAGE("q=" + std::to_string(q) + " exact=" + std::to_string(exact) +
                                   " estimate=" + std::to_string(estimate),
                               relativeError(estimate, exact) <= 0.01);
    }
}

} // namespace

class PercentileSketchTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(PercentileSketchTest);
    CPPUNIT_TEST(testSpecBinExamples);
    CPPUNIT_TEST(testSpecVectorOneToHundred);
    CPPUNIT_TEST(testSkewedLogNormalAccuracy);
    CPPUNIT_TEST(testBimodalAccuracy);
    CPPUNIT_TEST(testNegativeAndZeroValuesAreOrdered);
    CPPUNIT_TEST(testMergeEqualsSketchOfUnion);
    CPPUNIT_TEST(testMergeIsOrderIndependent);
    CPPUNIT_TEST(testMergedMinuteSketchesStayAccurate);
    CPPUNIT_TEST(testSerializeRoundTrip);
    CPPUNIT_TEST(testSerializedBytesFollowFormat);
    CPPUNIT_TEST(testDeserializeRejectsGarbage);
    CPPUNIT_TEST(testQuantileEdgesUseMinAndMax);
    CPPUNIT_TEST(testBinsCollapseBeyondLimit);
    CPPUNIT_TEST(testAggregateLastAndMerge);
    CPPUNIT_TEST(testCountAtMost);
    CPPUNIT_TEST_SUITE_END();

public:
    void testCountAtMost()
    {
        // Web Vitals ratings: good ≤ 2500, poor > 4000 (LCP); a value on a threshold rates the better side
        PercentileSketch s = sketchOf({0, 1200, 2500, 2600, 4000, 4100, 9000});
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(3), s.countAtMost(2500));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(5), s.countAtMost(4000));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(7), s.countAtMost(1e6));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(1), s.countAtMost(0));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(0), PercentileSketch().countAtMost(100));
        PercentileSketch cls = sketchOf({0.02, 0.1, 0.11, 0.25, 0.3});
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(2), cls.countAtMost(0.1));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(4), cls.countAtMost(0.25));
    }

    void testSpecBinExamples()
    {
        CPPUNIT_ASSERT_EQUAL(231, PercentileSketch::binIndex(100));
        CPPUNIT_ASSERT_DOUBLES_EQUAL(100.4946, PercentileSketch::binValue(231), 1e-4);
        CPPUNIT_ASSERT_EQUAL(392, PercentileSketch::binIndex(2500));
        CPPUNIT_ASSERT_DOUBLES_EQUAL(2515.4601, PercentileSketch::binValue(392), 1e-4);
        CPPUNIT_ASSERT_EQUAL(-43, PercentileSketch::binIndex(0.42));
        CPPUNIT_ASSERT_DOUBLES_EQUAL(0.418918, PercentileSketch::binValue(-43), 1e-6);
    }

    void testSpecVectorOneToHundred()
    {
        std::vector<double> values;
        for (int i = 1; i <= 100; ++i)
            values.push_back(i);
        PercentileSketch s = sketchOf(values);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(100), s.count());
        CPPUNIT_ASSERT_DOUBLES_EQUAL(49.902961, s.quantile(0.50, 1, 100), 1e-6);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(74.447462, s.quantile(0.75, 1, 100), 1e-6);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(94.642030, s.quantile(0.95, 1, 100), 1e-6);
        CPPUNIT_ASSERT_DOUBLES_EQUAL(98.504576, s.quantile(0.99, 1, 100), 1e-6);
    }

    void testSkewedLogNormalAccuracy()
    {
        std::mt19937_64 rng(42);
        std::lognormal_distribution<double> dist(-2.0, 1.5); // request latencies in seconds, long tail
        std::vector<double> values;
        for (int i = 0; i < 100000; ++i)
            values.push_back(dist(rng));
        assertAccurate(values, sketchOf(values));
    }

    void testBimodalAccuracy()
    {
        std::mt19937_64 rng(7);
        std::normal_distribution<double> fast(20.0, 3.0);   // cache hits, ms
        std::normal_distribution<double> slow(900.0, 150.0); // misses, ms
        std::bernoulli_distribution pickSlow(0.3);
        std::vector<double> values;
        for (int i = 0; i < 50000; ++i)
            values.push_back(std::max(0.5, pickSlow(rng) ? slow(rng) : fast(rng)));
        assertAccurate(values, sketchOf(values));
    }

    void testNegativeAndZeroValuesAreOrdered()
    {
        std::vector<double> values{-50, -10, -1, 0, 0, 1e-12, 2, 30, 400};
        PercentileSketch s = sketchOf(values);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(9), s.count());
        // r = 0.5 * 8 = 4 → fifth value in ascending order (0 or 1e-12 → zero counter).
        CPPUNIT_ASSERT_EQUAL(0.0, s.quantile(0.5, -50, 400));
        double q10 = s.quantile(0.1, -50, 400); // r = 0.8 → first value -50
        CPPUNIT_ASSERT(relativeError(q10, -50) <= 0.01);
        double q25 = s.quantile(0.25, -50, 400); // r = 2 → third value -1
        CPPUNIT_ASSERT(relativeError(q25, -1) <= 0.01);
        double q90 = s.quantile(0.9, -50, 400); // r = 7.2 → eighth value 30
        CPPUNIT_ASSERT(relativeError(q90, 30) <= 0.01);
    }

    void testMergeEqualsSketchOfUnion()
    {
        std::mt19937_64 rng(3);
        std::exponential_distribution<double> dist(0.01);
        std::vector<double> a, b, all;
        for (int i = 0; i < 5000; ++i)
        {
            double v = dist(rng) + 0.001;
            (i % 3 ? a : b).push_back(v);
            all.push_back(v);
        }
        PercentileSketch merged = sketchOf(a);
        merged.merge(sketchOf(b));
        CPPUNIT_ASSERT(merged == sketchOf(all));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(5000), merged.count());
    }

    void testMergeIsOrderIndependent()
    {
        PercentileSketch a = sketchOf({1, 2, 3, -4, 0});
        PercentileSketch b = sketchOf({1000, 0.001, -0.5});
        PercentileSketch c = sketchOf({42});
        PercentileSketch abc = a;
        abc.merge(b);
        abc.merge(c);
        PercentileSketch cba = c;
        cba.merge(b);
        cba.merge(a);
        CPPUNIT_ASSERT(abc == cba);
        CPPUNIT_ASSERT(abc.serialize() == cba.serialize());
    }

    void testMergedMinuteSketchesStayAccurate()
    {
        // 60 "minutes" with drifting distributions merged into one "hour", compared with exact percentiles.
        std::mt19937_64 rng(11);
        std::vector<double> all;
        PercentileSketch hour;
        for (int minute = 0; minute < 60; ++minute)
        {
            std::lognormal_distribution<double> dist(std::log(50.0 + minute * 10), 0.8);
            std::vector<double> values;
            for (int i = 0; i < 500; ++i)
                values.push_back(dist(rng));
            hour.merge(sketchOf(values));
            all.insert(all.end(), values.begin(), values.end());
        }
        assertAccurate(all, hour);
    }

    void testSerializeRoundTrip()
    {
        PercentileSketch s = sketchOf({0.42, 100, 2500, -3, -3, 0, 1e-10, 7e6});
        PercentileSketch back = PercentileSketch::deserialize(s.serialize());
        CPPUNIT_ASSERT(back == s);
        CPPUNIT_ASSERT_EQUAL(s.count(), back.count());
        CPPUNIT_ASSERT(PercentileSketch::deserialize(PercentileSketch().serialize()) == PercentileSketch());
    }

    void testSerializedBytesFollowFormat()
    {
        // values 100 (bin 231) twice and 0.42 (bin -43), one zero, one -2500 (negative bin 392).
        PercentileSketch s = sketchOf({100, 100, 0.42, 0, -2500});
        std::string blob = s.serialize();
        // 01 | zero=1 | P=2 | zz(-43)=85 count 1 | zz(274)=548 → varint A4 04, count 2 | N=1 | zz(392)=784 → 90 06, 1
        const unsigned char expected[] = {0x01, 0x01, 0x02, 0x55, 0x01, 0xA4, 0x04, 0x02, 0x01, 0x90, 0x06, 0x01};
        CPPUNIT_ASSERT_EQUAL(sizeof(expected), blob.size());
        for (std::size_t i = 0; i < blob.size(); ++i)
            CPPUNIT_ASSERT_EQUAL(static_cast<int>(expected[i]), static_cast<int>(static_cast<unsigned char>(blob[i])));
    }

    void testDeserializeRejectsGarbage()
    {
        CPPUNIT_ASSERT_THROW(PercentileSketch::deserialize(""), Poco::DataFormatException);
        CPPUNIT_ASSERT_THROW(PercentileSketch::deserialize(std::string("\x02\x00\x00\x00", 4)),
                             Poco::DataFormatException);
        CPPUNIT_ASSERT_THROW(PercentileSketch::deserialize(std::string("\x01\x00\x01\x02", 4)),
                             Poco::DataFormatException);
        CPPUNIT_ASSERT_THROW(PercentileSketch::deserialize(std::string("\x01\x00\x00\x00\x00", 5)),
                             Poco::DataFormatException);
    }

    void testQuantileEdgesUseMinAndMax()
    {
        PercentileSketch s = sketchOf({3, 5, 7});
        CPPUNIT_ASSERT_EQUAL(3.0, s.quantile(0, 3, 7));
        CPPUNIT_ASSERT_EQUAL(7.0, s.quantile(1, 3, 7));
        // A single value: the representative is clamped to the exact value.
        PercentileSketch one = sketchOf({100});
        CPPUNIT_ASSERT_EQUAL(100.0, one.quantile(0.5, 100, 100));
        CPPUNIT_ASSERT(std::isnan(PercentileSketch().quantile(0.5, 0, 0)));
    }

    void testBinsCollapseBeyondLimit()
    {
        PercentileSketch s;
        // 3000 distinct bins: γ^i spaced values.
        for (int i = 0; i < 3000; ++i)
            s.add(PercentileSketch::binValue(i - 1500));
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(3000), s.count());
        PercentileSketch back = PercentileSketch::deserialize(s.serialize());
        CPPUNIT_ASSERT(back == s);
        // Upper quantiles stay exact to the bin since only the lowest bins were merged.
        double hi = PercentileSketch::binValue(1499);
        double p99 = s.quantile(0.99, PercentileSketch::binValue(-1500), hi);
        double exact = PercentileSketch::binValue(static_cast<int>(std::floor(0.99 * 2999)) - 1500);
        CPPUNIT_ASSERT(relativeError(p99, exact) <= 0.01);
    }

    void testAggregateLastAndMerge()
    {
        Aggregate a;
        a.histogram = true;
        a.addPoint(5, 1000, 1);
        a.addPoint(9, 3000, 2);
        a.addPoint(1, 3000, 3); // same timestamp, greater id wins
        a.addPoint(7, 2000, 4);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(4), a.count);
        CPPUNIT_ASSERT_EQUAL(22.0, a.sum);
        CPPUNIT_ASSERT_EQUAL(1.0, a.min);
        CPPUNIT_ASSERT_EQUAL(9.0, a.max);
        CPPUNIT_ASSERT_EQUAL(1.0, a.last);
        CPPUNIT_ASSERT_EQUAL(5.5, a.avg());
        Aggregate b;
        b.histogram = true;
        b.addPoint(100, 5000, 10);
        a.merge(b);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5), a.count);
        CPPUNIT_ASSERT_EQUAL(100.0, a.last);
        CPPUNIT_ASSERT_EQUAL(100.0, a.max);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(5), a.sketch.count());
        Aggregate counter;
        counter.addPoint(1, 1, 1);
        CPPUNIT_ASSERT(std::isnan(counter.quantile(0.5)));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PercentileSketchTest);
