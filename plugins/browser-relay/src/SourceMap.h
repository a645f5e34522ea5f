#pragma once

#include <Poco/JSON/Object.h>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace Monlight
{
namespace BrowserRelay
{

/// Where a generated position came from (1-based line and column).
struct MappedPosition
{
    std::string source; ///< after `sourceRoot`
    /// 1-based original position: a 0-based value may be as large as 2^31-1 (§5.9), so +1 needs 64 bits.
    std::int64_t line = 0;
    std::int64_t column = 0;
    std::optional<std::string> name;            ///< when the segment has a name in range
    std::shared_ptr<const std::string> content; ///< the `sourcesContent` entry when it is a string
};

/// A parsed source map v3 (§5.9): a regular map, or an index map made of `sections` of regular maps.
/// Immutable after parsing, so one instance can be shared by any number of threads.
class SourceMap
{
public:
    /// Parses map JSON. Throws Poco::DataFormatException when it is not a valid v3 map per §5.3/§5.9.
    static std::shared_ptr<const SourceMap> parse(std::string_view json);
    /// Same for an already parsed JSON object.
    static std::shared_ptr<const SourceMap> fromObject(const Poco::JSON::Object& map);

    /// Looks up a 1-based generated (line, column) with the nearest earlier segment on that line.
    /// Nothing when the line has no segment at or before the column, or the segment is unmapped.
    std::optional<MappedPosition> lookup(int line, int column) const;

    /// Memory estimate for the cache budget: 16 bytes per segment plus string bytes.
    std::size_t estimatedBytes() const { return _bytes; }
    bool isIndexMap() const { return !_sections.empty(); }
    std::size_t segmentCount() const;
    const std::vector<std::string>& sources() const { return _sources; }

private:
    struct Segment
    {
        std::int32_t generatedColumn;
        std::int32_t source; ///< -1 for a 1-field (unmapped) segment
        std::int32_t originalLine;
        std::int32_t originalColumn;
        std::int32_t name; ///< -1 when none or out of range
    };
    struct Section
    {
        int line;
        int column;
        std::shared_ptr<const SourceMap> map;
    };

    static std::shared_ptr<SourceMap> parseRegular(const Poco::JSON::Object& map);
    static std::shared_ptr<SourceMap> parseIndex(const Poco::JSON::Object& map);
    void decodeMappings(const std::string& mappings);
    std::optional<MappedPosition> lookupZeroBased(std::int64_t line, std::int64_t column) const;

    std::vector<std::string> _sources;
    std::vector<std::string> _names;
    std::vector<std::shared_ptr<const std::string>> _contents;
    std::vector<Segment> _segments;
    std::vector<std::uint32_t>
        _lineStart; ///< index of the first segment of each line; one extra entry at the end
    std::vector<Section> _sections;
    std::size_t _bytes = 0;
};

} // namespace BrowserRelay
} // namespace Monlight
