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

/// `YYYY-MM-DDTHH:MM:SS.sssZ`, UTC, always three fraction digits: how every event time is written.
MONLIGHT_API std::string formatMs(std::int64_t epochMs);

/// formatMs() of a time that may be absent: nothing for nothing (a Json::Writer writes it as `null`).
MONLIGHT_API std::optional<std::string> formatMs(const std::optional<std::int64_t>& epochMs);

/// `YYYY-MM-DDTHH:MM:SSZ`, UTC: how metric bucket starts are written.
MONLIGHT_API std::string formatSeconds(std::int64_t epochMs);

/// RFC 3339 `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` → epoch ms. Also accepted: lowercase `t`/`z`, a space instead
/// of `T`, no offset (= UTC), any number of fraction digits (truncated to milliseconds), second 60 (read as 59).
/// Nothing for anything else, including a day the month does not have (31 February, 29 February of 2100).
MONLIGHT_API std::optional<std::int64_t> parseRfc3339(std::string_view text);

/// A body timestamp: an RFC 3339 string (parseRfc3339), or a JSON number or string of digits (optionally with a
/// fraction) read by fromEpochNumber().
MONLIGHT_API std::optional<std::int64_t> parseBodyTimestamp(const Poco::Dynamic::Var& value);

/// A query timestamp: what parseBodyTimestamp() accepts, plus `YYYY-MM-DD` (midnight UTC) and a relative
/// `<n><unit>` (n = 1–999999, unit `s`, `m`, `h` or `d`) meaning `nowMs` minus that span (`15m`).
MONLIGHT_API std::optional<std::int64_t> parseQueryTimestamp(std::string_view text, std::int64_t nowMs);

/// Epoch number (seconds if |v| < 1e11, else milliseconds) → ms; nothing if not finite or out of range.
MONLIGHT_API std::optional<std::int64_t> fromEpochNumber(double v);

} // namespace Time
} // namespace Monlight
