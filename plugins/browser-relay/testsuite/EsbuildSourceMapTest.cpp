// Source maps produced by a real bundler (esbuild, from npm) at test time from fixtures/app.ts.
// esbuild is looked up as $MONLIGHT_ESBUILD, testsuite/node_modules/.bin/esbuild (installed on first use with
// `npm ci` from testsuite/package-lock.json). Without npm or network the maps that the same esbuild version
// produced from the same file (fixtures/esbuild/) are used instead, and a note is printed.
#include "FileKey.h"
#include "SourceMap.h"
#include "StackRewriter.h"
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/Path.h>
#include <Poco/StreamCopier.h>
#include <Poco/TemporaryFile.h>
#include <cppunit/extensions/HelperMacros.h>
#include <cstdlib>
#include <iostream>

using namespace Monlight::BrowserRelay;

namespace
{

std::string readFile(const std::string& path)
{
    Poco::FileInputStream in(path);
    std::string s;
    Poco::StreamCopier::copyToString(in, s);
    return s;
}

std::string shellQuote(const std::string& s)
{
    std::string out = "'";
    for (char c : s)
    {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

/// Path of a usable esbuild, installing it with npm into testsuite/node_modules on first use; empty if none.
std::string findEsbuild()
{
    static std::string found = []
    {
        if (const char* env = std::getenv("MONLIGHT_ESBUILD"); env && *env)
            return std::string(env);
        const std::string local = Poco::Path::current() + "testsuite/node_modules/.bin/esbuild";
        if (Poco::File(local).exists())
            return local;
        if (std::system("command -v npm >/dev/null 2>&1") != 0)
            return std::string();
        const std::string cmd =
            "cd testsuite && timeout 180 npm ci --no-audit --no-fund --silent >/dev/null 2>&1";
        if (std::system(cmd.c_str()) == 0 && Poco::File(local).exists())
            return local;
        return std::string();
    }();
    return found;
}

struct Bundle
{
    std::string js;
    std::string map;
    bool real = false; ///< produced at test time
};

/// Bundles fixtures/app.ts to `<name>` (and `<name>.map`) with `flags`.
Bundle bundle(const std::string& name, const std::string& flags)
{
    Bundle b;
    const std::string esbuild = findEsbuild();
    if (!esbuild.empty())
    {
        Poco::TemporaryFile dir;
        dir.createDirectories();
        Poco::File("testsuite/fixtures/app.ts").copyTo(dir.path());
        const std::string cmd = "cd " + shellQuote(dir.path()) + " && " + shellQuote(esbuild) +
                                " app.ts --bundle --sourcemap --format=iife --log-level=error " + flags +
                                " --outfile=out/" + name;
        if (std::system(cmd.c_str()) == 0)
        {
            b.js = readFile(dir.path() + "/out/" + name);
            b.map = readFile(dir.path() + "/out/" + name + ".map");
            b.real = true;
            return b;
        }
    }
    static bool noted = false;
    if (!noted)
    {
        std::cerr
            << "note: esbuild not available; using the esbuild 0.20.2 maps in testsuite/fixtures/esbuild\n";
        noted = true;
    }
    b.js = readFile("testsuite/fixtures/esbuild/" + name);
    b.map = readFile("testsuite/fixtures/esbuild/" + name + ".map");
    return b;
}

/// 1-based (line, column) of the first occurrence of `needle` in `text`.
std::pair<int, int> positionOf(const std::string& text, const std::string& needle)
{
    const auto at = text.find(needle);
    CPPUNIT_ASSERT_MESSAGE("not found: " + needle, at != std::string::npos);
    int line = 1;
    std::size_t lineStart = 0;
    for (std::size_t i = 0; i < at; ++i)
    {
        if (text[i] == '\n')
        {
            ++line;
            lineStart = i + 1;
        }
    }
    return {line, static_cast<int>(at - lineStart) + 1};
}

/// The minified name of the function declared before `needle` (`function l(t){...throw`).
std::string minifiedFunctionBefore(const std::string& js, const std::string& needle, std::pair<int, int>& pos)
{
    const auto at = js.find(needle);
    const auto fn = js.rfind("function ", at);
    CPPUNIT_ASSERT(fn != std::string::npos);
    const auto nameStart = fn + 9;
    const auto nameEnd = js.find('(', nameStart);
    pos = positionOf(js, js.substr(fn, nameEnd - fn + 1));
    pos.second += 9;
    return js.substr(nameStart, nameEnd - nameStart);
}

} // namespace

class EsbuildSourceMapTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(EsbuildSourceMapTest);
    CPPUNIT_TEST(testMinifiedLookupFindsThrowLine);
    CPPUNIT_TEST(testMinifiedLookupRestoresFunctionName);
    CPPUNIT_TEST(testChromeAndFirefoxStacksRewritten);
    CPPUNIT_TEST(testSourceRootAndSourcesContent);
    CPPUNIT_TEST(testIndexMapWrappingRealMap);
    CPPUNIT_TEST_SUITE_END();

public:
    void testMinifiedLookupFindsThrowLine()
    {
        const Bundle b = bundle("app.min.js", "--minify --global-name=App");
        const auto map = SourceMap::parse(b.map);
        const auto pos = positionOf(b.js, "throw new TypeError");
        CPPUNIT_ASSERT_EQUAL(1, pos.first);
        const auto p = map->lookup(pos.first, pos.second);
        CPPUNIT_ASSERT(p);
        CPPUNIT_ASSERT_EQUAL(std::string("../app.ts"), p->source);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(14), p->line);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5), p->column);
        // a column inside the thrown expression maps to an earlier-or-equal segment on the same original line
        const auto inner = map->lookup(pos.first, pos.second + 6);
        CPPUNIT_ASSERT(inner);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(14), inner->line);
        CPPUNIT_ASSERT(inner->column >= 5);
    }

    void testMinifiedLookupRestoresFunctionName()
    {
        const Bundle b = bundle("app.min.js", "--minify --global-name=App");
        const auto map = SourceMap::parse(b.map);
        std::pair<int, int> pos;
        const std::string minified = minifiedFunctionBefore(b.js, "throw new TypeError", pos);
        CPPUNIT_ASSERT(minified != "handleClick");
        const auto p = map->lookup(pos.first, pos.second);
        CPPUNIT_ASSERT(p);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(11), p->line);
        CPPUNIT_ASSERT_EQUAL(std::string("handleClick"), p->name.value_or("(none)"));
    }

    void testChromeAndFirefoxStacksRewritten()
    {
        const Bundle b = bundle("app.min.js", "--minify --global-name=App");
        const auto map = SourceMap::parse(b.map);
        const auto thr = positionOf(b.js, "throw new TypeError");
        std::pair<int, int> decl;
        const std::string fn = minifiedFunctionBefore(b.js, "throw new TypeError", decl);
        const std::string url = "https://shop.example.com/static/app.min.js?v=3";
        auto loc = [&](std::pair<int, int> p)
        { return url + ":" + std::to_string(p.first) + ":" + std::to_string(p.second); };
        const std::string stack =
            "TypeError: too expensive: 150\n"
            "    at " +
            fn + " (" + loc(thr) +
            ")\n"
            "    at " +
            loc(decl) +
            "\n"
            "    at HTMLButtonElement.<anonymous> (https://cdn.example.com/vendor.js:1:10)\n" +
            fn + "@" + loc(thr) +
            "\n"
            "@" +
            loc(decl);
        auto resolver = [&](const std::string& file) -> std::shared_ptr<const SourceMap>
        { return FileKey::of(file) == "/static/app.min.js" ? map : nullptr; };
        const auto r = StackRewriter::rewrite(stack, resolver);
        const std::string expected =
            "TypeError: too expensive: 150\n"
            "    at " +
            fn +
            " (../app.ts:14:5)\n"
            "    at handleClick (../app.ts:11:17)\n"
            "    at HTMLButtonElement.<anonymous> (https://cdn.example.com/vendor.js:1:10)\n" +
            fn +
            "@../app.ts:14:5\n"
            "handleClick@../app.ts:11:17";
        CPPUNIT_ASSERT_EQUAL(expected, r.stack);
        CPPUNIT_ASSERT_EQUAL(std::size_t(4), r.frames.size());
        CPPUNIT_ASSERT(r.frames[0].content);
        const auto ctx = StackRewriter::contextLines(*r.frames[0].content, r.frames[0].line);
        CPPUNIT_ASSERT_EQUAL(std::size_t(5), ctx.size());
        CPPUNIT_ASSERT_EQUAL(std::int64_t(12), ctx[0].first);
        CPPUNIT_ASSERT_EQUAL(std::string("    throw new TypeError(\"too expensive: \" + value);"),
                             ctx[2].second);
    }

    void testSourceRootAndSourcesContent()
    {
        const Bundle b = bundle("app.js", "--source-root=https://example.com/src/");
        const auto map = SourceMap::parse(b.map);
        const auto thr = positionOf(b.js, "throw new TypeError");
        CPPUNIT_ASSERT(thr.first > 1);
        const auto p = map->lookup(thr.first, thr.second);
        CPPUNIT_ASSERT(p);
        CPPUNIT_ASSERT_EQUAL(std::string("https://example.com/src/../app.ts"), p->source);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(14), p->line);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(5), p->column);
        CPPUNIT_ASSERT(p->content);
        CPPUNIT_ASSERT_EQUAL(readFile("testsuite/fixtures/app.ts"), *p->content);
    }

    void testIndexMapWrappingRealMap()
    {
        const Bundle b = bundle("app.min.js", "--minify --global-name=App");
        // as if a 3-line banner and a 10-column prefix were concatenated in front of the bundle
        const std::string index =
            R"({"version":3,"sections":[{"offset":{"line":0,"column":0},"map":{"version":3,"sources":["banner.txt"],"mappings":"AAAA;AACA;AACA"}},{"offset":{"line":3,"column":10},"map":)" +
            b.map + "}]}";
        const auto map = SourceMap::parse(index);
        const auto thr = positionOf(b.js, "throw new TypeError");
        const auto p = map->lookup(thr.first + 3, thr.second + 10);
        CPPUNIT_ASSERT(p);
        CPPUNIT_ASSERT_EQUAL(std::string("../app.ts"), p->source);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(14), p->line);
        const auto banner = map->lookup(2, 1);
        CPPUNIT_ASSERT_EQUAL(std::string("banner.txt"), banner->source);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), banner->line);
        const auto before = map->lookup(4, 5); // line 4 before column 11 still belongs to the banner section
        CPPUNIT_ASSERT(!before);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(EsbuildSourceMapTest);
