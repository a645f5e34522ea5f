#include "LineSplitter.h"

#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>
#include <vector>

using Monlight::LogViewer::LineSplitter;
using Monlight::LogViewer::PhysicalLine;

namespace
{
struct Cut
{
    std::string text;
    std::int64_t start, end;
    bool raw;
};

std::vector<Cut> drain(LineSplitter& s)
{
    std::vector<Cut> out;
    PhysicalLine l;
    while (s.next(l))
        out.push_back({std::string(l.text), l.start, l.end, l.raw});
    return out;
}
} // namespace

class LineSplitterTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(LineSplitterTest);
    CPPUNIT_TEST(testCompleteLinesWithOffsets);
    CPPUNIT_TEST(testPartialLineWaitsForNewline);
    CPPUNIT_TEST(testOverlongLineSplitIntoRawChunks);
    CPPUNIT_TEST(testOverlongChunksCutAtUtf8Boundary);
    CPPUNIT_TEST(testResumeInsideOverlongLine);
    CPPUNIT_TEST(testFinishTreatsRestAsLine);
    CPPUNIT_TEST(testSkipToNextLine);
    CPPUNIT_TEST(testFirstSightStart);
    CPPUNIT_TEST_SUITE_END();

public:
    void testCompleteLinesWithOffsets()
    {
        LineSplitter s(100);
        s.append("ab\ncde\n\n", 8);
        auto v = drain(s);
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), v.size());
        CPPUNIT_ASSERT_EQUAL(std::string("ab"), v[0].text);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(100), v[0].start);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(103), v[0].end);
        CPPUNIT_ASSERT_EQUAL(std::string("cde"), v[1].text);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(107), v[1].end);
        CPPUNIT_ASSERT_EQUAL(std::string(""), v[2].text);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(108), s.consumed());
        CPPUNIT_ASSERT(!v[0].raw);
    }

    void testPartialLineWaitsForNewline()
    {
        LineSplitter s(0);
        s.append("one\ntw", 6);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), drain(s).size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(4), s.consumed());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(6), s.appended());
        s.append("o\n", 2);
        auto v = drain(s);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), v.size());
        CPPUNIT_ASSERT_EQUAL(std::string("two"), v[0].text);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(4), v[0].start);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(8), s.consumed());
    }

    void testOverlongLineSplitIntoRawChunks()
    {
        LineSplitter s(0, 8);
        std::string data = std::string(20, 'x') + "\nok\n";
        s.append(data.data(), 5);
        CPPUNIT_ASSERT(drain(s).empty());
        s.append(data.data() + 5, data.size() - 5);
        auto v = drain(s);
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), v.size());
        CPPUNIT_ASSERT_EQUAL(std::string(8, 'x'), v[0].text);
        CPPUNIT_ASSERT(v[0].raw && v[1].raw && v[2].raw);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(8), v[0].end);
        CPPUNIT_ASSERT_EQUAL(std::string(4, 'x'), v[2].text);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(21), v[2].end); // includes the newline
        CPPUNIT_ASSERT_EQUAL(std::string("ok"), v[3].text);
        CPPUNIT_ASSERT(!v[3].raw);
        std::size_t total = 0;
        for (auto& c : v)
            total += c.text.size();
        CPPUNIT_ASSERT_EQUAL(std::size_t(22), total); // nothing dropped
    }

    void testOverlongChunksCutAtUtf8Boundary()
    {
        LineSplitter s(0, 8);
        std::string data = "abcdefg\xE2\x82\xAC"
                           "zzzzzzzz\n";
        s.append(data.data(), data.size());
        auto v = drain(s);
        CPPUNIT_ASSERT_EQUAL(std::string("abcdefg"), v[0].text);
        CPPUNIT_ASSERT_EQUAL(std::string("\xE2\x82\xAC"
                                         "zzzzz"),
                             v[1].text);
    }

    void testResumeInsideOverlongLine()
    {
        LineSplitter s(0, 8);
        s.reset(50, true);
        s.append("tail\nnext\n", 10);
        auto v = drain(s);
        CPPUNIT_ASSERT(v[0].raw);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(50), v[0].start);
        CPPUNIT_ASSERT(!v[1].raw);
    }

    void testFinishTreatsRestAsLine()
    {
        LineSplitter s(0);
        s.append("a\nlast", 6);
        drain(s);
        PhysicalLine l;
        CPPUNIT_ASSERT(s.finish(l));
        CPPUNIT_ASSERT_EQUAL(std::string("last"), std::string(l.text));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(6), l.end);
        CPPUNIT_ASSERT(!s.finish(l));
    }

    void testSkipToNextLine()
    {
        LineSplitter s(10);
        s.skipToNextLine();
        s.append("cut", 3);
        CPPUNIT_ASSERT(drain(s).empty());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(13), s.consumed());
        s.append(" line\nwhole\n", 12);
        auto v = drain(s);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), v.size());
        CPPUNIT_ASSERT_EQUAL(std::string("whole"), v[0].text);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(19), v[0].start);
    }

    void testFirstSightStart()
    {
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), LineSplitter::firstSightStart(100, 65536));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(36), LineSplitter::firstSightStart(100, 64));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(100), LineSplitter::firstSightStart(100, 0));
        CPPUNIT_ASSERT(!LineSplitter::needsSkip(0, 'x'));
        CPPUNIT_ASSERT(!LineSplitter::needsSkip(36, '\n'));
        CPPUNIT_ASSERT(LineSplitter::needsSkip(36, 'x'));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(LineSplitterTest);
