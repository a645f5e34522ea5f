#include "LineDecoder.h"

#include "Monlight/Json.h"
#include "Monlight/Text.h"
#include "Monlight/Time.h"
#include <Poco/JSON/Parser.h>

namespace Monlight
{
namespace LogViewer
{

namespace
{

/// Outcome of the fast path: decoded, definitely not a json-file record, or "ask Poco".
enum class Fast
{
    Ok,
    Fallback
};

/// A JSON string starting at s[pos] == '"' (RFC 8259). False on anything unusual (the caller falls back).
bool readString(std::string_view s, std::size_t& pos, std::string& out)
{
    ++pos;
    out.clear();
    std::size_t run = pos;
    while (pos < s.size())
    {
        char c = s[pos];
        if (c == '"')
        {
            out.append(s.data() + run, pos - run);
            ++pos;
            return true;
        }
        if (static_cast<unsigned char>(c) < 0x20)
            return false;
        if (c != '\\')
        {
            ++pos;
            continue;
        }
        out.append(s.data() + run, pos - run);
        if (pos + 1 >= s.size())
            return false;
        char e = s[pos + 1];
        pos += 2;
        switch (e)
        {
        case '"':
        case '\\':
        case '/':
            out += e;
            break;
        case 'b':
            out += '\b';
            break;
        case 'f':
            out += '\f';
            break;
        case 'n':
            out += '\n';
            break;
        case 'r':
            out += '\r';
            break;
        case 't':
            out += '\t';
            break;
        case 'u':
        {
            std::uint32_t cp;
            if (!Text::readHex4(s, pos, cp))
                return false;
            pos += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF)
            {
                std::uint32_t lo;
                if (pos + 6 > s.size() || s[pos] != '\\' || s[pos + 1] != 'u' || !Text::readHex4(s, pos + 2, lo) ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return false; // lone surrogate: let the reference parser decide
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                pos += 6;
            }
            else if (cp >= 0xDC00 && cp <= 0xDFFF)
                return false;
            Text::appendUtf8(out, cp);
            break;
        }
        default:
            return false;
        }
        run = pos;
    }
    return false;
}

void skipWs(std::string_view s, std::size_t& pos)
{
    while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n' || s[pos] == '\r'))
        ++pos;
}

/// The common json-file shape: one object whose values are all strings. Anything else → Fallback.
Fast fastDecode(std::string_view s, std::int64_t ingestMs, DockerRecord& record)
{
    std::size_t pos = 0;
    skipWs(s, pos);
    if (pos >= s.size() || s[pos] != '{')
        return Fast::Fallback;
    ++pos;
    bool hasLog = false;
    std::string key, value, stream, time;
    bool hasStream = false, hasTime = false;
    skipWs(s, pos);
    if (pos < s.size() && s[pos] == '}')
        return Fast::Fallback;
    for (;;)
    {
        skipWs(s, pos);
        if (pos >= s.size() || s[pos] != '"' || !readString(s, pos, key))
            return Fast::Fallback;
        skipWs(s, pos);
        if (pos >= s.size() || s[pos] != ':')
            return Fast::Fallback;
        ++pos;
        skipWs(s, pos);
        if (pos >= s.size() || s[pos] != '"' || !readString(s, pos, value))
            return Fast::Fallback;
        if (key == "log")
        {
            record.log.swap(value);
            hasLog = true;
        }
        else if (key == "stream")
        {
            stream.swap(value);
            hasStream = true;
        }
        else if (key == "time")
        {
            time.swap(value);
            hasTime = true;
        }
        skipWs(s, pos);
        if (pos < s.size() && s[pos] == ',')
        {
            ++pos;
            continue;
        }
        if (pos < s.size() && s[pos] == '}')
        {
            ++pos;
            break;
        }
        return Fast::Fallback;
    }
    skipWs(s, pos);
    if (pos != s.size() || !hasLog)
        return Fast::Fallback;
    record.isStderr = hasStream && stream == "stderr";
    record.timeMs = ingestMs;
    if (hasTime)
    {
        if (auto t = Time::parseRfc3339(time))
            record.timeMs = *t;
    }
    return Fast::Ok;
}

} // namespace

std::optional<DockerRecord> LineDecoder::decode(std::string_view line, std::int64_t ingestMs)
{
    {
        // Fast path for the usual all-string record; it validates what it accepts and hands everything else
        // (other value types, odd escapes, invalid input) to Poco's parser below. Text is sanitized later.
        DockerRecord record;
        if (fastDecode(line, ingestMs, record) == Fast::Ok)
            return record;
    }
    Poco::Dynamic::Var parsed;
    thread_local Poco::JSON::Parser parser;
    try
    {
        parser.reset();
        parsed = parser.parse(Json::sanitizeUtf8(line));
    }
    catch (...)
    {
        return std::nullopt; // not JSON: counted as an invalid line by the caller
    }
    if (parsed.type() != typeid(Poco::JSON::Object::Ptr))
        return std::nullopt;
    auto obj = parsed.extract<Poco::JSON::Object::Ptr>();
    if (!obj)
        return std::nullopt;
    Poco::Dynamic::Var log = obj->get("log");
    if (log.isEmpty() || !log.isString())
        return std::nullopt;
    DockerRecord record;
    record.log = log.extract<std::string>();
    Poco::Dynamic::Var stream = obj->get("stream");
    record.isStderr = !stream.isEmpty() && stream.isString() && stream.extract<std::string>() == "stderr";
    record.timeMs = ingestMs;
    Poco::Dynamic::Var time = obj->get("time");
    if (!time.isEmpty() && time.isString())
    {
        if (auto t = Time::parseRfc3339(time.extract<std::string>()))
            record.timeMs = *t;
    }
    return record;
}

std::string LineDecoder::stripAnsi(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size())
    {
        char c = text[i];
        if (c != '\x1b')
        {
            out.push_back(c);
            ++i;
            continue;
        }
        if (i + 1 >= text.size())
        {
            ++i; // a lone ESC at the end
            continue;
        }
        char n = text[i + 1];
        if (n == '[')
        {
            std::size_t j = i + 2;
            while (j < text.size() && text[j] >= 0x30 && text[j] <= 0x3F)
                ++j;
            while (j < text.size() && text[j] >= 0x20 && text[j] <= 0x2F)
                ++j;
            if (j < text.size() && text[j] >= 0x40 && text[j] <= 0x7E)
                ++j;
            i = j;
        }
        else if (n == ']')
        {
            std::size_t j = i + 2;
            while (j < text.size())
            {
                if (text[j] == '\x07')
                {
                    ++j;
                    break;
                }
                if (text[j] == '\x1b' && j + 1 < text.size() && text[j + 1] == '\\')
                {
                    j += 2;
                    break;
                }
                ++j;
            }
            i = j;
        }
        else if (static_cast<unsigned char>(n) >= 0x20 && static_cast<unsigned char>(n) <= 0x7E)
        {
            i += 2;
        }
        else
        {
            // Not an escape sequence: drop the ESC only, so a UTF-8 character after it stays whole.
            ++i;
        }
    }
    return out;
}

std::size_t LineDecoder::utf8Cut(std::string_view text, std::size_t max)
{
    if (text.size() <= max)
        return text.size();
    std::size_t cut = max;
    // Step back over continuation bytes (at most 3) to the start of the cut sequence.
    std::size_t back = 0;
    while (cut > 0 && back < 3 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    {
        --cut;
        ++back;
    }
    // Still on a continuation byte after three steps (more than a 4-byte sequence has) is not valid UTF-8
    // anyway; a 4-byte lead reached in three steps is a valid cut.
    if (cut == 0 || (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        return max;
    return cut;
}

std::string LineDecoder::cleanText(std::string_view text, bool stripAnsiCodes)
{
    if (!text.empty() && text.back() == '\n')
        text.remove_suffix(1);
    if (!text.empty() && text.back() == '\r')
        text.remove_suffix(1);
    std::string s = Json::sanitizeUtf8(text);
    if (stripAnsiCodes && s.find('\x1b') != std::string::npos)
        s = stripAnsi(s);
    return s;
}

} // namespace LogViewer
} // namespace Monlight
