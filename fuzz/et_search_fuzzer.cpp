// The error tracker's `search` parameter (plugins/error-tracker/src/SearchQuery.cpp, SPEC §2.4).
//   Invariant: SearchQuery::toFts never yields an expression FTS5 rejects (it is documented to never be a
//   syntax error), checked against a real FTS5 table with the plugin's columns.
#include "FtsCheck.h"
#include "SearchQuery.h"

using namespace Monlight::ErrorTracker;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size)
{
    static MonlightFuzz::FtsCheck fts("exception_type, message, traceback");
    std::string_view search(reinterpret_cast<const char*>(data), size);
    auto expr = SearchQuery::toFts(search);
    if (expr)
        fts.mustRun(*expr);
    return 0;
}
