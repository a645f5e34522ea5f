#include "PageLabel.h"
#include "DsnSeedList.h"
#include <cppunit/extensions/HelperMacros.h>

using namespace Monlight::BrowserRelay;

class PageLabelTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(PageLabelTest);
    CPPUNIT_TEST(testPathOfUrl);
    CPPUNIT_TEST(testNormalizeSpecExamples);
    CPPUNIT_TEST(testNormalizeKeepsWordsAndShortHex);
    CPPUNIT_TEST(testNormalizeCutsTo200Chars);
    CPPUNIT_TEST(testDsnSeedList);
    CPPUNIT_TEST(testMalformedDsnSeeds);
    CPPUNIT_TEST_SUITE_END();

public:
    void testPathOfUrl()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("/users/42"),
                             PageLabel::path("https://shop.example.com/users/42?tab=1"));
        CPPUNIT_ASSERT_EQUAL(std::string("/"), PageLabel::path("https://shop.example.com"));
        CPPUNIT_ASSERT_EQUAL(std::string("/"), PageLabel::path("https://shop.example.com?x#y"));
        CPPUNIT_ASSERT_EQUAL(std::string("/a%20b"), PageLabel::path("https://h/a%20b#frag"));
        CPPUNIT_ASSERT_EQUAL(std::string("/local"), PageLabel::path("/local?x=1"));
        CPPUNIT_ASSERT_EQUAL(std::string("/"), PageLabel::path("?x=1"));
        CPPUNIT_ASSERT_EQUAL(std::string("relative/path"), PageLabel::path("relative/path"));
    }

    void testNormalizeSpecExamples()
    {
        CPPUNIT_ASSERT_EQUAL(
            std::string("/users/{id}/orders/{id}"),
            PageLabel::normalize(PageLabel::path(
                "https://shop.example.com/users/42/orders/550e8400-e29b-41d4-a716-446655440000?tab=1")));
        CPPUNIT_ASSERT_EQUAL(std::string("/dashboard"),
                             PageLabel::normalize(PageLabel::path("https://example.com/dashboard?tab=1")));
        CPPUNIT_ASSERT_EQUAL(std::string("/blob/{id}"), PageLabel::normalize("/blob/0123456789abcdefABCDEF"));
    }

    void testNormalizeKeepsWordsAndShortHex()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("/cafe/deadbeef/v2"), PageLabel::normalize("/cafe/deadbeef/v2"));
        CPPUNIT_ASSERT_EQUAL(std::string("/"), PageLabel::normalize("/"));
        CPPUNIT_ASSERT_EQUAL(std::string("/a//b/"), PageLabel::normalize("/a//b/"));
        CPPUNIT_ASSERT_EQUAL(std::string("/550e8400-e29b-41d4-a716-44665544000"),
                             PageLabel::normalize("/550e8400-e29b-41d4-a716-44665544000"));
    }

    void testNormalizeCutsTo200Chars()
    {
        const std::string longPath = "/" + std::string(250, 'x');
        CPPUNIT_ASSERT_EQUAL(std::size_t(200), PageLabel::normalize(longPath).size());
        std::string utf8 = "/";
        for (int i = 0; i < 250; ++i)
            utf8 += "\xC3\xA9";
        CPPUNIT_ASSERT_EQUAL(std::size_t(1 + 199 * 2), PageLabel::normalize(utf8).size());
    }

    void testDsnSeedList()
    {
        std::vector<DsnSeedList::Entry> entries;
        std::string error;
        CPPUNIT_ASSERT(DsnSeedList::parse(" shop : abcdefgh12 , blog:key_with-dash,,", entries, error));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), entries.size());
        CPPUNIT_ASSERT_EQUAL(std::string("shop"), entries[0].project);
        CPPUNIT_ASSERT_EQUAL(std::string("abcdefgh12"), entries[0].key);
        CPPUNIT_ASSERT_EQUAL(std::string("key_with-dash"), entries[1].key);
        entries.clear();
        // split at the first ':', so the key part keeps the second ':' and is not a valid key
        CPPUNIT_ASSERT(!DsnSeedList::parse("a:b:cdefghij", entries, error));
        CPPUNIT_ASSERT(DsnSeedList::parse("a b:cdefghij", entries, error));
        CPPUNIT_ASSERT_EQUAL(std::string("a b"), entries.back().project);
        entries.clear();
        CPPUNIT_ASSERT(DsnSeedList::parse("", entries, error));
        CPPUNIT_ASSERT(entries.empty());
    }

    void testMalformedDsnSeeds()
    {
        std::vector<DsnSeedList::Entry> entries;
        std::string error;
        CPPUNIT_ASSERT(!DsnSeedList::parse("shop", entries, error));
        CPPUNIT_ASSERT(!error.empty());
        CPPUNIT_ASSERT(!DsnSeedList::parse(":abcdefgh", entries, error));
        CPPUNIT_ASSERT(!DsnSeedList::parse("shop:short", entries, error));
        CPPUNIT_ASSERT(DsnSeedList::parse("shop:12345678", entries, error));
        CPPUNIT_ASSERT(!DsnSeedList::parse("shop:1234567", entries, error));
        CPPUNIT_ASSERT(!DsnSeedList::parse("shop:" + std::string(65, 'a'), entries, error));
        CPPUNIT_ASSERT(!DsnSeedList::parse("shop:abc def gh", entries, error));
        CPPUNIT_ASSERT(!DsnSeedList::parse(std::string(101, 'p') + ":abcdefgh", entries, error));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(PageLabelTest);
