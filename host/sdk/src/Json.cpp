#include "Monlight/Json.h"

#include "Monlight/HttpError.h"
#include "Monlight/Text.h"
#include <Poco/Exception.h>
#include <Poco/JSON/Handler.h>
#include <Poco/JSON/Parser.h>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <unordered_map>

namespace Monlight
{
namespace Json
{

namespace
{

/// A byte that stands for itself inside a JSON string, read or written: U+0020-U+007F except `"` and `\`.
inline bool plainAscii(unsigned char c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/// Eight bytes that are all plainAscii() (word-wise: a byte below 0x20 borrows into its top bit, a byte from 0x80
/// has it, and `"` or `\` become a zero byte after the XOR). False only means "look closer".
inline bool plainAscii8(const char* p)
{
    constexpr std::uint64_t ones = 0x0101010101010101ULL;
    constexpr std::uint64_t high = 0x8080808080808080ULL;
    std::uint64_t x;
    std::memcpy(&x, p, sizeof x);
    const std::uint64_t quote = x ^ (ones * '"');
    const std::uint64_t backslash = x ^ (ones * '\\');
    const std::uint64_t stop = (x - ones * 0x20) | x | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash);
    return (stop & high) == 0;
}

/// The end of the run of plainAscii() bytes of `s` that starts at `i`.
inline std::size_t plainRunEnd(std::string_view s, std::size_t i)
{
    const std::size_t n = s.size();
    while (i + 8 <= n && plainAscii8(s.data() + i))
        i += 8;
    while (i < n && plainAscii(static_cast<unsigned char>(s[i])))
        ++i;
    return i;
}

HttpError invalidJson()
{
    return HttpError(400, "Invalid JSON");
}

bool isWs(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Structural pre-scan: nesting depth, surrogate pairs in escapes, and nothing but whitespace after the
// top-level value. Poco's parser checks the grammar itself; these are the §0.8 rules it does not enforce.
bool onlyWsFrom(std::string_view s, std::size_t i)
{
    while (i < s.size() && isWs(s[i]))
        ++i;
    return i == s.size();
}

bool isNumberChar(char c)
{
    return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

// An integer literal (no fraction, no exponent) must lie within -2^63 ... 2^64-1 (§0.8 allows refusing the rest).
// Poco 1.11's overflow check lets 2^64 ... ~2^65 wrap around (2^64 read as 0), so the range is checked here.
bool integerInRange(std::string_view token)
{
    if (token.find_first_of(".eE") != std::string_view::npos)
        return true;
    bool negative = !token.empty() && token[0] == '-';
    if (negative)
        token.remove_prefix(1);
    while (token.size() > 1 && token[0] == '0')
        token.remove_prefix(1);
    const std::string_view limit = negative ? "9223372036854775808" : "18446744073709551615";
    return token.size() < limit.size() || (token.size() == limit.size() && token <= limit);
}

// Skips the number token starting at s[i] and checks its integer range; the grammar is left to Poco's parser.
bool skipNumber(std::string_view s, std::size_t& i)
{
    std::size_t start = i;
    while (i < s.size() && isNumberChar(s[i]))
        ++i;
    return integerInRange(s.substr(start, i - start));
}

bool scanStructure(std::string_view s)
{
    std::size_t i = 0;
    while (i < s.size() && isWs(s[i]))
        ++i;
    if (i < s.size() && s[i] != '{' && s[i] != '[' && s[i] != '"')
    {
        // A literal or number at top level: it ends at the first whitespace.
        std::size_t start = i;
        while (i < s.size() && !isWs(s[i]))
            ++i;
        return integerInRange(s.substr(start, i - start)) && onlyWsFrom(s, i);
    }
    int depth = 0;
    while (i < s.size())
    {
        char c = s[i];
        if (c == '"')
        {
            ++i;
            while (i < s.size() && s[i] != '"')
            {
                if (s[i] != '\\')
                {
                    ++i;
                    continue;
                }
                if (i + 1 >= s.size())
                    return false;
                if (s[i + 1] != 'u')
                {
                    i += 2;
                    continue;
                }
                std::uint32_t cp;
                if (!Text::readHex4(s, i + 2, cp))
                    return false;
                if (cp >= 0xD800 && cp <= 0xDBFF)
                {
                    std::uint32_t lo;
                    if (i + 7 >= s.size() || s[i + 6] != '\\' || s[i + 7] != 'u' ||
                        !Text::readHex4(s, i + 8, lo) || lo < 0xDC00 || lo > 0xDFFF)
                        return false;
                    i += 12;
                    continue;
                }
                if (cp >= 0xDC00 && cp <= 0xDFFF)
                    return false;
                i += 6;
            }
            if (i >= s.size())
                return false;
            ++i;
            if (depth == 0)
                return onlyWsFrom(s, i);
            continue;
        }
        if (c == '{' || c == '[')
        {
            if (++depth > 64)
                return false;
        }
        else if (c == '}' || c == ']')
        {
            if (--depth < 0)
                return false;
            if (depth == 0)
                return onlyWsFrom(s, i + 1);
        }
        else if (c == '-' || (c >= '0' && c <= '9'))
        {
            if (!skipNumber(s, i))
                return false;
            continue;
        }
        ++i;
    }
    return false;
}

// Poco 1.11's Object keeps insertion order by comparing each new key with every earlier one (Object::set), so
// an object of n members costs O(n^2): 47,000 keys took 4.6 s of CPU. The builder below inserts into an
// unordered Object (a std::map insert, O(log n)) and appends the key to the object's order list itself, then
// switches the object to ordered mode: the result is the same ordered Object ParseHandler(true) would build
// (getNames() and later set()/remove() keep working), in O(n log n). The order list and flag are private, so
// they are reached through the explicit-instantiation rule ([temp.explicit]: access checking does not apply to
// names in an explicit instantiation); a Poco release that renames them fails to compile rather than misbehave.
template <typename Tag, typename Tag::type Member> struct PrivateMember
{
    friend typename Tag::type member(Tag) { return Member; }
};
struct ObjectKeys
{
    using type = std::deque<Poco::JSON::Object::ValueMap::const_iterator> Poco::JSON::Object::*;
    friend type member(ObjectKeys);
};
struct ObjectValues
{
    using type = Poco::JSON::Object::ValueMap Poco::JSON::Object::*;
    friend type member(ObjectValues);
};
struct ObjectOrdered
{
    using type = bool Poco::JSON::Object::*;
    friend type member(ObjectOrdered);
};
template struct PrivateMember<ObjectKeys, &Poco::JSON::Object::_keys>;
template struct PrivateMember<ObjectValues, &Poco::JSON::Object::_values>;
template struct PrivateMember<ObjectOrdered, &Poco::JSON::Object::_preserveInsOrder>;

class OrderedBuilder : public Poco::JSON::Handler
{
public:
    void reset() override
    {
        _stack.clear();
        _key.clear();
        _result.empty();
    }

    void startObject() override
    {
        Poco::JSON::Object::Ptr obj = new Poco::JSON::Object();
        add(obj);
        _stack.push_back({obj.get(), nullptr});
    }

    void endObject() override
    {
        _stack.back().object->*member(ObjectOrdered()) = true;
        _stack.pop_back();
    }

    void startArray() override
    {
        Poco::JSON::Array::Ptr arr = new Poco::JSON::Array();
        add(arr);
        _stack.push_back({nullptr, arr.get()});
    }

    void endArray() override { _stack.pop_back(); }

    void key(const std::string& k) override { _key = k; }
    void null() override { add(Poco::Dynamic::Var()); }
    void value(int v) override { add(v); }
    void value(unsigned v) override { add(v); }
    void value(Poco::Int64 v) override { add(v); }
    void value(Poco::UInt64 v) override { add(v); }
    void value(const std::string& v) override { add(v); }
    void value(double v) override { add(v); }
    void value(bool v) override { add(v); }

    Poco::Dynamic::Var asVar() const override { return _result; }

private:
    struct Frame
    {
        Poco::JSON::Object* object;
        Poco::JSON::Array* array;
    };

    void add(const Poco::Dynamic::Var& v)
    {
        if (_stack.empty())
        {
            _result = v;
            return;
        }
        Frame& top = _stack.back();
        if (top.array)
        {
            top.array->add(v);
            return;
        }
        Poco::JSON::Object& obj = *top.object;
        std::size_t before = obj.size();
        obj.set(_key, v); // unordered until endObject(): a map insert; a duplicate key keeps its first place
        if (obj.size() != before)
            (obj.*member(ObjectKeys())).push_back((obj.*member(ObjectValues())).find(_key));
    }

    std::vector<Frame> _stack; // open containers, owned by their parent or by _result
    std::string _key;
    Poco::Dynamic::Var _result;
};

bool allFinite(const Poco::Dynamic::Var& v)
{
    if (v.isEmpty())
        return true;
    if (v.type() == typeid(Poco::JSON::Object::Ptr))
    {
        auto obj = v.extract<Poco::JSON::Object::Ptr>();
        for (const auto& kv : *obj)
            if (!allFinite(kv.second))
                return false;
        return true;
    }
    if (v.type() == typeid(Poco::JSON::Array::Ptr))
    {
        auto arr = v.extract<Poco::JSON::Array::Ptr>();
        for (const auto& e : *arr)
            if (!allFinite(e))
                return false;
        return true;
    }
    if (v.type() == typeid(double))
        return std::isfinite(v.extract<double>());
    if (v.type() == typeid(float))
        return std::isfinite(v.extract<float>());
    return true;
}

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 if invalid.
std::size_t decodeUtf8(std::string_view s, std::size_t i, unsigned& cp)
{
    auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80)
    {
        cp = b0;
        return 1;
    }
    std::size_t len;
    unsigned min;
    if ((b0 & 0xE0) == 0xC0)
    {
        len = 2;
        cp = b0 & 0x1F;
        min = 0x80;
    }
    else if ((b0 & 0xF0) == 0xE0)
    {
        len = 3;
        cp = b0 & 0x0F;
        min = 0x800;
    }
    else if ((b0 & 0xF8) == 0xF0)
    {
        len = 4;
        cp = b0 & 0x07;
        min = 0x10000;
    }
    else
        return 0;
    if (i + len > s.size())
        return 0;
    for (std::size_t k = 1; k < len; ++k)
    {
        auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

} // namespace

bool isValidUtf8(std::string_view text)
{
    std::size_t i = 0;
    while (i < text.size())
    {
        if (static_cast<unsigned char>(text[i]) < 0x80)
        {
            ++i;
            continue;
        }
        unsigned cp;
        std::size_t n = decodeUtf8(text, i, cp);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

std::string sanitizeUtf8(std::string_view text)
{
    // Copies runs of valid text at once; only an invalid byte interrupts a run.
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0, run = 0;
    while (i < text.size())
    {
        if (static_cast<unsigned char>(text[i]) < 0x80)
        {
            ++i;
            continue;
        }
        unsigned cp;
        std::size_t n = decodeUtf8(text, i, cp);
        if (n == 0)
        {
            out.append(text.data() + run, i - run);
            out += "\xEF\xBF\xBD";
            run = ++i;
        }
        else
            i += n;
    }
    out.append(text.data() + run, text.size() - run);
    return out;
}

std::size_t codePoints(std::string_view text)
{
    // Every byte but continuation bytes (10xxxxxx) starts a code point; those are counted eight bytes at a time.
    constexpr std::uint64_t high = 0x8080808080808080ULL;
    std::size_t continuation = 0, i = 0;
    for (; i + 8 <= text.size(); i += 8)
    {
        std::uint64_t x;
        std::memcpy(&x, text.data() + i, sizeof x);
        // one bit (bit 7) per continuation byte, moved to bit 0 and summed into the top byte by the multiply
        continuation += static_cast<std::size_t>((((x & ~(x << 1) & high) >> 7) * 0x0101010101010101ULL) >> 56);
    }
    for (; i < text.size(); ++i)
        if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80)
            ++continuation;
    return text.size() - continuation;
}

std::string truncateChars(std::string_view text, std::size_t maxChars)
{
    std::size_t n = 0;
    for (std::size_t i = 0; i < text.size(); ++i)
    {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80)
        {
            if (n == maxChars)
                return std::string(text.substr(0, i));
            ++n;
        }
    }
    return std::string(text);
}

Poco::Dynamic::Var parse(std::string_view text)
{
    if (text.size() >= 3 && std::memcmp(text.data(), "\xEF\xBB\xBF", 3) == 0)
        text.remove_prefix(3);
    std::size_t i = 0;
    while (i < text.size() && isWs(text[i]))
        ++i;
    if (i == text.size())
        throw HttpError(400, "Empty request body");
    if (!isValidUtf8(text) || !scanStructure(text))
        throw invalidJson();
    Poco::Dynamic::Var result;
    try
    {
        Poco::JSON::Parser parser(new OrderedBuilder());
        parser.setDepth(70);
        if (text[i] == '{' || text[i] == '[')
            result = parser.parse(std::string(text));
        else
        {
            // Poco 1.11 refuses a top-level scalar; parse it as the only element of an array instead, so that
            // endpoints can answer their own "must be an object/array" message.
            auto arr = parser.parse("[" + std::string(text) + "]").extract<Poco::JSON::Array::Ptr>();
            if (arr->size() != 1)
                throw invalidJson();
            result = arr->get(0);
        }
    }
    catch (...)
    {
        throw invalidJson();
    }
    if (!allFinite(result))
        throw invalidJson();
    return result;
}

// ------------------------------------------------------------------------------------------------- Document

/// One pass over the text: grammar (RFC 8259), UTF-8 inside strings, escapes and surrogate pairs, depth, number
/// range and finiteness. Non-ASCII bytes outside strings are grammar errors, so the whole text is checked.
class DocumentParser
{
public:
    DocumentParser(Document& doc, std::string_view text) : _doc(doc), _s(text) {}

    void run()
    {
        if (_s.size() >= 3 && std::memcmp(_s.data(), "\xEF\xBB\xBF", 3) == 0)
            _p = 3;
        skipWs();
        if (_p == _s.size())
            throw HttpError(400, "Empty request body");
        if (_s.size() > 0xFFFFFFF0u)
            throw invalidJson();
        _doc._nodes.reserve(std::max<std::size_t>(32, _s.size() / 10)); // about one node per 10 bytes of a body
        _doc._strings.reserve(_s.size());
        value(0);
        skipWs();
        if (_p != _s.size())
            throw invalidJson();
    }

private:
    void skipWs()
    {
        while (_p < _s.size() && isWs(_s[_p]))
            ++_p;
    }

    std::uint32_t push(Document::Type t)
    {
        _doc._nodes.emplace_back();
        _doc._nodes.back().type = t;
        return static_cast<std::uint32_t>(_doc._nodes.size() - 1);
    }

    void finish(std::uint32_t i) { _doc._nodes[i].end = static_cast<std::uint32_t>(_doc._nodes.size()); }

    bool literal(const char* word, std::size_t n)
    {
        if (_s.size() - _p < n || std::memcmp(_s.data() + _p, word, n) != 0)
            return false;
        _p += n;
        return true;
    }

    void value(int depth)
    {
        if (_p >= _s.size())
            throw invalidJson();
        char c = _s[_p];
        switch (c)
        {
        case '{': container<true>(depth + 1); return;
        case '[': container<false>(depth + 1); return;
        case '"': string(); return;
        case 't':
        case 'f':
        {
            bool v = c == 't';
            if (!literal(v ? "true" : "false", v ? 4 : 5))
                throw invalidJson();
            std::uint32_t i = push(Document::Type::Bool);
            _doc._nodes[i].flag = v;
            finish(i);
            return;
        }
        case 'n':
            if (!literal("null", 4))
                throw invalidJson();
            finish(push(Document::Type::Null));
            return;
        default:
            if (c == '-' || (c >= '0' && c <= '9'))
            {
                number();
                return;
            }
            throw invalidJson();
        }
    }

    /// An object (`Keyed`: each member is `"key": value`) or an array, from its opening bracket to its closing one.
    template <bool Keyed>
    void container(int depth)
    {
        constexpr char close = Keyed ? '}' : ']';
        if (depth > 64)
            throw invalidJson();
        std::uint32_t i = push(Keyed ? Document::Type::Object : Document::Type::Array);
        ++_p;
        skipWs();
        std::uint32_t n = 0;
        if (_p < _s.size() && _s[_p] == close)
            ++_p;
        else
        {
            for (;;)
            {
                if constexpr (Keyed)
                {
                    if (_p >= _s.size() || _s[_p] != '"')
                        throw invalidJson();
                    string();
                    skipWs();
                    if (_p >= _s.size() || _s[_p] != ':')
                        throw invalidJson();
                    ++_p;
                    skipWs();
                }
                value(depth);
                ++n;
                skipWs();
                if (_p >= _s.size())
                    throw invalidJson();
                if (_s[_p] == ',')
                {
                    ++_p;
                    skipWs();
                    continue;
                }
                if (_s[_p] != close)
                    throw invalidJson();
                ++_p;
                break;
            }
        }
        _doc._nodes[i].size = n;
        finish(i);
    }

    void string()
    {
        std::uint32_t i = push(Document::Type::String);
        std::string& out = _doc._strings;
        std::size_t start = out.size();
        ++_p; // opening quote
        std::size_t run = _p; // start of the pending run of plain bytes
        const std::size_t n = _s.size();
        for (;;)
        {
            // Plain ASCII (most of a body) eight bytes at a time, then byte by byte up to the next other byte.
            _p = plainRunEnd(_s, _p);
            if (_p >= n)
                throw invalidJson();
            auto c = static_cast<unsigned char>(_s[_p]);
            if (c == '"')
                break;
            if (c < 0x20)
                throw invalidJson();
            if (c >= 0x80)
            {
                unsigned cp;
                std::size_t len = decodeUtf8(_s, _p, cp);
                if (len == 0)
                    throw invalidJson();
                _p += len;
                continue;
            }
            // an escape: flush the run before it
            out.append(_s.data() + run, _p - run);
            if (_p + 1 >= _s.size())
                throw invalidJson();
            char e = _s[_p + 1];
            _p += 2;
            switch (e)
            {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u':
            {
                std::uint32_t cp;
                if (!Text::readHex4(_s, _p, cp))
                    throw invalidJson();
                _p += 4;
                if (cp >= 0xD800 && cp <= 0xDBFF)
                {
                    std::uint32_t lo;
                    if (_p + 1 >= _s.size() || _s[_p] != '\\' || _s[_p + 1] != 'u' ||
                        !Text::readHex4(_s, _p + 2, lo) || lo < 0xDC00 || lo > 0xDFFF)
                        throw invalidJson();
                    _p += 6;
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                }
                else if (cp >= 0xDC00 && cp <= 0xDFFF)
                    throw invalidJson();
                Text::appendUtf8(out, cp);
                break;
            }
            default:
                throw invalidJson();
            }
            run = _p;
        }
        out.append(_s.data() + run, _p - run);
        ++_p; // closing quote
        Document::Node& node = _doc._nodes[i];
        node.off = static_cast<std::uint32_t>(start);
        node.len = static_cast<std::uint32_t>(out.size() - start);
        finish(i);
    }

    static bool digit(char c) { return c >= '0' && c <= '9'; }

    void number()
    {
        std::size_t start = _p;
        bool negative = _s[_p] == '-';
        if (negative)
            ++_p;
        if (_p >= _s.size() || !digit(_s[_p]))
            throw invalidJson();
        if (_s[_p] == '0')
            ++_p;
        else
            while (_p < _s.size() && digit(_s[_p]))
                ++_p;
        bool integer = true;
        if (_p < _s.size() && _s[_p] == '.')
        {
            integer = false;
            ++_p;
            if (_p >= _s.size() || !digit(_s[_p]))
                throw invalidJson();
            while (_p < _s.size() && digit(_s[_p]))
                ++_p;
        }
        if (_p < _s.size() && (_s[_p] == 'e' || _s[_p] == 'E'))
        {
            integer = false;
            ++_p;
            if (_p < _s.size() && (_s[_p] == '+' || _s[_p] == '-'))
                ++_p;
            if (_p >= _s.size() || !digit(_s[_p]))
                throw invalidJson();
            while (_p < _s.size() && digit(_s[_p]))
                ++_p;
        }
        std::string_view token = _s.substr(start, _p - start);
        std::uint32_t i = push(Document::Type::Number);
        Document::Node& node = _doc._nodes[i];
        node.flag = integer;
        if (integer)
        {
            if (!integerInRange(token))
                throw invalidJson();
            std::uint64_t u = 0;
            for (char d : token.substr(negative ? 1 : 0))
                u = u * 10 + static_cast<std::uint64_t>(d - '0');
            node.negative = negative && u != 0; // -0 is the integer 0
            node.u = node.negative ? (~u + 1) : u;
            node.d = node.negative ? -static_cast<double>(u) : static_cast<double>(u);
        }
        else
        {
            char buf[64];
            std::string big;
            const char* z;
            if (token.size() < sizeof buf)
            {
                std::memcpy(buf, token.data(), token.size());
                buf[token.size()] = '\0';
                z = buf;
            }
            else
            {
                big.assign(token);
                z = big.c_str();
            }
            double d = std::strtod(z, nullptr);
            if (!std::isfinite(d))
                throw invalidJson();
            node.d = d;
        }
        finish(i);
    }

    Document& _doc;
    std::string_view _s;
    std::size_t _p = 0;
};

Document::Document(std::string_view text)
{
    DocumentParser(*this, text).run();
}

std::string_view Document::Value::string() const
{
    if (!isString())
        return {};
    const Node& n = node();
    return std::string_view(_doc->_strings.data() + n.off, n.len);
}

Document::Value Document::Value::operator[](std::string_view key) const
{
    Value found;
    members(
        [&](std::string_view k, Value v)
        {
            if (k == key)
                found = v;
        });
    return found;
}

void Document::Value::uniqueMembers(const std::function<void(std::string_view, Value)>& f) const
{
    if (!isObject())
        return;
    // Keys in document order; a duplicate key keeps the place of its first occurrence and the value of its last
    // (as parse() builds objects).
    const Node& n = node();
    std::vector<std::pair<std::string_view, Value>> all;
    all.reserve(n.size);
    members([&](std::string_view k, Value v) { all.emplace_back(k, v); });
    if (all.size() <= 16)
    {
        for (std::size_t a = 0; a < all.size(); ++a)
        {
            bool seen = false;
            for (std::size_t b = 0; b < a && !seen; ++b)
                seen = all[b].first == all[a].first;
            if (seen)
                continue;
            Value v = all[a].second;
            for (std::size_t b = a + 1; b < all.size(); ++b)
                if (all[b].first == all[a].first)
                    v = all[b].second;
            f(all[a].first, v);
        }
        return;
    }
    std::unordered_map<std::string_view, std::size_t> last;
    last.reserve(all.size());
    for (std::size_t a = 0; a < all.size(); ++a)
        last[all[a].first] = a;
    for (std::size_t a = 0; a < all.size(); ++a)
    {
        auto it = last.find(all[a].first);
        if (it == last.end())
            continue; // given at its first place already
        f(all[a].first, all[it->second].second);
        last.erase(it);
    }
}

void Document::Value::appendCompact(std::string& out) const
{
    switch (type())
    {
    case Type::Null: out += "null"; return;
    case Type::Bool: out += node().flag ? "true" : "false"; return;
    case Type::String: appendQuoted(out, string()); return;
    case Type::Number:
    {
        const Node& n = node();
        if (!n.flag)
            appendDouble(out, n.d);
        else if (n.negative)
            out += std::to_string(static_cast<std::int64_t>(n.u));
        else
            out += std::to_string(n.u);
        return;
    }
    case Type::Array:
    {
        out += '[';
        bool first = true;
        elements(
            [&](Value v)
            {
                if (!first)
                    out += ',';
                first = false;
                v.appendCompact(out);
            });
        out += ']';
        return;
    }
    case Type::Object:
        break;
    }
    out += '{';
    bool first = true;
    uniqueMembers(
        [&](std::string_view k, Value v)
        {
            if (!first)
                out += ',';
            first = false;
            appendQuoted(out, k);
            out += ':';
            v.appendCompact(out);
        });
    out += '}';
}

Poco::JSON::Object::Ptr parseObject(std::string_view text)
{
    Poco::Dynamic::Var v = parse(text);
    if (v.type() != typeid(Poco::JSON::Object::Ptr))
        throw HttpError(400, "Request body must be a JSON object");
    return v.extract<Poco::JSON::Object::Ptr>();
}

std::optional<std::string> getString(const Poco::JSON::Object& obj, const std::string& key)
{
    if (!obj.has(key))
        return std::nullopt;
    const auto& v = obj.get(key);
    if (v.type() != typeid(std::string))
        return std::nullopt;
    return v.extract<std::string>();
}

std::optional<double> getNumber(const Poco::JSON::Object& obj, const std::string& key)
{
    if (!obj.has(key))
        return std::nullopt;
    const auto& v = obj.get(key);
    if (v.isEmpty() || v.type() == typeid(bool) || v.type() == typeid(std::string) || !v.isNumeric())
        return std::nullopt;
    return v.convert<double>();
}

Poco::JSON::Object::Ptr getObject(const Poco::JSON::Object& obj, const std::string& key)
{
    if (!obj.has(key))
        return nullptr;
    const auto& v = obj.get(key);
    if (v.type() != typeid(Poco::JSON::Object::Ptr))
        return nullptr;
    return v.extract<Poco::JSON::Object::Ptr>();
}

Poco::JSON::Array::Ptr getArray(const Poco::JSON::Object& obj, const std::string& key)
{
    if (!obj.has(key))
        return nullptr;
    const auto& v = obj.get(key);
    if (v.type() != typeid(Poco::JSON::Array::Ptr))
        return nullptr;
    return v.extract<Poco::JSON::Array::Ptr>();
}

bool has(const Poco::JSON::Object& obj, const std::string& key)
{
    return obj.has(key) && !obj.get(key).isEmpty();
}

namespace
{
void stringifyTo(Writer& w, const Poco::Dynamic::Var& v)
{
    if (v.isEmpty())
        w.null();
    else if (v.type() == typeid(Poco::JSON::Object::Ptr))
    {
        auto obj = v.extract<Poco::JSON::Object::Ptr>();
        w.beginObject();
        // getNames() follows insertion order when the parser preserved it.
        for (const auto& name : obj->getNames())
        {
            w.key(name);
            stringifyTo(w, obj->get(name));
        }
        w.endObject();
    }
    else if (v.type() == typeid(Poco::JSON::Array::Ptr))
    {
        auto arr = v.extract<Poco::JSON::Array::Ptr>();
        w.beginArray();
        for (const auto& e : *arr)
            stringifyTo(w, e);
        w.endArray();
    }
    else if (v.type() == typeid(std::string))
        w.value(v.extract<std::string>());
    else if (v.type() == typeid(bool))
        w.value(v.extract<bool>());
    else if (v.type() == typeid(double) || v.type() == typeid(float))
        w.value(v.convert<double>());
    else if (v.type() == typeid(Poco::UInt64))
        w.value(static_cast<std::uint64_t>(v.extract<Poco::UInt64>()));
    else if (v.isInteger())
        w.value(v.convert<std::int64_t>());
    else if (v.isNumeric())
        w.value(v.convert<double>());
    else
        w.value(v.convert<std::string>());
}
} // namespace

std::string stringify(const Poco::Dynamic::Var& value)
{
    Writer w;
    stringifyTo(w, value);
    return w.take();
}

void appendQuoted(std::string& out, std::string_view s)
{
    static const char* hex = "0123456789abcdef";
    out += '"';
    std::size_t i = 0;
    while (i < s.size())
    {
        // Runs of bytes that stand for themselves (most text) are copied at once.
        if (const std::size_t end = plainRunEnd(s, i); end > i)
        {
            out.append(s.data() + i, end - i);
            i = end;
            continue;
        }
        auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80)
        {
            switch (c)
            {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\b': out += "\\b"; break;
            case '\f': out += "\\f"; break;
            case '\n': out += "\\n"; break;
            case '\r': out += "\\r"; break;
            case '\t': out += "\\t"; break;
            default:
                if (c < 0x20)
                {
                    out += "\\u00";
                    out += hex[c >> 4];
                    out += hex[c & 0xF];
                }
                else
                    out += static_cast<char>(c);
            }
            ++i;
            continue;
        }
        unsigned cp;
        std::size_t n = decodeUtf8(s, i, cp);
        if (n == 0)
        {
            out += "\xEF\xBF\xBD";
            ++i;
        }
        else if (cp == 0x2028)
        {
            out += "\\u2028";
            i += n;
        }
        else if (cp == 0x2029)
        {
            out += "\\u2029";
            i += n;
        }
        else
        {
            out.append(s.substr(i, n));
            i += n;
        }
    }
    out += '"';
}

void appendDouble(std::string& out, double v)
{
    if (!std::isfinite(v))
    {
        out += "null";
        return;
    }
    if (v == std::floor(v) && std::fabs(v) < 1e15)
    {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.0f", v);
        out += (std::strcmp(buf, "-0") == 0) ? "0" : buf;
        return;
    }
    char buf[32];
    for (int prec = 1; prec <= 17; ++prec)
    {
        std::snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (std::strtod(buf, nullptr) == v)
            break;
    }
    out += buf;
}

void Writer::separate()
{
    if (_afterKey)
    {
        _afterKey = false;
        return;
    }
    if (!_first.empty())
    {
        if (!_first.back())
            _out += ',';
        _first.back() = false;
    }
}

Writer& Writer::beginObject()
{
    separate();
    _out += '{';
    _first.push_back(true);
    return *this;
}

Writer& Writer::endObject()
{
    _out += '}';
    _first.pop_back();
    return *this;
}

Writer& Writer::beginArray()
{
    separate();
    _out += '[';
    _first.push_back(true);
    return *this;
}

Writer& Writer::endArray()
{
    _out += ']';
    _first.pop_back();
    return *this;
}

Writer& Writer::key(std::string_view k)
{
    separate();
    appendQuoted(_out, k);
    _out += ':';
    _afterKey = true;
    return *this;
}

Writer& Writer::value(std::string_view v)
{
    separate();
    appendQuoted(_out, v);
    return *this;
}

Writer& Writer::value(std::int64_t v)
{
    separate();
    _out += std::to_string(v);
    return *this;
}

Writer& Writer::value(std::uint64_t v)
{
    separate();
    _out += std::to_string(v);
    return *this;
}

Writer& Writer::value(double v)
{
    separate();
    appendDouble(_out, v);
    return *this;
}

Writer& Writer::value(bool v)
{
    separate();
    _out += v ? "true" : "false";
    return *this;
}

Writer& Writer::null()
{
    separate();
    _out += "null";
    return *this;
}

Writer& Writer::raw(std::string_view json)
{
    separate();
    _out.append(json);
    return *this;
}

Writer& Writer::members(const Writer& open)
{
    if (open._first.size() != 1 || open._afterKey || open._out.empty() || open._out.front() != '{')
        throw Poco::InvalidArgumentException("Json::Writer::members: needs a writer with one open object");
    if (open._first.back())
        return *this; // no members
    separate();
    _out.append(open._out, 1, std::string::npos);
    return *this;
}

Writer& Writer::value(const std::optional<std::string>& v)
{
    return v ? value(std::string_view(*v)) : null();
}

} // namespace Json
} // namespace Monlight
