#pragma once

#include "Monlight/Version.h"
#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace Monlight
{
namespace Json
{

/// Parses a request body per §0.8: BOM ignored; invalid UTF-8, lone surrogates, depth > 64, trailing data and
/// non-finite numbers anywhere → HttpError 400 `Invalid JSON`; empty (or whitespace only) → 400 `Empty request body`.
MONLIGHT_API Poco::Dynamic::Var parse(std::string_view text);

/// parse() and require a top-level object, else 400 `Request body must be a JSON object`.
MONLIGHT_API Poco::JSON::Object::Ptr parseObject(std::string_view text);

/// True iff `text` is valid UTF-8 (no overlongs, no surrogates, ≤ U+10FFFF).
MONLIGHT_API bool isValidUtf8(std::string_view text);

/// Replaces invalid UTF-8 sequences with U+FFFD.
MONLIGHT_API std::string sanitizeUtf8(std::string_view text);

/// Number of Unicode code points of a valid UTF-8 string.
MONLIGHT_API std::size_t codePoints(std::string_view text);

/// Cuts a UTF-8 string to at most `maxChars` code points.
MONLIGHT_API std::string truncateChars(std::string_view text, std::size_t maxChars);

/// Field accessors treating `null` as absent (§0.8). They return nothing when absent or of another JSON type.
MONLIGHT_API std::optional<std::string> getString(const Poco::JSON::Object& obj, const std::string& key);
MONLIGHT_API std::optional<double> getNumber(const Poco::JSON::Object& obj, const std::string& key);
MONLIGHT_API Poco::JSON::Object::Ptr getObject(const Poco::JSON::Object& obj, const std::string& key);
MONLIGHT_API Poco::JSON::Array::Ptr getArray(const Poco::JSON::Object& obj, const std::string& key);
/// True when the key is present with a non-null value.
MONLIGHT_API bool has(const Poco::JSON::Object& obj, const std::string& key);

/// Serializes a parsed value compactly with §0.9 escaping (used to store `extra`, `labels`, ...).
MONLIGHT_API std::string stringify(const Poco::Dynamic::Var& value);

/// Appends `s` as a JSON string literal with §0.9 escaping (invalid UTF-8 → U+FFFD).
MONLIGHT_API void appendQuoted(std::string& out, std::string_view s);

/// Appends the shortest round-tripping form of `v` (NaN/Inf → null).
MONLIGHT_API void appendDouble(std::string& out, double v);

/// Compact JSON builder that writes keys in call order (§0.9). Commas are handled automatically.
///   Writer w; w.beginObject().field("status", "ok").key("items").beginArray().value(1).endArray().endObject();
class MONLIGHT_API Writer
{
public:
    Writer& beginObject();
    Writer& endObject();
    Writer& beginArray();
    Writer& endArray();
    Writer& key(std::string_view k);
    Writer& value(std::string_view v);
    Writer& value(const char* v) { return value(std::string_view(v)); }
    Writer& value(const std::string& v) { return value(std::string_view(v)); }
    Writer& value(std::int64_t v);
    Writer& value(int v) { return value(static_cast<std::int64_t>(v)); }
    Writer& value(long long v) { return value(static_cast<std::int64_t>(v)); }
    Writer& value(std::uint64_t v);
    Writer& value(double v);
    Writer& value(bool v);
    Writer& null();
    /// Inserts already serialized JSON as one value.
    Writer& raw(std::string_view json);
    /// Writes a string or null.
    Writer& value(const std::optional<std::string>& v);

    template <typename T> Writer& field(std::string_view k, const T& v)
    {
        key(k);
        return value(v);
    }
    Writer& fieldNull(std::string_view k)
    {
        key(k);
        return null();
    }

    const std::string& str() const { return _out; }
    std::string take() { return std::move(_out); }

private:
    void separate();
    std::string _out;
    std::vector<bool> _first; // one entry per open container: true until the first element is written
    bool _afterKey = false;
};

} // namespace Json
} // namespace Monlight
