#include "LineDecoder.h"

#include <Poco/JSON/Parser.h>

namespace Monlight
{
namespace LogViewer
{

namespace
{

int digits(std::string_view s, std::size_t pos, std::size_t n)
{
    if (pos + n > s.size())
        return -1;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i)
    {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

/// Length of the UTF-8 sequence starting at `p` if valid, else 0.
std::size_t validSequence(const unsigned char* p, std::size_t avail)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;
    std::size_t len;
    std::uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF)
    {
        len = 2;
        cp = c & 0x1F;
    }
    else if (c >= 0xE0 && c <= 0xEF)
    {
        len = 3;
        cp = c & 0x0F;
    }
    else if (c >= 0xF0 && c <= 0xF4)
    {
        len = 4;
        cp = c & 0x07;
    }
    else
        return 0;
    if (avail < len)
        return 0;
    for (std::size_t i = 1; i < len; ++i)
    {
        if ((p[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (p[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

/// Outcome of the fast path: decoded, definitely not a json-file record, or "ask Poco".
enum class Fast
{
    Ok,
    Fallback
};

void appendUtf8(std::string& out, std::uint32_t cp)
{
    if (cp < 0x80)
        out += static_cast<char>(cp);
    else if (cp < 0x800)
    {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    else if (cp < 0x10000)
    {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    else
    {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

bool read4Hex(std::string_view s, std::size_t pos, std::uint32_t& v)
{
    if (pos + 4 > s.size())
        return false;
    v = 0;
    for (std::size_t i = pos; i < pos + 4; ++i)
    {
        int h = hexValue(s[i]);
        if (h < 0)
            return false;
        v = (v << 4) | static_cast<std::uint32_t>(h);
    }
    return true;
}

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
            if (!read4Hex(s, pos, cp))
                return false;
            pos += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF)
            {
                std::uint32_t lo;
                if (pos + 6 > s.size() || s[pos] != '\\' || s[pos + 1] != 'u' || !read4Hex(s, pos + 2, lo) ||
                    lo < 0xDC00 || lo > 0xDFFF)
                    return false; // lone surrogate: let the reference parser decide
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                pos += 6;
            }
            else if (cp >= 0xDC00 && cp <= 0xDFFF)
                return false;
            appendUtf8(out, cp);
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
        if (auto t = LineDecoder::parseTime(time))
            record.timeMs = *t;
    }
    return Fast::Ok;
}

} // namespace

std::optional<std::int64_t> LineDecoder::parseTime(std::string_view s)
{
    // YYYY-MM-DDTHH:MM:SS[.f+](Z|±HH:MM)
    int year = digits(s, 0, 4), month = digits(s, 5, 2), day = digits(s, 8, 2);
    int hour = digits(s, 11, 2), minute = digits(s, 14, 2), second = digits(s, 17, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 ||
        minute > 59 || second < 0 || second > 60)
        return std::nullopt;
    if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') || s[13] != ':' ||
        s[16] != ':')
        return std::nullopt;
    std::size_t pos = 19;
    std::int64_t ms = 0;
    if (pos < s.size() && s[pos] == '.')
    {
        ++pos;
        std::size_t start = pos;
        int scale = 100;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9')
        {
            if (scale > 0)
            {
                ms += (s[pos] - '0') * scale;
                scale /= 10;
            }
            ++pos;
        }
        if (pos == start)
            return std::nullopt;
    }
    std::int64_t offsetMin = 0;
    if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z'))
        ++pos;
    else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-'))
    {
        int oh = digits(s, pos + 1, 2), om = digits(s, pos + 4, 2);
        if (oh < 0 || om < 0 || s[pos + 3] != ':' || oh > 23 || om > 59)
            return std::nullopt;
        offsetMin = (oh * 60 + om) * (s[pos] == '+' ? 1 : -1);
        pos += 6;
    }
    if (pos != s.size())
        return std::nullopt;
    std::int64_t days = daysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
    std::int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offsetMin * 60;
    return secs * 1000 + ms;
}

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
        parsed = parser.parse(sanitizeUtf8(line));
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
        if (auto t = parseTime(time.extract<std::string>()))
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

std::string LineDecoder::sanitizeUtf8(std::string_view text)
{
    std::string out;
    out.reserve(text.size());
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    std::size_t i = 0, n = text.size(), run = 0;
    while (i < n)
    {
        if (p[i] < 0x80)
        {
            ++i;
            continue;
        }
        std::size_t len = validSequence(p + i, n - i);
        if (len == 0)
        {
            out.append(text.data() + run, i - run);
            out.append("\xEF\xBF\xBD");
            ++i;
            run = i;
        }
        else
            i += len;
    }
    out.append(text.data() + run, n - run);
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
    std::string s = sanitizeUtf8(text);
    if (stripAnsiCodes && s.find('\x1b') != std::string::npos)
        s = stripAnsi(s);
    return s;
}

} // namespace LogViewer
} // namespace Monlight
