#include "StackRewriter.h"
#include "FileKey.h"
#include "SourceMap.h"
#include "StackFrame.h"
#include <cppunit/extensions/HelperMacros.h>

using namespace Monlight::BrowserRelay;

class StackRewriterTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(StackRewriterTest);
    CPPUNIT_TEST(testFileKey);
    CPPUNIT_TEST(testChromeFrames);
    CPPUNIT_TEST(testFirefoxFrames);
    CPPUNIT_TEST(testUnmappableLines);
    CPPUNIT_TEST(testSpecWorkedExample);
    CPPUNIT_TEST(testPrefixKeptWithMappedName);
    CPPUNIT_TEST(testNothingMappedKeepsStackByteForByte);
    CPPUNIT_TEST(testResolverAskedOncePerFile);
    CPPUNIT_TEST(testContextLines);
    CPPUNIT_TEST(testLargestOriginalLineIsShownExactly);
    CPPUNIT_TEST(testLineBreaksInMapKeepLineCount);
    CPPUNIT_TEST_SUITE_END();

    std::shared_ptr<const SourceMap> _spec;

    StackRewriter::MapResolver specResolver()
    {
        auto map = _spec;
        return [map](const std::string& file) -> std::shared_ptr<const SourceMap>
        { return FileKey::of(file) == "/static/app.min.js" ? map : nullptr; };
    }

public:
    void setUp() override
    {
        _spec = SourceMap::parse(
            R"({"version":3,"file":"app.min.js","sources":["src/app.ts"],"names":["handleClick"],"mappings":"AAAA;AACA,IAAIA","sourcesContent":["line one\r\nline two\nline three"]})");
    }

    void testFileKey()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("/static/app.min.js"),
                             FileKey::of("https://shop.example.com/static/app.min.js?v=3"));
        CPPUNIT_ASSERT_EQUAL(std::string("/app.min.js"), FileKey::of("app.min.js"));
        CPPUNIT_ASSERT_EQUAL(std::string("/a/b.js"), FileKey::of("/a/b.js#frag"));
        CPPUNIT_ASSERT_EQUAL(std::string("/"), FileKey::of("https://shop.example.com"));
        CPPUNIT_ASSERT_EQUAL(std::string("/"), FileKey::of("https://shop.example.com?x=1"));
        CPPUNIT_ASSERT_EQUAL(std::string("/x.js"), FileKey::of("webpack:///x.js"));
        CPPUNIT_ASSERT_EQUAL(std::string("app.min.js"), FileKey::lastSegment("/static/app.min.js"));
    }

    void testChromeFrames()
    {
        auto f = StackFrame::parse("    at Object.handleClick (https://x.com/a.js:12:34)");
        CPPUNIT_ASSERT(f);
        CPPUNIT_ASSERT(f->style == StackFrame::Style::Chrome);
        CPPUNIT_ASSERT_EQUAL(std::string("    "), f->indent);
        CPPUNIT_ASSERT_EQUAL(std::string("Object.handleClick"), f->function);
        CPPUNIT_ASSERT_EQUAL(std::string("https://x.com/a.js"), f->file);
        CPPUNIT_ASSERT_EQUAL(12, f->line);
        CPPUNIT_ASSERT_EQUAL(34, f->column);
        f = StackFrame::parse("\tat https://x.com/a.js:1:2");
        CPPUNIT_ASSERT(f);
        CPPUNIT_ASSERT_EQUAL(std::string("\t"), f->indent);
        CPPUNIT_ASSERT_EQUAL(std::string(""), f->function);
        CPPUNIT_ASSERT_EQUAL(std::string("https://x.com/a.js"), f->file);
        f = StackFrame::parse("    at new Foo (http://localhost:8080/a.js:3:4)");
        CPPUNIT_ASSERT_EQUAL(std::string("new Foo"), f->function);
        CPPUNIT_ASSERT_EQUAL(std::string("http://localhost:8080/a.js"), f->file);
        f = StackFrame::parse("    at async run (a.js:3:4)");
        CPPUNIT_ASSERT_EQUAL(std::string("async run"), f->function);
        f = StackFrame::parse("    at Array.map (<anonymous>)");
        CPPUNIT_ASSERT(!f);
        f = StackFrame::parse("    at fn (eval at x (a.js:1:2), <anonymous>:1:1)");
        CPPUNIT_ASSERT(f);
        CPPUNIT_ASSERT_EQUAL(std::string("<anonymous>"), f->file.substr(f->file.size() - 11));
    }

    void testFirefoxFrames()
    {
        auto f = StackFrame::parse("handleClick@https://x.com/a.js:2:5");
        CPPUNIT_ASSERT(f);
        CPPUNIT_ASSERT(f->style == StackFrame::Style::Firefox);
        CPPUNIT_ASSERT_EQUAL(std::string("handleClick"), f->function);
        CPPUNIT_ASSERT_EQUAL(std::string("https://x.com/a.js"), f->file);
        f = StackFrame::parse("@https://x.com/a.js:2:5");
        CPPUNIT_ASSERT(f);
        CPPUNIT_ASSERT_EQUAL(std::string(""), f->function);
        f = StackFrame::parse("global code@https://x.com/a.js:10:1");
        CPPUNIT_ASSERT_EQUAL(std::string("global code"), f->function);
        f = StackFrame::parse("a/<@https://x.com/a.js:1:1");
        CPPUNIT_ASSERT_EQUAL(std::string("a/<"), f->function);
    }

    void testUnmappableLines()
    {
        CPPUNIT_ASSERT(!StackFrame::parse("TypeError: x is undefined"));
        CPPUNIT_ASSERT(!StackFrame::parse("    at a.js:12")); // no column
        CPPUNIT_ASSERT(!StackFrame::parse("    at native"));
        CPPUNIT_ASSERT(!StackFrame::parse("fn@a.js:0:3")); // line must be ≥ 1
        CPPUNIT_ASSERT(!StackFrame::parse("fn@a.js:3:0"));
        CPPUNIT_ASSERT(!StackFrame::parse("fn@:3:4")); // empty file
        CPPUNIT_ASSERT(!StackFrame::parse("fn@a.js:x:4"));
        CPPUNIT_ASSERT(!StackFrame::parse(""));
    }

    void testSpecWorkedExample()
    {
        const std::string in = "TypeError: x is undefined\n"
                               "    at n (https://shop.example.com/static/app.min.js:2:5)\n"
                               "    at https://shop.example.com/static/app.min.js:2:3\n"
                               "    at HTMLButtonElement.dispatch (https://cdn.other.com/vendor.js:1:100)\n"
                               "n@https://shop.example.com/static/app.min.js:2:5\n"
                               "@https://shop.example.com/static/app.min.js:2:3\n"
                               "    at n (https://shop.example.com/static/app.min.js:3:1)";
        const std::string expected =
            "TypeError: x is undefined\n"
            "    at handleClick (src/app.ts:2:5)\n"
            "    at src/app.ts:2:1\n"
            "    at HTMLButtonElement.dispatch (https://cdn.other.com/vendor.js:1:100)\n"
            "handleClick@src/app.ts:2:5\n"
            "@src/app.ts:2:1\n"
            "    at n (https://shop.example.com/static/app.min.js:3:1)";
        auto r = StackRewriter::rewrite(in, specResolver());
        CPPUNIT_ASSERT_EQUAL(expected, r.stack);
        CPPUNIT_ASSERT(r.changed);
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), r.frames.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), r.frames[0].lineIndex);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), r.frames[1].lineIndex);
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), r.frames[2].lineIndex);
        CPPUNIT_ASSERT_EQUAL(std::size_t(5), r.frames[3].lineIndex);
        CPPUNIT_ASSERT_EQUAL(std::string("src/app.ts"), r.frames[0].source);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), r.frames[0].line);
        CPPUNIT_ASSERT(r.frames[0].content);
    }

    void testPrefixKeptWithMappedName()
    {
        auto r = StackRewriter::rewrite(
            "  at new n (https://a/static/app.min.js:2:5)\r\n  at async n (/static/app.min.js:2:6)\n"
            "  at async n (/static/app.min.js:2:1)\nnew n@/static/app.min.js:2:5",
            specResolver());
        CPPUNIT_ASSERT_EQUAL(
            std::string("  at new handleClick (src/app.ts:2:5)\n  at async handleClick (src/app.ts:2:5)\n"
                        "  at async n (src/app.ts:2:1)\nnew handleClick@src/app.ts:2:5"),
            r.stack);
    }

    void testNothingMappedKeepsStackByteForByte()
    {
        const std::string in = "Error: boom\r\n    at f (https://cdn.other.com/vendor.js:1:100)\r\n";
        auto r = StackRewriter::rewrite(in, specResolver());
        CPPUNIT_ASSERT_EQUAL(in, r.stack);
        CPPUNIT_ASSERT(!r.changed);
        CPPUNIT_ASSERT(r.frames.empty());
    }

    void testResolverAskedOncePerFile()
    {
        int calls = 0;
        auto map = _spec;
        auto r = StackRewriter::rewrite("at a (/static/app.min.js:1:1)\nat b (/static/app.min.js:2:1)\nat c "
                                        "(/x.js:1:1)\nat d (/x.js:1:1)",
                                        [&](const std::string& file) -> std::shared_ptr<const SourceMap>
                                        {
                                            ++calls;
                                            return file == "/static/app.min.js" ? map : nullptr;
                                        });
        CPPUNIT_ASSERT_EQUAL(2, calls);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), r.frames.size());
    }

    void testContextLines()
    {
        auto lines = StackRewriter::contextLines("a\r\nb\nc\nd\ne\nf", 2);
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), lines.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), lines[0].first);
        CPPUNIT_ASSERT_EQUAL(std::string("a"), lines[0].second);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(4), lines[3].first);
        lines = StackRewriter::contextLines("a\nb\nc\nd\ne\nf", 6);
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), lines.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(4), lines[0].first);
        CPPUNIT_ASSERT_EQUAL(std::string("f"), lines[2].second);
        CPPUNIT_ASSERT(StackRewriter::contextLines("a", 9).empty());
    }

    void testLargestOriginalLineIsShownExactly()
    {
        auto map = SourceMap::parse(R"({"version":3,"sources":["a.ts"],"sourcesContent":["x"],)"
                                    R"("mappings":"AA+/////D+/////D"})");
        auto r = StackRewriter::rewrite("Error: x\n    at f (https://x.com/a.js:1:1)",
                                        [&](const std::string&) { return map; });
        CPPUNIT_ASSERT_EQUAL(std::string("Error: x\n    at f (a.ts:2147483648:2147483648)"), r.stack);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), r.frames.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2147483648LL), r.frames[0].line);
        CPPUNIT_ASSERT(StackRewriter::contextLines("x", r.frames[0].line).empty());
    }

    void testLineBreaksInMapKeepLineCount()
    {
        // Found by fuzz/sourcemap_fuzzer: a name or source with a line break added lines to the stack.
        auto map = SourceMap::parse(
            R"({"version":3,"sources":["src/a\r\n.ts"],"names":["evil\nname"],"mappings":"AAAAA"})");
        auto r = StackRewriter::rewrite("Error\n    at f (/a.js:1:1)\nf@/a.js:1:1\nend",
                                        [&](const std::string&) { return map; });
        CPPUNIT_ASSERT_EQUAL(std::string("Error\n    at evil name (src/a  .ts:1:1)\nevil name@src/a  .ts:1:1\nend"),
                             r.stack);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), r.frames.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), r.frames[1].lineIndex);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(StackRewriterTest);
