// The error tracker's `search` parameter (plugins/error-tracker/src/SearchQuery.cpp, SPEC §2.4).
//   Invariant: SearchQuery::toFts never yields an expression FTS5 rejects (it is documented to never be a
//   syntax error), checked against a real FTS5 table with the plugin's columns. SearchQuery::toTsQuery (the same
//   search on PostgreSQL) yields a query exactly when toFts does, and its quoted words hold no quote or backslash
//   (so to_tsquery cannot fail on them).
#include "FtsCheck.h"
#include "FuzzCheck.h"
#include "SearchQuery.h"

using namespace Monlight::ErrorTracker;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size)
{
    static MonlightFuzz::FtsCheck fts("exception_type, message, traceback");
    std::string_view search(reinterpret_cast<const char*>(data), size);
    auto expr = SearchQuery::toFts(search);
    if (expr)
        fts.mustRun(*expr);
    auto ts = SearchQuery::toTsQuery(search);
    FUZZ_CHECK(static_cast<bool>(ts) == static_cast<bool>(expr));
    if (ts)
    {
        bool inWord = false;
        for (char c : *ts)
        {
            if (c == '\'')
                inWord = !inWord;
            else
                FUZZ_CHECK(!inWord || c != '\\');
        }
        FUZZ_CHECK(!inWord);
    }
    return 0;
}
