// Source map v3 parsing and lookup (plugins/browser-relay/src/SourceMap.cpp, §5.9), regular and index maps,
// and the stack rewrite (StackRewriter/StackFrame::format) with whatever the map yields.
//   Invariants: parse() either returns a map or throws Poco::DataFormatException (bad map) or HttpError
//   (bad JSON); lookups anywhere return positions ≥ 1 with a source of the map; a rewrite keeps the number of
//   lines of the stack.
#include "FuzzCheck.h"
#include "Monlight/HttpError.h"
#include "SourceMap.h"
#include "StackRewriter.h"
#include <Poco/Exception.h>
#include <algorithm>
#include <climits>

using namespace Monlight;
using namespace Monlight::BrowserRelay;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size)
{
    std::shared_ptr<const SourceMap> map;
    try
    {
        map = SourceMap::parse(std::string_view(reinterpret_cast<const char*>(data), size));
    }
    catch (const HttpError&)
    {
        return 0;
    }
    catch (const Poco::DataFormatException&)
    {
        return 0;
    }
    FUZZ_CHECK(map);
    FUZZ_CHECK(map->estimatedBytes() > 0);
    map->segmentCount();

    static const int lines[] = {1, 2, 3, 4, 10, 100, INT_MAX};
    static const int columns[] = {1, 2, 5, 10, 40, 1000, INT_MAX};
    std::string stack = "Error: boom\n";
    for (int line : lines)
    {
        for (int column : columns)
        {
            if (auto pos = map->lookup(line, column))
            {
                FUZZ_CHECK(pos->line >= 1);
                FUZZ_CHECK(pos->column >= 1);
                if (!map->isIndexMap())
                    FUZZ_CHECK(std::find(map->sources().begin(), map->sources().end(), pos->source) !=
                               map->sources().end());
            }
        }
        stack += "    at fn (https://x.test/a.js:" + std::to_string(line) + ":" + std::to_string(line / 3 + 1) + ")\n";
        stack += "new Foo@https://x.test/a.js:" + std::to_string(line) + ":1\n";
    }
    FUZZ_CHECK(!map->lookup(0, 1) && !map->lookup(1, 0) && !map->lookup(-1, -1));

    auto result = StackRewriter::rewrite(stack, [&](const std::string&) { return map; });
    FUZZ_CHECK(std::count(result.stack.begin(), result.stack.end(), '\n') ==
               std::count(stack.begin(), stack.end(), '\n'));
    for (const auto& f : result.frames)
    {
        FUZZ_CHECK(f.line >= 1);
        if (f.content)
            StackRewriter::contextLines(*f.content, f.line);
    }
    return 0;
}
