// The SDK's pure helpers: JSON input/output rules (§0.8, §0.9), timestamps (§0.11), query strings (§0.12).
#include "Monlight/HttpError.h"
#include "Monlight/Http.h"
#include "Monlight/Json.h"
#include "Monlight/Time.h"
#include <cppunit/extensions/HelperMacros.h>

using namespace Monlight;

class SdkTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(SdkTest);
    CPPUNIT_TEST(testParseRejectsPerSpec);
    CPPUNIT_TEST(testParseAcceptsPerSpec);
    CPPUNIT_TEST(testEmptyAndNonObjectBodies);
    CPPUNIT_TEST(testParseKeepsKeyOrderOfLargeObjects);
    CPPUNIT_TEST(testParsedObjectsStayConsistentWhenEdited);
    CPPUNIT_TEST(testIntegerLiteralsOutsideRangeAreInvalid);
    CPPUNIT_TEST(testDocumentAgreesWithParse);
    CPPUNIT_TEST(testEveryStringBytePositionIsChecked);
    CPPUNIT_TEST(testWriterEscapingAndOrder);
    CPPUNIT_TEST(testQuotingAndCountingAtEveryOffset);
    CPPUNIT_TEST(testWriterMembersOfAnOpenObject);
    CPPUNIT_TEST(testDoubleFormatting);
    CPPUNIT_TEST(testTimestampFormats);
    CPPUNIT_TEST(testTimestampParsing);
    CPPUNIT_TEST_SUITE_END();

    static std::string detailOf(const std::string& text)
    {
        try
        {
            Json::parse(text);
        }
        catch (const HttpError& e)
        {
            return e.detail();
        }
        return "";
    }

public:
    /// The string scanner reads eight bytes at a time: a quote, backslash, control byte, DEL or non-ASCII byte at
    /// any position of a string of any length is seen, as Json::parse sees it.
    void testEveryStringBytePositionIsChecked()
    {
        auto verdict = [](const std::string& t, bool document) -> std::string
        {
            try
            {
                return document ? "OK " + Json::Document(t).root().compact() : "OK " + Json::stringify(Json::parse(t));
            }
            catch (const HttpError& e)
            {
                return "ERR " + e.detail();
            }
        };
        const std::vector<std::string> specials = {"\x01", "\x1f", "\"", "\\", "\\n", "\\u00e9", "\x7f", "\x80",
                                                   "\xc3\xa9", "\xe2\x82\xac", " ", "~"};
        for (std::size_t length = 0; length <= 24; ++length)
            for (std::size_t at = 0; at <= length; ++at)
                for (const auto& special : specials)
                {
                    const std::string text = "{\"k\":\"" + std::string(at, 'a') + special +
                                             std::string(length - at, 'b') + "\"}";
                    CPPUNIT_ASSERT_EQUAL_MESSAGE(text, verdict(text, false), verdict(text, true));
                }
    }

    /// Json::Document (the single-pass parser) accepts and rejects exactly what Json::parse does, with the same
    /// error, and writes what stringify() writes; on hand-written cases and on random edits of them.
    void testDocumentAgreesWithParse()
    {
        auto viaParse = [](const std::string& t) -> std::string
        {
            try
            {
                return "OK " + Json::stringify(Json::parse(t));
            }
            catch (const HttpError& e)
            {
                return "ERR " + e.detail();
            }
        };
        auto viaDocument = [](const std::string& t) -> std::string
        {
            try
            {
                Json::Document d(t);
                return "OK " + d.root().compact();
            }
            catch (const HttpError& e)
            {
                return "ERR " + e.detail();
            }
        };
        std::vector<std::string> cases = {
            "", " \n", "\xEF\xBB\xBF", "\xEF\xBB\xBF{\"a\":1}", "{}", "[]", "{\"a\":[1,2.5,-0,1e5,true,false,null]}",
            "{\"a\":1,\"b\":2,\"a\":3}", "[1,]", "{\"a\":1,}", "[01]", "[-01]", "[1.]", "[.5]", "[+1]", "[-]", "[1e]",
            "[1e+]", "[True]", "[nul]", "[1 2]", "{\"a\" 1}", "{1:2}", "[\"\\u0000\"]", "[\"\\x\"]", "[\"\\/\"]",
            "[\"\\U0041\"]", "[-0.0]", "[1E2]", "[18446744073709551615]", "[18446744073709551616]",
            "[-9223372036854775808]", "[-9223372036854775809]", "[1e400]", "[-1e400]", "[1e-400]",
            "[1.7976931348623157e308]", "[1.7976931348623159e308]", "[\"\\ud800\"]", "[\"\\udc00\"]",
            "[\"\\ud83d\\ude00\"]", "[\"\\ud83d\\u0041\"]", "[\"a\tb\"]", "[\"a\x7f\"]", "[\"\xc3\xa9\"]", "[\"\xc3\"]",
            "[\"\xed\xa0\x80\"]", "[\"\xf4\x90\x80\x80\"]", "[\"\xc0\xaf\"]", "\"abc\"", "true", "null", "42", " 4 2",
            "[1]]", "{\"a\":1}}", "[]x", "[1e15]", "[0.1]", "[\"\xe2\x80\xa8\"]", "{\"\":{\"\":[]}}"};
        for (int depth : {63, 64, 65})
            cases.push_back(std::string(static_cast<std::size_t>(depth), '[') +
                            std::string(static_cast<std::size_t>(depth), ']'));
        std::string many = "{";
        for (int i = 0; i < 100; ++i)
            many += (i ? ",\"k" : "\"k") + std::to_string(i % 37) + "\":" + std::to_string(i);
        cases.push_back(many + "}");
        for (const auto& c : cases)
            CPPUNIT_ASSERT_EQUAL_MESSAGE(c, viaParse(c), viaDocument(c));
        // Random edits of a few seeds (deterministic).
        const std::vector<std::string> seeds = {
            "{\"a\":[1,2.5,-0,1e5,\"x\\u00e9\\ud83d\\ude00\",true,false,null],\"b\":{\"c\":\"d\",\"c\":1},\"a\":0}",
            "{\"k\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u0001\"}", "\xEF\xBB\xBF {\"\xc3\xa9\":\"\xe2\x80\xa8\"} "};
        const std::string alphabet = "{}[]\",:\\u0123456789abcdefE.-+ \t\ntruefalsnl\xc3\xa9\xff\x80";
        std::uint32_t rnd = 12345;
        auto next = [&] { return rnd = rnd * 1103515245u + 12345u, (rnd >> 8); };
        for (int it = 0; it < 20000; ++it)
        {
            std::string t = seeds[next() % seeds.size()];
            for (int k = 0, n = 1 + static_cast<int>(next() % 3); k < n; ++k)
            {
                std::size_t pos = next() % (t.size() + 1);
                char ch = alphabet[next() % alphabet.size()];
                switch (next() % 3)
                {
                case 0: if (pos < t.size()) t.erase(pos, 1); break;
                case 1: t.insert(pos, 1, ch); break;
                default: if (pos < t.size()) t[pos] = ch; break;
                }
            }
            CPPUNIT_ASSERT_EQUAL_MESSAGE(t, viaParse(t), viaDocument(t));
        }
        // Lookups: the last duplicate wins; absent and null read as null.
        Json::Document d("{\"a\":1,\"s\":\"x\\ny\",\"a\":{\"b\":[true,null]},\"n\":null}");
        CPPUNIT_ASSERT(d.root()["a"].isObject());
        CPPUNIT_ASSERT_EQUAL(std::string("[true,null]"), d.root()["a"]["b"].compact());
        CPPUNIT_ASSERT_EQUAL(std::string("x\ny"), std::string(d.root()["s"].string()));
        CPPUNIT_ASSERT(d.root()["n"].isNull() && d.root()["zz"].isNull() && d.root()["s"]["x"].isNull());
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), d.root().size());
        // uniqueMembers: one call per distinct key, at its first place with its last value (what parse() keeps),
        // below and above the 16 members where it switches to a hash map.
        for (int n : {3, 40})
        {
            std::string text = "{\"z\":0";
            for (int i = 0; i < n; ++i)
                text += ",\"k" + std::to_string(i % 7) + "\":" + std::to_string(i);
            text += ",\"z\":\"last\"}";
            Json::Document doc(text);
            std::string seen;
            doc.root().uniqueMembers([&](std::string_view k, Json::Document::Value v)
                                     { seen += std::string(seen.empty() ? "" : ",") + std::string(k) + "=" + v.compact(); });
            std::string expected = "z=\"last\"";
            for (int k = 0; k < std::min(n, 7); ++k)
            {
                int last = k;
                while (last + 7 < n)
                    last += 7;
                expected += ",k" + std::to_string(k) + "=" + std::to_string(last);
            }
            CPPUNIT_ASSERT_EQUAL(expected, seen);
            CPPUNIT_ASSERT_EQUAL(Json::stringify(Json::parse(text)), doc.root().compact());
        }
        int calls = 0;
        d.root()["s"].uniqueMembers([&](std::string_view, Json::Document::Value) { ++calls; });
        CPPUNIT_ASSERT_EQUAL(0, calls);
        // Integers beyond 2^53 stay exact (Poco 1.11 reads large negative ones as doubles).
        CPPUNIT_ASSERT_EQUAL(std::string("[-922337203685477508,18446744073709551615]"),
                             Json::Document("[-922337203685477508,18446744073709551615]").root().compact());
    }

    void testParseRejectsPerSpec()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("Invalid JSON"), detailOf("{\"a\":1e400}"));
        CPPUNIT_ASSERT_EQUAL(std::string("Invalid JSON"), detailOf("{\"a\":[-1e400]}"));
        CPPUNIT_ASSERT_EQUAL(std::string("Invalid JSON"), detailOf("{\"a\":\"\\ud800\"}"));
        CPPUNIT_ASSERT_EQUAL(std::string("Invalid JSON"), detailOf("{\"a\":\"\\udc00x\"}"));
        CPPUNIT_ASSERT_EQUAL(std::string("Invalid JSON"), detailOf("{\"a\":\"\xff\"}"));
        CPPUNIT_ASSERT_EQUAL(std::string("Invalid JSON"), detailOf("{} x"));
        CPPUNIT_ASSERT_EQUAL(std::string("Invalid JSON"), detailOf("{\"a\":1}{}"));
        CPPUNIT_ASSERT_EQUAL(std::string("Invalid JSON"), detailOf("{\"a\":"));
        CPPUNIT_ASSERT_EQUAL(std::string("Invalid JSON"), detailOf(std::string(65, '[') + std::string(65, ']')));
        CPPUNIT_ASSERT_EQUAL(std::string(""), detailOf(std::string(64, '[') + std::string(64, ']')));
    }

    void testParseAcceptsPerSpec()
    {
        auto obj = Json::parseObject("\xEF\xBB\xBF{\"a\":1,\"a\":2,\"s\":\"\\ud83d\\ude00\",\"n\":null,\"u\":1e-400}");
        CPPUNIT_ASSERT_EQUAL(2.0, *Json::getNumber(*obj, "a"));
        CPPUNIT_ASSERT_EQUAL(std::string("\xF0\x9F\x98\x80"), *Json::getString(*obj, "s"));
        CPPUNIT_ASSERT(!Json::has(*obj, "n"));
        CPPUNIT_ASSERT(!Json::getString(*obj, "n"));
        CPPUNIT_ASSERT_EQUAL(0.0, *Json::getNumber(*obj, "u"));
        CPPUNIT_ASSERT(!Json::getNumber(*obj, "s"));
        CPPUNIT_ASSERT(Json::parse(" [1] ").type() == typeid(Poco::JSON::Array::Ptr));
        CPPUNIT_ASSERT_EQUAL(std::string("x"), Json::parse(" \"x\" ").convert<std::string>());
        CPPUNIT_ASSERT_EQUAL(42, Json::parse("42").convert<int>());
        CPPUNIT_ASSERT_EQUAL(std::string("Invalid JSON"), detailOf("42 43"));
        CPPUNIT_ASSERT_EQUAL(std::string("Invalid JSON"), detailOf("\"a\",\"b\""));
    }

    void testParseKeepsKeyOrderOfLargeObjects()
    {
        // 20,000 keys in descending order: the first-insertion order must survive, duplicates keep their first
        // place with the last value, and nested objects keep theirs.
        std::string text = "{";
        std::vector<std::string> expected;
        for (int i = 20000; i > 0; --i)
        {
            std::string k = "k" + std::to_string(i);
            text += "\"" + k + "\":" + std::to_string(i) + ",";
            expected.push_back(k);
        }
        text += "\"k20000\":0,\"nested\":{\"z\":1,\"a\":{\"q\":[1,{\"y\":1,\"b\":2}]},\"z\":3}}";
        expected.push_back("nested");
        auto obj = Json::parseObject(text);
        CPPUNIT_ASSERT(obj->getNames() == expected);
        CPPUNIT_ASSERT_EQUAL(0.0, *Json::getNumber(*obj, "k20000"));
        CPPUNIT_ASSERT_EQUAL(std::string("{\"z\":3,\"a\":{\"q\":[1,{\"y\":1,\"b\":2}]}}"),
                             Json::stringify(obj->get("nested")));
    }

    void testParsedObjectsStayConsistentWhenEdited()
    {
        // Callers may edit parsed objects (Poco's set/remove/copy must see the same key order as the parser).
        auto obj = Json::parseObject("{\"b\":1,\"a\":2,\"c\":3}");
        obj->set("a", 5);
        obj->set("d", 6);
        obj->remove("b");
        CPPUNIT_ASSERT_EQUAL(std::string("{\"a\":5,\"c\":3,\"d\":6}"), Json::stringify(obj));
        Poco::JSON::Object copy(*obj);
        CPPUNIT_ASSERT(copy.getNames() == (std::vector<std::string>{"a", "c", "d"}));
        CPPUNIT_ASSERT_EQUAL(std::string("{}"), Json::stringify(Json::parse("{}")));
    }

    void testIntegerLiteralsOutsideRangeAreInvalid()
    {
        // Poco 1.11 wraps 2^64 ... ~2^65 (2^64 read as 0); §0.8 allows Invalid JSON outside -2^63 ... 2^64-1.
        for (const char* n : {"18446744073709551616", "18446744073709551617", "36893488147419103231",
                              "99999999999999999999", "-9223372036854775809", "-18446744073709551616"})
        {
            CPPUNIT_ASSERT_EQUAL(std::string("Invalid JSON"), detailOf(std::string("{\"a\":") + n + "}"));
            CPPUNIT_ASSERT_EQUAL(std::string("Invalid JSON"), detailOf(std::string("[1,") + n + "]"));
            CPPUNIT_ASSERT_EQUAL(std::string("Invalid JSON"), detailOf(n));
        }
        CPPUNIT_ASSERT_EQUAL(std::string("[18446744073709551615,-9223372036854775808,1e+20,1e+20]"),
                             Json::stringify(Json::parse("[18446744073709551615,-9223372036854775808,1e20,"
                                                         "100000000000000000000.0]")));
        CPPUNIT_ASSERT_EQUAL(std::string("{\"a\":\"18446744073709551616\"}"),
                             Json::stringify(Json::parse("{\"a\":\"18446744073709551616\"}")));
    }

    void testEmptyAndNonObjectBodies()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("Empty request body"), detailOf(""));
        CPPUNIT_ASSERT_EQUAL(std::string("Empty request body"), detailOf("  \n"));
        try
        {
            Json::parseObject("\"just a string\"");
            CPPUNIT_FAIL("expected 400");
        }
        catch (const HttpError& e)
        {
            CPPUNIT_ASSERT_EQUAL(std::string("Request body must be a JSON object"), e.detail());
        }
        try
        {
            Json::parseObject("[1,2]");
            CPPUNIT_FAIL("expected 400");
        }
        catch (const HttpError& e)
        {
            CPPUNIT_ASSERT_EQUAL(std::string("Request body must be a JSON object"), e.detail());
        }
    }

    void testWriterEscapingAndOrder()
    {
        Json::Writer w;
        w.beginObject()
            .field("z", "a\"b\\c\n\t\x01/")
            .field("a", std::int64_t(-5))
            .key("arr")
            .beginArray()
            .value(true)
            .null()
            .value(std::string("\xE2\x80\xA8"))
            .endArray()
            .field("bad", std::string("x\xffy"))
            .endObject();
        CPPUNIT_ASSERT_EQUAL(std::string("{\"z\":\"a\\\"b\\\\c\\n\\t\\u0001/\",\"a\":-5,\"arr\":[true,null,\"\\u2028\"],"
                                         "\"bad\":\"x\xEF\xBF\xBDy\"}"),
                             w.str());
    }

    /// appendQuoted() copies runs of plain bytes eight at a time and codePoints() counts eight bytes at a time:
    /// a byte that needs care at every offset of a run, and at both ends, gives what a byte-by-byte rule gives.
    void testQuotingAndCountingAtEveryOffset()
    {
        const std::vector<std::pair<std::string, std::string>> specials = {
            {"\"", "\\\""}, {"\\", "\\\\"}, {"\n", "\\n"}, {"\x1f", "\\u001f"}, {"\x7f", "\x7f"},
            {"\xC3\xA9", "\xC3\xA9"}, {"\xE2\x80\xA9", "\\u2029"}, {"\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80"},
            {"\xff", "\xEF\xBF\xBD"}};
        for (std::size_t len = 0; len <= 19; ++len)
            for (std::size_t at = 0; at <= len; ++at)
                for (const auto& [raw, quoted] : specials)
                {
                    const std::string plain = "abcdefghijklmnopqrst/ ~";
                    const std::string text = plain.substr(0, at) + raw + plain.substr(at, len - at);
                    std::string out;
                    Json::appendQuoted(out, text);
                    const std::string expected = "\"" + plain.substr(0, at) + quoted + plain.substr(at, len - at) + "\"";
                    CPPUNIT_ASSERT_EQUAL(expected, out);
                    std::size_t naive = 0;
                    for (char c : text)
                        naive += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
                    CPPUNIT_ASSERT_EQUAL(naive, Json::codePoints(text));
                }
    }

    void testWriterMembersOfAnOpenObject()
    {
        Json::Writer none;
        none.beginObject();
        Json::Writer some;
        some.beginObject().field("n", 1).key("o").beginObject().field("x", "y").endObject();
        Json::Writer w;
        w.beginObject().field("a", 1).members(none).members(some).field("b", 2).endObject();
        CPPUNIT_ASSERT_EQUAL(std::string("{\"a\":1,\"n\":1,\"o\":{\"x\":\"y\"},\"b\":2}"), w.str());
        Json::Writer first;
        first.beginObject().members(some).endObject();
        CPPUNIT_ASSERT_EQUAL(std::string("{\"n\":1,\"o\":{\"x\":\"y\"}}"), first.str());
        Json::Writer closed;
        closed.beginObject().endObject();
        Json::Writer unbalanced;
        unbalanced.beginObject().key("k").beginArray();
        CPPUNIT_ASSERT_THROW(w.members(closed), Poco::InvalidArgumentException);
        CPPUNIT_ASSERT_THROW(w.members(unbalanced), Poco::InvalidArgumentException);
    }

    void testDoubleFormatting()
    {
        auto fmt = [](double d) {
            std::string s;
            Json::appendDouble(s, d);
            return s;
        };
        CPPUNIT_ASSERT_EQUAL(std::string("0.42"), fmt(0.42));
        CPPUNIT_ASSERT_EQUAL(std::string("2500"), fmt(2500.0));
        CPPUNIT_ASSERT_EQUAL(std::string("0.1"), fmt(0.1));
        CPPUNIT_ASSERT_EQUAL(0.1 + 0.2, std::stod(fmt(0.1 + 0.2)));
        CPPUNIT_ASSERT_EQUAL(std::string("null"), fmt(std::numeric_limits<double>::infinity()));
    }

    void testTimestampFormats()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("2026-11-25T10:00:00.123Z"), Time::formatMs(1795600800123LL));
        CPPUNIT_ASSERT_EQUAL(std::string("2026-11-25T10:00:00Z"), Time::formatSeconds(1795600800123LL));
        CPPUNIT_ASSERT_EQUAL(std::string("1970-01-01T00:00:00.000Z"), Time::formatMs(0));
        CPPUNIT_ASSERT_EQUAL(std::string("2024-02-29T23:59:59.999Z"), Time::formatMs(1709251199999LL));
    }

    void testTimestampParsing()
    {
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1795600800123LL), *Time::parseRfc3339("2026-11-25T10:00:00.123Z"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1795600800123LL), *Time::parseRfc3339("2026-11-25t11:00:00.1239+01:00"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1795600800000LL), *Time::parseRfc3339("2026-11-25 10:00:00"));
        CPPUNIT_ASSERT(!Time::parseRfc3339("2026-02-30T10:00:00Z"));
        CPPUNIT_ASSERT(!Time::parseRfc3339("2026-11-25T10:00:00+1:00"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1795600800000LL), *Time::parseBodyTimestamp(Poco::Dynamic::Var(1795600800)));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1795600800123LL),
                             *Time::parseBodyTimestamp(Poco::Dynamic::Var(std::string("1795600800123"))));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1795600800500LL), *Time::parseBodyTimestamp(Poco::Dynamic::Var(1795600800.5)));
        CPPUNIT_ASSERT(!Time::parseBodyTimestamp(Poco::Dynamic::Var(std::string("yesterday"))));
        std::int64_t now = 1795600800000LL;
        CPPUNIT_ASSERT_EQUAL(now - 15 * 60000, *Time::parseQueryTimestamp("15m", now));
        CPPUNIT_ASSERT_EQUAL(now - std::int64_t(2) * 86400000, *Time::parseQueryTimestamp("2d", now));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1795564800000LL), *Time::parseQueryTimestamp("2026-11-25", now));
        CPPUNIT_ASSERT(!Time::parseQueryTimestamp("0m", now));
        CPPUNIT_ASSERT(!Time::parseQueryTimestamp("15w", now));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SdkTest);
