// The JSON body parser of the SDK (§0.8): Json::parse with its strict-rules scan, and the UTF-8 helpers and
// serializers the plugins use on parsed values.
//   Invariants: parse() either returns or throws HttpError; what it returns serializes to JSON that parses
//   again to the same serialization; sanitizeUtf8 always yields valid UTF-8 and keeps valid text unchanged;
//   appendQuoted yields a JSON string literal that parses back to the sanitized text.
#include "FuzzCheck.h"
#include "Monlight/HttpError.h"
#include "Monlight/Json.h"
#include <cmath>
#include <cstdlib>
#include <optional>
#include <vector>

using namespace Monlight;

namespace
{
// When the whole input is one integer or decimal literal or a flat array of them, the literals as long double
// as doubles (they are checked against what parse() kept: never a wrapped integer, never a different number).
std::optional<std::vector<long double>> plainNumbers(std::string_view text)
{
    std::string s(text);
    std::size_t i = 0;
    auto ws = [&] {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
            ++i;
    };
    auto number = [&]() -> std::optional<long double> {
        std::size_t start = i;
        if (i < s.size() && s[i] == '-')
            ++i;
        std::size_t digits = i;
        while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == 'e' || s[i] == 'E' ||
                                s[i] == '+' || (s[i] == '-' && i > digits)))
            ++i;
        if (i == digits || s[digits] < '0' || s[digits] > '9')
            return std::nullopt;
        // As a double (what JSON numbers are): a literal below the double range is 0 both ways.
        return static_cast<long double>(std::strtod(s.substr(start, i - start).c_str(), nullptr));
    };
    std::vector<long double> out;
    ws();
    bool array = i < s.size() && s[i] == '[';
    if (array)
    {
        ++i;
        ws();
    }
    for (;;)
    {
        auto v = number();
        if (!v)
            return std::nullopt;
        out.push_back(*v);
        ws();
        if (!array || i >= s.size() || s[i] != ',')
            break;
        ++i;
        ws();
    }
    if (array)
    {
        if (i >= s.size() || s[i] != ']')
            return std::nullopt;
        ++i;
        ws();
    }
    if (i != s.size())
        return std::nullopt;
    return out;
}

bool sameNumber(long double literal, const Poco::Dynamic::Var& v)
{
    long double kept = std::strtold(Json::stringify(v).c_str(), nullptr);
    if (literal == kept)
        return true;
    long double scale = std::max(std::fabs(literal), std::fabs(kept));
    return std::fabs(literal - kept) <= scale * 1e-12L;
}
} // namespace

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
    if (auto numbers = plainNumbers(text))
    {
        if (value.type() == typeid(Poco::JSON::Array::Ptr))
        {
            auto arr = value.extract<Poco::JSON::Array::Ptr>();
            FUZZ_CHECK(arr->size() == numbers->size());
            for (std::size_t k = 0; k < numbers->size(); ++k)
                FUZZ_CHECK(sameNumber((*numbers)[k], arr->get(static_cast<unsigned>(k))));
        }
        else
        {
            FUZZ_CHECK(numbers->size() == 1);
            FUZZ_CHECK(sameNumber((*numbers)[0], value));
        }
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
