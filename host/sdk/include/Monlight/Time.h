#pragma once

#include "Monlight/Version.h"
#include <Poco/Dynamic/Var.h>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace Monlight
{
namespace Time
{

/// UTC wall clock in epoch milliseconds.
MONLIGHT_API std::int64_t nowMs();

/// `YYYY-MM-DDTHH:MM:SS.sssZ` (event times, §0.11).
MONLIGHT_API std::string formatMs(std::int64_t epochMs);

/// `YYYY-MM-DDTHH:MM:SSZ` (metric bucket starts, §0.11).
MONLIGHT_API std::string formatSeconds(std::int64_t epochMs);

/// RFC 3339 with the §0.11 relaxations (lowercase t/z, space separator, no offset = UTC, any fraction digits).
MONLIGHT_API std::optional<std::int64_t> parseRfc3339(std::string_view text);

/// A body timestamp (§0.11 forms 1 and 2): RFC 3339 string, JSON number or digit string (epoch s or ms).
MONLIGHT_API std::optional<std::int64_t> parseBodyTimestamp(const Poco::Dynamic::Var& value);

/// A query timestamp: forms 1–3 (`YYYY-MM-DD`, relative `15m` meaning `nowMs` minus the span).
MONLIGHT_API std::optional<std::int64_t> parseQueryTimestamp(std::string_view text, std::int64_t nowMs);

/// Epoch number (seconds if |v| < 1e11, else milliseconds) → ms; nothing if not finite or out of range.
MONLIGHT_API std::optional<std::int64_t> fromEpochNumber(double v);

} // namespace Time
} // namespace Monlight
