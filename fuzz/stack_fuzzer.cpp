// Browser stack parsing and rewriting (plugins/browser-relay/src/StackFrame.cpp, StackRewriter.cpp, §5.8 and
// §5.10): the input is a stack trace; frames of `app.min.js` resolve to the esbuild fixture map.
//   Invariants: a parsed frame has a non-empty file, line ≥ 1 and column ≥ 1; formatting it with its own
//   location parses back to the same location; a rewrite keeps the number of lines, and mapped frames name
//   increasing line indexes inside the stack; context lines stay within line-2 … line+2.
#include "FuzzCheck.h"
#include "SourceMap.h"
#include "StackFrame.h"
#include "StackRewriter.h"
#include <algorithm>
#include <fstream>
#include <sstream>

using namespace Monlight::BrowserRelay;

namespace
{
std::shared_ptr<const SourceMap> fixtureMap;
}

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    std::ifstream in(MONLIGHT_FUZZ_FIXTURES "/esbuild/app.min.js.map");
    std::stringstream ss;
    ss << in.rdbuf();
    fixtureMap = SourceMap::parse(ss.str());
    FUZZ_CHECK(fixtureMap && fixtureMap->segmentCount() > 0);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size)
{
    std::string stack(reinterpret_cast<const char*>(data), size);
    std::size_t start = 0, lineCount = 0;
    for (;;)
    {
        std::size_t nl = stack.find('\n', start);
        std::string_view line(stack.data() + start, (nl == std::string::npos ? stack.size() : nl) - start);
        ++lineCount;
        if (auto f = StackFrame::parse(line))
        {
            FUZZ_CHECK(!f->file.empty());
            FUZZ_CHECK(f->line >= 1 && f->column >= 1);
            std::string again = f->format(std::nullopt, f->file, f->line, f->column);
            std::string renamed = f->format(std::string("mapped"), "src/app.ts", 1, 1);
            (void)renamed;
            if (auto g = StackFrame::parse(again))
            {
                FUZZ_CHECK(g->line == f->line);
                FUZZ_CHECK(g->column == f->column);
            }
        }
        if (nl == std::string::npos)
            break;
        start = nl + 1;
    }

    auto result = StackRewriter::rewrite(stack, [](const std::string& file) {
        return file.find("app.min.js") != std::string::npos ? fixtureMap : nullptr;
    });
    FUZZ_CHECK(static_cast<std::size_t>(std::count(result.stack.begin(), result.stack.end(), '\n')) + 1 ==
               lineCount);
    std::size_t prev = 0;
    bool first = true;
    for (const auto& f : result.frames)
    {
        FUZZ_CHECK(f.lineIndex < lineCount);
        FUZZ_CHECK(first || f.lineIndex > prev);
        first = false;
        prev = f.lineIndex;
        if (f.content)
            for (const auto& [n, text] : StackRewriter::contextLines(*f.content, f.line))
                FUZZ_CHECK(n >= 1 && std::int64_t(n) >= std::int64_t(f.line) - 2 && std::int64_t(n) <= std::int64_t(f.line) + 2);
    }
    if (result.frames.empty())
        FUZZ_CHECK(result.stack == stack && !result.changed);
    return 0;
}
