#include "ChunkedDecoder.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace Monlight::Host;
using Status = ChunkedDecoder::Status;

class ChunkedDecoderTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ChunkedDecoderTest);
    CPPUNIT_TEST(testWellFormedBody);
    CPPUNIT_TEST(testExtensionsAndTrailersAccepted);
    CPPUNIT_TEST(testStopsAtTheEndOfTheBody);
    CPPUNIT_TEST(testByteByByteEqualsWhole);
    CPPUNIT_TEST(testMinRemainingNeverReachesTheNextRequest);
    CPPUNIT_TEST(testMalformedSizeIsInvalid);
    CPPUNIT_TEST(testBareLfAndMissingCrlfAreInvalid);
    CPPUNIT_TEST(testDataLongerThanItsSizeIsInvalid);
    CPPUNIT_TEST(testTruncatedBodyNeedsMore);
    CPPUNIT_TEST(testBadTrailersAreInvalid);
    CPPUNIT_TEST(testCap);
    CPPUNIT_TEST(testLongLinesAreInvalid);
    CPPUNIT_TEST_SUITE_END();

    static Status run(const std::string& wire, std::string& body, std::size_t& used, std::size_t cap = 1 << 20)
    {
        return ChunkedDecoder::decode(wire.data(), wire.size(), cap, body, used);
    }

    static Status status(const std::string& wire, std::size_t cap = 1 << 20)
    {
        std::string body;
        std::size_t used = 0;
        return run(wire, body, used, cap);
    }

public:
    void testWellFormedBody()
    {
        std::string body;
        std::size_t used = 0;
        std::string wire = "5\r\nhello\r\n1A\r\n" + std::string(26, 'x') + "\r\n0\r\n\r\n";
        CPPUNIT_ASSERT(run(wire, body, used) == Status::Done);
        CPPUNIT_ASSERT_EQUAL("hello" + std::string(26, 'x'), body);
        CPPUNIT_ASSERT_EQUAL(wire.size(), used);
        // Leading zeros and an empty body.
        CPPUNIT_ASSERT(run("0005\r\nabcde\r\n000\r\n\r\n", body, used) == Status::Done);
        CPPUNIT_ASSERT_EQUAL(std::string("abcde"), body);
        CPPUNIT_ASSERT(run("0\r\n\r\n", body, used) == Status::Done);
        CPPUNIT_ASSERT(body.empty());
    }

    void testExtensionsAndTrailersAccepted()
    {
        std::string body;
        std::size_t used = 0;
        CPPUNIT_ASSERT(run("3;name=value\r\nabc\r\n3 ; x=\"q\"\r\ndef\r\n0;last\r\nX-Sum: 1\r\nY:2\r\n\r\n", body,
                           used) == Status::Done);
        CPPUNIT_ASSERT_EQUAL(std::string("abcdef"), body);
    }

    void testStopsAtTheEndOfTheBody()
    {
        std::string body;
        std::size_t used = 0;
        std::string first = "3\r\nabc\r\n0\r\n\r\n";
        std::string wire = first + "GET /api/projects HTTP/1.1\r\n\r\n";
        CPPUNIT_ASSERT(run(wire, body, used) == Status::Done);
        CPPUNIT_ASSERT_EQUAL(first.size(), used);
        ChunkedDecoder d(100);
        CPPUNIT_ASSERT_EQUAL(first.size(), d.feed(wire.data(), wire.size()));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), d.feed(wire.data(), wire.size()));
    }

    void testByteByByteEqualsWhole()
    {
        std::string wire = "4;a=b\r\nwxyz\r\n10\r\n0123456789abcdef\r\n0\r\nT: v\r\n\r\n";
        ChunkedDecoder d(1000);
        for (char c : wire)
            CPPUNIT_ASSERT_EQUAL(std::size_t(1), d.feed(&c, 1));
        CPPUNIT_ASSERT(d.status() == Status::Done);
        CPPUNIT_ASSERT_EQUAL(std::string("wxyz0123456789abcdef"), d.body());
    }

    /// A reader that asks for at most minRemaining() bytes at a time never takes a byte past the body.
    void testMinRemainingNeverReachesTheNextRequest()
    {
        const std::string bodies[] = {"0\r\n\r\n", "1\r\na\r\n0\r\n\r\n", "3;e\r\nabc\r\n0\r\nA: b\r\nC: d\r\n\r\n",
                                      "00010\r\n0123456789abcdef\r\n2\r\nxy\r\n00\r\n\r\n"};
        for (const auto& b : bodies)
        {
            std::string wire = b + "NEXT";
            ChunkedDecoder d(1000);
            std::size_t pos = 0;
            while (d.status() == Status::NeedMore)
            {
                std::size_t want = static_cast<std::size_t>(d.minRemaining());
                CPPUNIT_ASSERT(want >= 1);
                CPPUNIT_ASSERT_MESSAGE(b, pos + want <= b.size());
                CPPUNIT_ASSERT_EQUAL(want, d.feed(wire.data() + pos, want));
                pos += want;
            }
            CPPUNIT_ASSERT(d.status() == Status::Done);
            CPPUNIT_ASSERT_EQUAL(b.size(), pos);
            CPPUNIT_ASSERT_EQUAL(std::uint64_t(0), d.minRemaining());
        }
    }

    void testMalformedSizeIsInvalid()
    {
        // The case of issue 13: Poco ended the body at "zz" and ran the rest as a second request.
        CPPUNIT_ASSERT(status("zz\r\nGET /api/projects HTTP/1.1\r\nHost: x\r\n\r\n") == Status::Invalid);
        CPPUNIT_ASSERT(status("\r\nabc\r\n0\r\n\r\n") == Status::Invalid);
        CPPUNIT_ASSERT(status("-5\r\nabcde\r\n0\r\n\r\n") == Status::Invalid);
        CPPUNIT_ASSERT(status("+5\r\nabcde\r\n0\r\n\r\n") == Status::Invalid);
        CPPUNIT_ASSERT(status("0x5\r\nabcde\r\n0\r\n\r\n") == Status::Invalid);
        CPPUNIT_ASSERT(status("5 \r\nabcde\r\n0\r\n\r\n") == Status::Invalid);
        CPPUNIT_ASSERT(status(" 5\r\nabcde\r\n0\r\n\r\n") == Status::Invalid);
        CPPUNIT_ASSERT(status("5g\r\nabcde\r\n0\r\n\r\n") == Status::Invalid);
        CPPUNIT_ASSERT(status("5;\x01\r\nabcde\r\n0\r\n\r\n") == Status::Invalid);
        CPPUNIT_ASSERT(status("00000000000000005\r\nabcde\r\n0\r\n\r\n") == Status::Invalid); // 17 digits
        ChunkedDecoder d(100);
        std::string wire = "zz\r\n";
        d.feed(wire.data(), wire.size());
        CPPUNIT_ASSERT(d.status() == Status::Invalid);
        CPPUNIT_ASSERT(!d.reason().empty());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(0), d.minRemaining());
    }

    void testBareLfAndMissingCrlfAreInvalid()
    {
        CPPUNIT_ASSERT(status("5\nabcde\r\n0\r\n\r\n") == Status::Invalid);
        CPPUNIT_ASSERT(status("5\r\nabcde\n0\r\n\r\n") == Status::Invalid);
        CPPUNIT_ASSERT(status("5\r\nabcde0\r\n\r\n") == Status::Invalid);
        CPPUNIT_ASSERT(status("5\r\nabcde\r\n0\n\r\n") == Status::Invalid);
        CPPUNIT_ASSERT(status("5\r\nabcde\r\n0\r\n\n") == Status::Invalid);
        CPPUNIT_ASSERT(status("5\r\nabcde\r\n0\r\n\rX") == Status::Invalid);
    }

    void testDataLongerThanItsSizeIsInvalid()
    {
        CPPUNIT_ASSERT(status("3\r\nabcdef\r\n0\r\n\r\n") == Status::Invalid);
    }

    void testTruncatedBodyNeedsMore()
    {
        // The other case of issue 13: a body cut inside a chunk was stored as complete.
        const char* cuts[] = {"", "5", "5\r", "5\r\n", "5\r\nab", "5\r\nabcde", "5\r\nabcde\r", "5\r\nabcde\r\n",
                              "5\r\nabcde\r\n0", "5\r\nabcde\r\n0\r\n", "5\r\nabcde\r\n0\r\nT: v\r\n",
                              "5\r\nabcde\r\n0\r\n\r"};
        for (const char* c : cuts)
        {
            std::string body;
            std::size_t used = 0;
            CPPUNIT_ASSERT_MESSAGE(c, run(c, body, used) == Status::NeedMore);
            ChunkedDecoder d(100);
            d.feed(c, std::char_traits<char>::length(c));
            CPPUNIT_ASSERT(d.minRemaining() >= 1);
        }
    }

    void testBadTrailersAreInvalid()
    {
        CPPUNIT_ASSERT(status("0\r\nNoColon\r\n\r\n") == Status::Invalid);
        CPPUNIT_ASSERT(status("0\r\n Folded: x\r\n\r\n") == Status::Invalid);
        CPPUNIT_ASSERT(status("0\r\n: empty name\r\n\r\n") == Status::Invalid);
        CPPUNIT_ASSERT(status("0\r\nA: b\x7f\r\n\r\n") == Status::Invalid);
        CPPUNIT_ASSERT(status("0\r\nA: b\nC: d\r\n\r\n") == Status::Invalid);
    }

    void testCap()
    {
        std::string body;
        std::size_t used = 0;
        CPPUNIT_ASSERT(run("5\r\nabcde\r\n0\r\n\r\n", body, used, 5) == Status::Done);
        CPPUNIT_ASSERT(run("5\r\nabcde\r\n1\r\nf\r\n0\r\n\r\n", body, used, 5) == Status::TooLarge);
        // Decided on the size line, before any data arrives, and without overflow for huge sizes.
        CPPUNIT_ASSERT(status("6\r\n", 5) == Status::TooLarge);
        CPPUNIT_ASSERT(status("ffffffffffffffff\r\n", 5) == Status::TooLarge);
        CPPUNIT_ASSERT(status("1\r\n", 0) == Status::TooLarge);
        CPPUNIT_ASSERT(status("0\r\n\r\n", 0) == Status::Done);
    }

    void testLongLinesAreInvalid()
    {
        CPPUNIT_ASSERT(status("1;" + std::string(2000, 'e') + "\r\nx\r\n0\r\n\r\n") == Status::Invalid);
        CPPUNIT_ASSERT(status("0\r\nA: " + std::string(9000, 'v') + "\r\n\r\n") == Status::Invalid);
        CPPUNIT_ASSERT(status("1;" + std::string(1000, 'e') + "\r\nx\r\n0\r\n\r\n") == Status::Done);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ChunkedDecoderTest);
