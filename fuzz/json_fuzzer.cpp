// The JSON body parser of the SDK (§0.8): Json::parse with its strict-rules scan, and the UTF-8 helpers and
// serializers the plugins use on parsed values.
//   Invariants: parse() either returns or throws HttpError; what it returns serializes to JSON that parses
//   again to the same serialization; sanitizeUtf8 always yields valid UTF-8 and keeps valid text unchanged;
//   appendQuoted yields a JSON string literal that parses back to the sanitized text.
#include "FuzzCheck.h"
#include "Monlight/HttpError.h"
#include "Monlight/Json.h"

using namespace Monlight;

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size)
{
    std::string_view text(reinterpret_cast<const char*>(data), size);

    std::string clean = Json::sanitizeUtf8(text);
    FUZZ_CHECK(Json::isValidUtf8(clean));
    if (Json::isValidUtf8(text))
        FUZZ_CHECK(clean == text);
    std::size_t cps = Json::codePoints(clean);
    std::string cut = Json::truncateChars(clean, cps / 2);
    FUZZ_CHECK(Json::isValidUtf8(cut));
    FUZZ_CHECK(Json::codePoints(cut) == cps / 2);
    FUZZ_CHECK(clean.compare(0, cut.size(), cut) == 0);

    std::string quoted;
    Json::appendQuoted(quoted, text);
    try
    {
        Poco::Dynamic::Var back = Json::parse(quoted);
        FUZZ_CHECK(back.type() == typeid(std::string));
        FUZZ_CHECK(back.extract<std::string>() == clean);
    }
    catch (const HttpError& e)
    {
        std::fprintf(stderr, "appendQuoted output rejected: %s\n", e.displayText().c_str());
        FUZZ_CHECK(!"appendQuoted yields parseable JSON");
    }

    Poco::Dynamic::Var value;
    try
    {
        value = Json::parse(text);
    }
    catch (const HttpError& e)
    {
        FUZZ_CHECK(e.status() == 400);
        return 0;
    }
    std::string once = Json::stringify(value);
    FUZZ_CHECK(Json::isValidUtf8(once));
    try
    {
        std::string twice = Json::stringify(Json::parse(once));
        FUZZ_CHECK(twice == once);
    }
    catch (const HttpError& e)
    {
        std::fprintf(stderr, "stringify output rejected: %s\n%s\n", e.displayText().c_str(), once.c_str());
        FUZZ_CHECK(!"stringify yields parseable JSON");
    }
    return 0;
}
