// The log viewer's query parameters (plugins/log-viewer/src/FilterParser.cpp, SPEC §3.2/§3.5): the input is a
// raw query string as the host would decode it.
//   Invariants: parseQuery/parseTail either return or throw HttpError 400; `search_mode=words` never yields an
//   FTS5 syntax error (checked against a real FTS5 table); limit/offset stay in range; matches() and the level
//   filter run on whatever they produced.
#include "FilterParser.h"
#include "FtsCheck.h"
#include "Monlight/HttpError.h"

using namespace Monlight;
using namespace Monlight::LogViewer;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size)
{
    static MonlightFuzz::FtsCheck fts("message");
    std::string raw(reinterpret_cast<const char*>(data), size);
    QueryParams q(raw);

    if (auto words = FilterParser::wordsToFts(raw))
        fts.mustRun(*words);
    if (auto s = q.get("search"))
        if (auto words = FilterParser::wordsToFts(*s))
            fts.mustRun(*words);
    if (auto lv = q.get("level"))
        FilterParser::parseLevelFilter(*lv);

    LogEntry entry;
    entry.container = "web";
    entry.message = "Hello World ERROR é";
    entry.isStderr = true;
    entry.level = Level::Error;
    try
    {
        LogFilter f = FilterParser::parseQuery(q, 1700000000000);
        FUZZ_CHECK(f.limit >= 1);
        FUZZ_CHECK(f.offset >= 0);
        if (f.match && q.get("search_mode").value_or("") == "words")
            fts.mustRun(*f.match);
        FilterParser::matches(f, entry);
    }
    catch (const HttpError& e)
    {
        FUZZ_CHECK(e.status() == 400);
    }
    try
    {
        LogFilter f = FilterParser::parseTail(q);
        FilterParser::matches(f, entry);
    }
    catch (const HttpError& e)
    {
        FUZZ_CHECK(e.status() == 400);
    }
    return 0;
}
