#pragma once

#include "Monlight/Version.h"
#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <cstdint>
#include <functional>
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

/// A JSON document read in one pass with every rule of parse() (BOM, UTF-8, surrogates, depth 64, finite
/// numbers, integer range, nothing after the value), without building Poco objects: the nodes live in one vector
/// and every decoded string in one buffer, so a small body costs a few allocations. Errors are parse()'s:
/// HttpError 400 `Empty request body` or `Invalid JSON`. It accepts exactly what parse() accepts, and
/// Value::appendCompact() writes exactly what stringify(parse(text)) writes (ordered keys, the last of duplicate
/// keys wins at the place of the first).
///   Json::Document doc(body);
///   Json::Document::Value root = doc.root();
///   if (root.isObject()) { auto name = root["name"]; if (name.isString()) use(name.string()); }
class MONLIGHT_API Document
{
public:
    enum class Type : std::uint8_t
    {
        Null,
        Bool,
        Number,
        String,
        Array,
        Object
    };

private:
    struct Node
    {
        Type type = Type::Null;
        bool flag = false;    ///< Bool: the value; Number: an integer literal (no fraction, no exponent)
        bool negative = false; ///< integer literal with a minus sign (its value is in `i`, else in `u`)
        std::uint32_t end = 0; ///< index one past this node's subtree
        std::uint32_t size = 0; ///< Array: elements; Object: members (keys count once per member)
        std::uint32_t off = 0, len = 0; ///< String (also keys): the decoded text in _strings
        double d = 0;           ///< Number: the value as a double
        std::uint64_t u = 0;    ///< integer literal: the value (two's complement when negative)
    };

public:
    /// A node of the document (or an absent one, which reads as null). Valid while the Document lives.
    class MONLIGHT_API Value
    {
    public:
        Value() = default;
        Type type() const { return _doc ? node().type : Type::Null; }
        bool isNull() const { return type() == Type::Null; }
        bool isBool() const { return type() == Type::Bool; }
        bool isNumber() const { return type() == Type::Number; }
        bool isString() const { return type() == Type::String; }
        bool isArray() const { return type() == Type::Array; }
        bool isObject() const { return type() == Type::Object; }
        /// The decoded string (empty unless a string).
        std::string_view string() const;
        /// A number's value as a double (0 unless a number); a bool's value.
        double number() const { return isNumber() ? node().d : 0; }
        bool boolean() const { return isBool() && node().flag; }
        /// Elements of an array, members of an object (duplicate keys counted each time), else 0.
        std::size_t size() const { return isArray() || isObject() ? node().size : 0; }
        /// The value of `key` in an object (the last of duplicate keys); null when absent or not an object.
        Value operator[](std::string_view key) const;
        /// Calls f(std::string_view key, Value value) for every member of an object in document order,
        /// duplicates included.
        template <typename F> void members(F&& f) const
        {
            if (!isObject())
                return;
            for (std::uint32_t k = _i + 1; k < node().end;)
            {
                Value key(_doc, k), value(_doc, k + 1);
                f(key.string(), value);
                k = value.node().end;
            }
        }
        /// Calls f(std::string_view key, Value value) once per distinct key of an object, as parse() keeps them:
        /// in document order, a duplicate key at the place of its first occurrence with the value of its last.
        void uniqueMembers(const std::function<void(std::string_view, Value)>& f) const;
        /// Calls f(Value element) for every element of an array.
        template <typename F> void elements(F&& f) const
        {
            if (!isArray())
                return;
            for (std::uint32_t k = _i + 1; k < node().end; k = _doc->_nodes[k].end)
                f(Value(_doc, k));
        }
        /// Appends the value as compact JSON, exactly as stringify() writes the parse() result.
        void appendCompact(std::string& out) const;
        std::string compact() const
        {
            std::string s;
            appendCompact(s);
            return s;
        }

    private:
        friend class Document;
        Value(const Document* doc, std::uint32_t i) : _doc(doc), _i(i) {}
        const Node& node() const { return _doc->_nodes[_i]; }
        const Document* _doc = nullptr;
        std::uint32_t _i = 0;
    };

    /// Parses `text`; throws HttpError 400 (`Empty request body`, `Invalid JSON`) like parse().
    explicit Document(std::string_view text);
    Document(const Document&) = delete;
    Document& operator=(const Document&) = delete;
    Document(Document&&) = default;
    Document& operator=(Document&&) = default;

    Value root() const { return Value(this, 0); }

private:
    friend class Value;
    friend class DocumentParser;
    std::vector<Node> _nodes;
    std::string _strings;
};

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
