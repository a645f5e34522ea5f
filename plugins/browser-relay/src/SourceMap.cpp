#include "SourceMap.h"

#include "Base64Vlq.h"
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <algorithm>
#include <cmath>
#include <limits>

namespace Monlight
{
namespace BrowserRelay
{

namespace
{

[[noreturn]] void invalid(const std::string& why)
{
    throw Poco::DataFormatException("Invalid source map format", why);
}

bool isNumber(const Poco::Dynamic::Var& v)
{
    return !v.isEmpty() && v.isNumeric() && !v.isBoolean();
}

/// A JSON number that is a whole value in int range.
bool asInt(const Poco::Dynamic::Var& v, int& out)
{
    if (!isNumber(v))
        return false;
    const double d = v.convert<double>();
    if (!std::isfinite(d) || std::floor(d) != d || d < 0 || d > std::numeric_limits<int>::max())
        return false;
    out = static_cast<int>(d);
    return true;
}

void requireVersion3(const Poco::JSON::Object& map)
{
    const Poco::Dynamic::Var v = map.get("version");
    if (!isNumber(v) || v.convert<double>() != 3.0)
        invalid("version is not 3");
}

} // namespace

std::shared_ptr<const SourceMap> SourceMap::parse(std::string_view json)
{
    Poco::Dynamic::Var root;
    try
    {
        Poco::JSON::Parser parser;
        root = parser.parse(std::string(json));
    }
    catch (const Poco::Exception& e)
    {
        invalid("not JSON: " + e.message());
    }
    if (root.type() != typeid(Poco::JSON::Object::Ptr))
        invalid("not a JSON object");
    const auto obj = root.extract<Poco::JSON::Object::Ptr>();
    if (obj.isNull())
        invalid("not a JSON object");
    return fromObject(*obj);
}

std::shared_ptr<const SourceMap> SourceMap::fromObject(const Poco::JSON::Object& map)
{
    requireVersion3(map);
    if (map.has("sections"))
        return parseIndex(map);
    return parseRegular(map);
}

std::shared_ptr<SourceMap> SourceMap::parseIndex(const Poco::JSON::Object& map)
{
    const auto sections = map.getArray("sections");
    if (sections.isNull())
        invalid("sections is not an array");
    auto result = std::make_shared<SourceMap>();
    int prevLine = -1, prevColumn = -1;
    for (std::size_t i = 0; i < sections->size(); ++i)
    {
        const auto section = sections->getObject(static_cast<unsigned>(i));
        if (section.isNull())
            invalid("section is not an object");
        if (section->has("url"))
            invalid("sections with url are not supported");
        const auto offset = section->getObject("offset");
        const auto sub = section->getObject("map");
        if (offset.isNull() || sub.isNull())
            invalid("section without offset or map");
        int line = 0, column = 0;
        if (!asInt(offset->get("line"), line) || !asInt(offset->get("column"), column))
            invalid("section offset is not a pair of integers");
        if (line < prevLine || (line == prevLine && column < prevColumn))
            invalid("sections not in ascending order");
        prevLine = line;
        prevColumn = column;
        requireVersion3(*sub);
        if (sub->has("sections"))
            invalid("nested index map");
        auto parsed = parseRegular(*sub);
        result->_bytes += parsed->_bytes;
        result->_sections.push_back(Section{line, column, std::move(parsed)});
    }
    result->_bytes += 64 * result->_sections.size() + 64;
    return result;
}

std::shared_ptr<SourceMap> SourceMap::parseRegular(const Poco::JSON::Object& map)
{
    const auto sources = map.getArray("sources");
    if (sources.isNull())
        invalid("sources is not an array");
    const Poco::Dynamic::Var mappingsVar = map.get("mappings");
    if (mappingsVar.isEmpty() || !mappingsVar.isString())
        invalid("mappings is not a string");

    auto result = std::make_shared<SourceMap>();
    std::string root;
    const Poco::Dynamic::Var rootVar = map.get("sourceRoot");
    if (!rootVar.isEmpty() && rootVar.isString())
        root = rootVar.convert<std::string>();

    result->_sources.reserve(sources->size());
    for (std::size_t i = 0; i < sources->size(); ++i)
    {
        const Poco::Dynamic::Var s = sources->get(static_cast<unsigned>(i));
        std::string source = (!s.isEmpty() && s.isString()) ? s.convert<std::string>() : std::string();
        if (!root.empty() && source.find("://") == std::string::npos && (source.empty() || source[0] != '/'))
        {
            source = root + (root.back() == '/' ? "" : "/") + source;
        }
        result->_bytes += source.size();
        result->_sources.push_back(std::move(source));
    }

    const auto names = map.getArray("names");
    if (!names.isNull())
    {
        result->_names.reserve(names->size());
        for (std::size_t i = 0; i < names->size(); ++i)
        {
            const Poco::Dynamic::Var n = names->get(static_cast<unsigned>(i));
            std::string name = (!n.isEmpty() && n.isString()) ? n.convert<std::string>() : std::string();
            result->_bytes += name.size();
            result->_names.push_back(std::move(name));
        }
    }

    result->_contents.resize(result->_sources.size());
    const auto contents = map.getArray("sourcesContent");
    if (!contents.isNull())
    {
        for (std::size_t i = 0; i < contents->size() && i < result->_sources.size(); ++i)
        {
            const Poco::Dynamic::Var c = contents->get(static_cast<unsigned>(i));
            if (!c.isEmpty() && c.isString())
            {
                auto text = std::make_shared<const std::string>(c.convert<std::string>());
                result->_bytes += text->size();
                result->_contents[i] = std::move(text);
            }
        }
    }

    result->decodeMappings(mappingsVar.extract<std::string>());
    result->_bytes += 16 * result->_segments.size() + 4 * result->_lineStart.size() + 128;
    return result;
}

void SourceMap::decodeMappings(const std::string& mappings)
{
    std::int64_t source = 0, originalLine = 0, originalColumn = 0, name = 0;
    std::int64_t generatedColumn = 0;
    const std::int64_t sourceCount = static_cast<std::int64_t>(_sources.size());
    const std::int64_t nameCount = static_cast<std::int64_t>(_names.size());
    const std::int64_t int32Max = std::numeric_limits<std::int32_t>::max();

    _lineStart.clear();
    _lineStart.push_back(0);
    bool lineSorted = true;
    std::size_t pos = 0;
    const std::size_t n = mappings.size();

    auto finishLine = [&]()
    {
        if (!lineSorted)
        {
            std::stable_sort(_segments.begin() + _lineStart.back(), _segments.end(),
                             [](const Segment& a, const Segment& b)
                             { return a.generatedColumn < b.generatedColumn; });
        }
        _lineStart.push_back(static_cast<std::uint32_t>(_segments.size()));
        generatedColumn = 0;
        lineSorted = true;
    };

    while (pos < n)
    {
        const char c = mappings[pos];
        if (c == ';')
        {
            finishLine();
            ++pos;
            continue;
        }
        if (c == ',')
        {
            ++pos;
            continue;
        }
        std::int32_t fields[6];
        int count = 0;
        while (pos < n && mappings[pos] != ',' && mappings[pos] != ';')
        {
            if (count == 5)
                invalid("segment with more than 5 fields");
            if (!Base64Vlq::decode(mappings, pos, fields[count]))
                invalid("bad VLQ in mappings");
            ++count;
        }
        if (count != 1 && count != 4 && count != 5)
            invalid("segment with 2 or 3 fields");
        generatedColumn += fields[0];
        if (generatedColumn < 0 || generatedColumn > int32Max)
            invalid("negative generated column");
        Segment seg{static_cast<std::int32_t>(generatedColumn), -1, 0, 0, -1};
        if (count >= 4)
        {
            source += fields[1];
            originalLine += fields[2];
            originalColumn += fields[3];
            if (source < 0 || originalLine < 0 || originalColumn < 0 || originalLine > int32Max ||
                originalColumn > int32Max)
                invalid("negative value in mappings");
            if (source >= sourceCount)
                invalid("source index out of range");
            seg.source = static_cast<std::int32_t>(source);
            seg.originalLine = static_cast<std::int32_t>(originalLine);
            seg.originalColumn = static_cast<std::int32_t>(originalColumn);
            if (count == 5)
            {
                name += fields[4];
                if (name < 0)
                    invalid("negative name index");
                if (name < nameCount)
                    seg.name = static_cast<std::int32_t>(name);
            }
        }
        const std::size_t lineBegin = _lineStart.back();
        if (_segments.size() > lineBegin && _segments.back().generatedColumn > seg.generatedColumn)
            lineSorted = false;
        _segments.push_back(seg);
    }
    finishLine();
}

std::size_t SourceMap::segmentCount() const
{
    std::size_t total = _segments.size();
    for (const auto& s : _sections)
        total += s.map->segmentCount();
    return total;
}

std::optional<MappedPosition> SourceMap::lookup(int line, int column) const
{
    if (line < 1 || column < 1)
        return std::nullopt;
    return lookupZeroBased(static_cast<std::int64_t>(line) - 1, static_cast<std::int64_t>(column) - 1);
}

std::optional<MappedPosition> SourceMap::lookupZeroBased(std::int64_t line, std::int64_t column) const
{
    if (!_sections.empty())
    {
        const Section* chosen = nullptr;
        for (const auto& s : _sections)
        {
            if (s.line < line || (s.line == line && s.column <= column))
                chosen = &s;
            else
                break;
        }
        if (!chosen)
            return std::nullopt;
        const std::int64_t l = line - chosen->line;
        const std::int64_t c = (line == chosen->line) ? column - chosen->column : column;
        return chosen->map->lookupZeroBased(l, c);
    }

    if (line < 0 || static_cast<std::size_t>(line) + 1 >= _lineStart.size())
        return std::nullopt;
    const auto begin = _segments.begin() + _lineStart[static_cast<std::size_t>(line)];
    const auto end = _segments.begin() + _lineStart[static_cast<std::size_t>(line) + 1];
    // First segment with a column greater than C; the one before it is the nearest earlier segment.
    auto it = std::upper_bound(begin, end, column,
                               [](std::int64_t col, const Segment& s) { return col < s.generatedColumn; });
    if (it == begin)
        return std::nullopt;
    const Segment& seg = *(it - 1);
    if (seg.source < 0)
        return std::nullopt;
    MappedPosition pos;
    pos.source = _sources[static_cast<std::size_t>(seg.source)];
    pos.line = static_cast<std::int64_t>(seg.originalLine) + 1;
    pos.column = static_cast<std::int64_t>(seg.originalColumn) + 1;
    if (seg.name >= 0)
        pos.name = _names[static_cast<std::size_t>(seg.name)];
    pos.content = _contents[static_cast<std::size_t>(seg.source)];
    return pos;
}

} // namespace BrowserRelay
} // namespace Monlight
