#pragma once

#include "LogEntry.h"
#include "Monlight/Json.h"
#include <string>

namespace Monlight
{
namespace LogViewer
{

/// The wire forms of a log entry: the JSON object of §3.2 and the SSE `log` frame of §3.5.
class EntryFormat
{
public:
    /// Appends `{"id":…,"timestamp":…,"container":…,"stream":…,"level":…,"message":…}`.
    static void write(Json::Writer& w, const LogEntry& e);
    /// The same object as a string.
    static std::string json(const LogEntry& e);
    /// `id: N\nevent: log\ndata: {…}\n\n`.
    static std::string sseFrame(const LogEntry& e);
};

} // namespace LogViewer
} // namespace Monlight
