#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace Monlight
{
namespace BrowserRelay
{

/// Base64 VLQ numbers of source map v3 `mappings` (§5.9).
class Base64Vlq
{
public:
    /// Value 0–63 of a base64 digit, or -1 for a character outside `A–Z a–z 0–9 + /`.
    static int digitValue(char c);

    /// Decodes one number starting at `pos` and advances `pos` past it. Returns false (pos unspecified) for a
    /// character outside the alphabet, input ending inside a number, or a value outside the int32 range.
    static bool decode(std::string_view text, std::size_t& pos, std::int32_t& value);

    /// Decodes a string made only of consecutive numbers. Returns false when any of them is invalid.
    static bool decodeAll(std::string_view text, std::vector<std::int32_t>& values);
};

} // namespace BrowserRelay
} // namespace Monlight
