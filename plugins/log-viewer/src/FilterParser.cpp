#include "FilterParser.h"

#include "Monlight/Config.h"
#include "Monlight/Http.h"
#include "Monlight/HttpError.h"
#include "Monlight/Json.h"
#include "Monlight/Time.h"
#include <algorithm>

namespace Monlight
{
namespace LogViewer
{

namespace
{

HttpError invalid(const std::string& name)
{
    return HttpError(400, "Invalid parameter: " + name);
}

/// 32 hex digits, lower-cased; "" for anything else.
std::string asciiLowerHex(const std::string& s)
{
    if (s.size() != 32)
        return {};
    std::string out = s;
    for (auto& c : out)
    {
        if (c >= 'A' && c <= 'F')
            c = static_cast<char>(c - 'A' + 'a');
        else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return {};
    }
    return out;
}

void parseCommon(const QueryParams& q, LogFilter& f)
{
    if (auto c = q.get("container"))
    {
        for (auto& name : ConfigValue::splitList(*c))
        {
            if (std::find(f.containers.begin(), f.containers.end(), name) == f.containers.end())
                f.containers.push_back(name);
        }
    }
    if (auto l = q.get("level"))
    {
        auto levels = FilterParser::parseLevelFilter(*l);
        if (!levels)
            throw invalid("level");
        f.levels = *levels;
    }
    if (auto t = q.get("trace_id"))
    {
        std::string id = asciiLowerHex(*t);
        if (id.empty())
            throw invalid("trace_id");
        f.traceId = id;
    }
    if (auto k = q.get("source_kind"))
    {
        if (*k == "api")
            f.fromApi = true;
        else if (*k == "docker")
            f.fromApi = false;
        else
            throw invalid("source_kind");
    }
    if (auto s = q.get("stream"))
    {
        if (*s == "stdout")
            f.isStderr = false;
        else if (*s == "stderr")
            f.isStderr = true;
        else
            throw invalid("stream");
    }
}

} // namespace

std::string FilterParser::asciiLower(std::string_view s)
{
    std::string out(s);
    for (auto& c : out)
    {
        if (c >= 'A' && c <= 'Z')
            c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
}

std::optional<std::vector<Level>> FilterParser::parseLevelFilter(const std::string& value)
{
    std::string_view v = value;
    bool atLeast = false;
    if (v.substr(0, 2) == ">=")
    {
        atLeast = true;
        v.remove_prefix(2);
    }
    auto level = LevelDetector::parse(v);
    if (!level)
        return std::nullopt;
    std::vector<Level> out;
    if (!atLeast)
        out.push_back(*level);
    else
    {
        for (int l = static_cast<int>(*level); l <= static_cast<int>(Level::Critical); ++l)
            out.push_back(static_cast<Level>(l));
    }
    return out;
}

std::optional<std::string> FilterParser::wordsToFts(const std::string& text)
{
    // NUL separates words too: SQLite reads the MATCH text only up to it, so inside a phrase it would leave
    // the phrase unterminated (an FTS5 syntax error).
    auto isSep = [](char c)
    { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == '\0'; };
    std::string out;
    std::size_t i = 0;
    while (i < text.size())
    {
        while (i < text.size() && isSep(text[i]))
            ++i;
        std::size_t start = i;
        while (i < text.size() && !isSep(text[i]))
            ++i;
        if (i == start)
            break;
        std::string_view word(text.data() + start, i - start);
        // unicode61 tokens are runs of letters and digits; ASCII punctuation alone yields no token.
        bool hasToken = std::any_of(word.begin(), word.end(),
                                    [](char c)
                                    {
                                        auto u = static_cast<unsigned char>(c);
                                        return u >= 0x80 || (u >= '0' && u <= '9') ||
                                               (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z');
                                    });
        if (!hasToken)
            continue;
        if (!out.empty())
            out += ' ';
        out += '"';
        for (char c : word)
        {
            if (c == '"')
                out += '"';
            out += c;
        }
        out += '"';
    }
    if (out.empty())
        return std::nullopt;
    return out;
}

LogFilter FilterParser::parseQuery(const QueryParams& q, std::int64_t nowMs)
{
    LogFilter f;
    parseCommon(q, f);
    std::string mode = q.get("search_mode").value_or("fts");
    if (mode != "fts" && mode != "words" && mode != "substring")
        throw invalid("search_mode");
    auto search = q.get("search");
    if (!search)
        search = q.get("q");
    if (search && mode == "substring")
    {
        // any part of a word, ASCII case-insensitive: the live tail's `contains`, a scan of the stored
        // entries (bounded by max_entries) instead of an index lookup
        if (Json::codePoints(*search) > 200 || !Json::isValidUtf8(*search))
            throw invalid("search");
        f.contains = asciiLower(*search);
    }
    else if (search)
        f.match = mode == "words" ? wordsToFts(*search) : search;
    if (auto s = q.get("since"))
    {
        f.since = Time::parseQueryTimestamp(*s, nowMs);
        if (!f.since)
            throw invalid("since");
    }
    if (auto u = q.get("until"))
    {
        f.until = Time::parseQueryTimestamp(*u, nowMs);
        if (!f.until)
            throw invalid("until");
    }
    if (auto h = q.get("host"))
    {
        if (h->empty() || Json::codePoints(*h) > 255 || !Json::isValidUtf8(*h))
            throw invalid("host");
        f.host = *h;
    }
    f.limit = q.limit("limit", 100, 500);
    f.offset = q.offset("offset");
    if (auto b = q.get("before_id"))
    {
        f.beforeId = parseId(*b);
        if (!f.beforeId)
            throw invalid("before_id");
    }
    if (auto b = q.get("before_ts"))
    {
        f.beforeTs = Time::parseQueryTimestamp(*b, nowMs);
        if (!f.beforeTs)
            throw invalid("before_ts");
    }
    return f;
}

LogFilter FilterParser::parseTail(const QueryParams& q)
{
    LogFilter f;
    parseCommon(q, f);
    if (auto c = q.get("contains"))
    {
        if (Json::codePoints(*c) > 200 || !Json::isValidUtf8(*c))
            throw invalid("contains");
        f.contains = asciiLower(*c);
    }
    return f;
}

bool FilterParser::matches(const LogFilter& f, const LogEntry& e)
{
    if (!f.containers.empty() &&
        std::find(f.containers.begin(), f.containers.end(), e.container) == f.containers.end())
        return false;
    if (!f.levels.empty() && std::find(f.levels.begin(), f.levels.end(), e.level) == f.levels.end())
        return false;
    if (f.isStderr && *f.isStderr != e.isStderr)
        return false;
    if (f.traceId && *f.traceId != e.traceId)
        return false;
    if (f.fromApi && *f.fromApi != (e.containerId.rfind("api:", 0) == 0))
        return false;
    if (f.contains && !f.contains->empty())
    {
        std::string lower = asciiLower(e.message);
        if (lower.find(*f.contains) == std::string::npos)
            return false;
    }
    return true;
}

} // namespace LogViewer
} // namespace Monlight
