#include "LevelDetector.h"

#include <Monlight/Text.h>
#include <Poco/JSON/Parser.h>

namespace Monlight
{
namespace LogViewer
{

namespace
{

char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

/// ASCII case-insensitive equality with a lower-case literal.
bool iequals(std::string_view a, const char* b)
{
    std::size_t i = 0;
    for (; i < a.size(); ++i)
    {
        if (b[i] == '\0' || lower(a[i]) != b[i])
            return false;
    }
    return b[i] == '\0';
}

bool isBlank(char c)
{
    return Text::isAsciiSpace(c);
}

std::string_view trim(std::string_view s)
{
    return Text::trimAsciiSpace(s);
}

std::optional<Level> fromJson(std::string_view line)
{
    Poco::Dynamic::Var parsed;
    try
    {
        Poco::JSON::Parser parser;
        parsed = parser.parse(std::string(line));
    }
    catch (...)
    {
        return std::nullopt; // not JSON: the other rules apply
    }
    if (parsed.type() != typeid(Poco::JSON::Object::Ptr))
        return std::nullopt;
    auto obj = parsed.extract<Poco::JSON::Object::Ptr>();
    static const char* const keys[] = {"level", "severity", "lvl", "levelname", "log.level", "loglevel"};
    for (const char* key : keys)
    {
        if (!obj->has(key))
            continue;
        const Poco::Dynamic::Var& v = obj->get(key);
        if (v.isEmpty())
            continue; // null counts as absent
        if (v.isString())
            return LevelDetector::parse(v.extract<std::string>());
        if (v.isNumeric())
        {
            double n = v.convert<double>();
            if (n < 30)
                return Level::Debug;
            if (n < 40)
                return Level::Info;
            if (n < 50)
                return Level::Warning;
            if (n < 60)
                return Level::Error;
            return Level::Critical;
        }
        return std::nullopt;
    }
    return std::nullopt;
}

std::optional<Level> fromBrackets(std::string_view line)
{
    for (std::size_t i = 0; i < line.size() && i < 200; ++i)
    {
        if (line[i] != '[')
            continue;
        std::size_t close = line.find_first_of("[]", i + 1);
        if (close == std::string_view::npos)
            return std::nullopt;
        if (line[close] == '[')
        {
            i = close - 1; // a nested '[' starts a new candidate group
            continue;
        }
        std::string_view content = trim(line.substr(i + 1, close - i - 1));
        if (content.size() >= 3 && content.size() <= 8)
        {
            if (auto level = LevelDetector::parse(content))
                return level;
        }
        i = close;
    }
    return std::nullopt;
}

std::optional<Level> fromKeyValue(std::string_view line)
{
    static const std::string_view keys[] = {"level=", "lvl=", "severity="};
    for (std::size_t i = 0; i < line.size(); ++i)
    {
        char first = lower(line[i]);
        if (first != 'l' && first != 's')
            continue;
        if (i > 0)
        {
            char p = line[i - 1];
            if (p != ' ' && p != '\t' && p != ',' && p != ';' && p != '{' && p != '"')
                continue;
        }
        for (std::string_view key : keys)
        {
            if (i + key.size() > line.size() || key[0] != first)
                continue;
            bool same = true;
            for (std::size_t k = 1; k < key.size() && same; ++k)
                same = lower(line[i + k]) == key[k];
            if (!same)
                continue;
            std::size_t start = i + key.size();
            if (start < line.size() && (line[start] == '"' || line[start] == '\''))
                ++start;
            std::size_t end = line.find_first_of(" \t,;\"'}", start);
            if (end == std::string_view::npos)
                end = line.size();
            return LevelDetector::parse(line.substr(start, end - start));
        }
    }
    return std::nullopt;
}

std::optional<Level> fromColonPrefix(std::string_view line)
{
    while (!line.empty() && isBlank(line.front()))
        line.remove_prefix(1);
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon < 3 || colon > 8)
        return std::nullopt;
    return LevelDetector::parse(line.substr(0, colon));
}

std::optional<Level> fromLevelWord(std::string_view line)
{
    static const struct
    {
        std::string_view word;
        Level level;
    } words[] = {{"TRACE", Level::Debug}, {"DEBUG", Level::Debug},    {"INFO", Level::Info},
                 {"NOTICE", Level::Info}, {"WARN", Level::Warning},   {"WARNING", Level::Warning},
                 {"ERROR", Level::Error}, {"FATAL", Level::Critical}, {"CRITICAL", Level::Critical}};
    std::size_t pos = 0;
    for (int token = 0; token < 6; ++token)
    {
        while (pos < line.size() && isBlank(line[pos]))
            ++pos;
        if (pos >= line.size())
            break;
        std::size_t end = pos;
        while (end < line.size() && !isBlank(line[end]))
            ++end;
        std::string_view t = line.substr(pos, end - pos);
        if (t.size() < 4 || t.size() > 8 || t[0] < 'A' || t[0] > 'Z')
        {
            pos = end;
            continue;
        }
        for (const auto& w : words)
        {
            if (t == w.word)
                return w.level;
        }
        pos = end;
    }
    return std::nullopt;
}

} // namespace

std::optional<Level> LevelDetector::parse(std::string_view s)
{
    static const struct
    {
        const char* word;
        Level level;
    } table[] = {{"trace", Level::Debug},    {"debug", Level::Debug},      {"dbg", Level::Debug},
                 {"info", Level::Info},      {"information", Level::Info}, {"notice", Level::Info},
                 {"warn", Level::Warning},   {"warning", Level::Warning},  {"err", Level::Error},
                 {"error", Level::Error},    {"crit", Level::Critical},    {"critical", Level::Critical},
                 {"fatal", Level::Critical}, {"panic", Level::Critical},   {"emerg", Level::Critical},
                 {"alert", Level::Critical}};
    if (s.empty() || s.size() > 11)
        return std::nullopt;
    for (const auto& e : table)
    {
        if (iequals(s, e.word))
            return e.level;
    }
    return std::nullopt;
}

const char* LevelDetector::name(Level level)
{
    switch (level)
    {
    case Level::Debug:
        return "DEBUG";
    case Level::Info:
        return "INFO";
    case Level::Warning:
        return "WARNING";
    case Level::Error:
        return "ERROR";
    case Level::Critical:
        return "CRITICAL";
    }
    return "INFO";
}

std::optional<Level> LevelDetector::detectExplicit(std::string_view message)
{
    std::string_view line = message.substr(0, message.find('\n'));
    // At most the first 1024 chars (code points) of the first line.
    std::size_t chars = 0, cut = 0;
    for (; cut < line.size(); ++cut)
    {
        if ((static_cast<unsigned char>(line[cut]) & 0xC0) != 0x80)
        {
            if (chars == 1024)
                break;
            ++chars;
        }
    }
    line = line.substr(0, cut);

    std::string_view trimmed = trim(line);
    if (!trimmed.empty() && trimmed.front() == '{')
    {
        if (auto level = fromJson(trimmed))
            return level;
    }
    if (auto level = fromBrackets(line))
        return level;
    if (auto level = fromKeyValue(line))
        return level;
    if (auto level = fromColonPrefix(line))
        return level;
    return fromLevelWord(line);
}

Level LevelDetector::detect(std::string_view message, bool isStderr, Level stderrDefault)
{
    if (auto level = detectExplicit(message))
        return *level;
    return isStderr ? stderrDefault : Level::Info;
}

} // namespace LogViewer
} // namespace Monlight
