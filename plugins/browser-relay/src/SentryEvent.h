#pragma once

#include "SourceMap.h"
#include <Monlight/Json.h>
#include <Poco/JSON/Object.h>
#include <functional>
#include <memory>
#include <string>

namespace Monlight
{
namespace BrowserRelay
{

/// Mapping of Sentry items to Monlight payloads (§11.5).
namespace SentryEvent
{

/// Source map lookup for a browser frame: (release, file URL) → map or null.
using MapLookup = std::function<std::shared_ptr<const SourceMap>(const std::string& release, const std::string& file)>;

/// The error tracker's `POST /api/errors` payload (§2.2) for a Sentry event (a JSON object read with
/// Json::Document) of DSN project `project`.
std::string errorPayload(Json::Document::Value event, const std::string& project,
                         const std::string& defaultEnvironment, const MapLookup& maps);

/// The traceback text rendered from the event's exceptions (or thread stack), and the primary type/message.
struct Rendered
{
    std::string type;
    std::string message;
    std::string traceback;
    bool javascript = false;
};
Rendered render(Json::Document::Value event);

/// `event_id` without dashes, lowercased, when it is 32 hex digits; "" otherwise.
std::string normalizeEventId(std::string_view id);

/// The log viewer's `POST /api/logs` body (§12) for a `log` item container; `count` = entries.
std::string logsPayload(const Poco::JSON::Object& container, const std::string& project, std::size_t& count);

/// The metrics collector's `POST /api/metrics` body (§4.2) for a `trace_metric` container. `count` = items
/// kept, `invalid` = items skipped (bad name, unknown type, no value).
std::string metricsPayload(const Poco::JSON::Object& container, const std::string& project, std::size_t& count,
                           std::size_t& invalid);

} // namespace SentryEvent

} // namespace BrowserRelay
} // namespace Monlight
