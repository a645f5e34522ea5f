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

/// Parses a request body (RFC 8259, UTF-8): a leading BOM is ignored, the last of duplicate keys wins. Invalid
/// UTF-8, a `\u` escape leaving a lone surrogate, nesting deeper than 64, anything but whitespace after the value, a
/// number overflowing a double anywhere, or an integer literal outside -2^63 ... 2^64-1 → HttpError 400
/// `Invalid JSON`; empty (or whitespace only) → 400 `Empty request body`. Underflow reads as 0.
MONLIGHT_API Poco::Dynamic::Var parse(std::string_view text);

/// parse() and require a top-level object, else 400 `Request body must be a JSON object`.
MONLIGHT_API Poco::JSON::Object::Ptr parseObject(std::string_view text);

/// True iff `text` is valid UTF-8: no overlong forms, no surrogates (U+D800-U+DFFF), nothing above U+10FFFF, no
/// truncated sequence.
MONLIGHT_API bool isValidUtf8(std::string_view text);

/// Replaces every byte that does not start a valid UTF-8 sequence (isValidUtf8) with U+FFFD: one U+FFFD per byte,
/// so a 3-byte surrogate becomes three. Valid text is returned unchanged; fast on text that is mostly valid.
MONLIGHT_API std::string sanitizeUtf8(std::string_view text);

/// Number of Unicode code points of a valid UTF-8 string.
MONLIGHT_API std::size_t codePoints(std::string_view text);

/// Cuts a UTF-8 string to at most `maxChars` code points.
MONLIGHT_API std::string truncateChars(std::string_view text, std::size_t maxChars);

/// Field accessors treating `null` as absent. They return nothing when absent or of another JSON type.
MONLIGHT_API std::optional<std::string> getString(const Poco::JSON::Object& obj, const std::string& key);
MONLIGHT_API std::optional<double> getNumber(const Poco::JSON::Object& obj, const std::string& key);
MONLIGHT_API Poco::JSON::Object::Ptr getObject(const Poco::JSON::Object& obj, const std::string& key);
MONLIGHT_API Poco::JSON::Array::Ptr getArray(const Poco::JSON::Object& obj, const std::string& key);
/// True when the key is present with a non-null value.
MONLIGHT_API bool has(const Poco::JSON::Object& obj, const std::string& key);

/// Serializes a parsed value compactly with appendQuoted()'s escaping (used to store `extra`, `labels`, ...).
MONLIGHT_API std::string stringify(const Poco::Dynamic::Var& value);

/// Appends `s` as a JSON string literal: `"` `\` and U+0008/000C/000A/000D/0009 as `\"` `\\` `\b` `\f` `\n` `\r`
/// `\t`, other controls below U+0020 as `\u00xx` (lowercase hex), U+2028/U+2029 as `\u2028`/`\u2029`, `/` and all
/// else as raw UTF-8; invalid UTF-8 → U+FFFD.
MONLIGHT_API void appendQuoted(std::string& out, std::string_view s);

/// Appends the shortest round-tripping form of `v` (NaN/Inf → null).
MONLIGHT_API void appendDouble(std::string& out, double v);

/// Compact JSON builder that writes keys in call order (no whitespace; integers as integers, doubles by
/// appendDouble()). Commas are handled automatically. An absent std::optional<std::string> is written as `null`.
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
    /// Appends the members written so far into `open`, a writer whose only container is an object begun and not
    /// yet ended, to the object open here (how the host adds a plugin's health fields to its answer).
    Writer& members(const Writer& open);
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
