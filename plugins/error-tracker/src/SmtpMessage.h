#pragma once

#include "AlertMessage.h"
#include <string>
#include <string_view>
#include <vector>

namespace Monlight
{
namespace ErrorTracker
{

/// Builds the DATA section of an alert mail (SPEC §2.9): RFC 5322 headers, multipart/alternative with base64
/// text and HTML parts, CRLF line endings, dot-stuffing and the final `CRLF.CRLF`.
class SmtpMessage
{
public:
    /// The complete DATA payload including the terminating `.` line. `dateEpochMs` sets the Date header.
    static std::string build(const AlertMessage& message, const std::string& from,
                             const std::vector<std::string>& to, std::int64_t dateEpochMs);

    /// `=?UTF-8?B?...?=` encoded words (folded) when `value` is not plain printable ASCII; else `value`.
    static std::string encodeHeader(std::string_view value);
    /// Base64 in lines of at most 76 characters separated by CRLF.
    static std::string base64Lines(std::string_view data);
    /// Converts bare LF / CR to CRLF and doubles a leading `.` on every line.
    static std::string dotStuff(std::string_view text);
};

} // namespace ErrorTracker
} // namespace Monlight
