#include "EntryFormat.h"

#include "Monlight/Time.h"

namespace Monlight
{
namespace LogViewer
{

void EntryFormat::write(Json::Writer& w, const LogEntry& e)
{
    w.beginObject()
        .field("id", e.id)
        .field("timestamp", Time::formatMs(e.timestampMs))
        .field("container", e.container)
        .field("stream", e.isStderr ? "stderr" : "stdout")
        .field("level", LevelDetector::name(e.level))
        .field("message", e.message);
    if (!e.traceId.empty())
        w.field("trace_id", e.traceId);
    if (!e.attributes.empty())
        w.key("attributes").raw(e.attributes);
    w.endObject();
}

std::string EntryFormat::json(const LogEntry& e)
{
    Json::Writer w;
    write(w, e);
    return w.take();
}

std::string EntryFormat::sseFrame(const LogEntry& e)
{
    std::string frame = "id: " + std::to_string(e.id) + "\nevent: log\ndata: ";
    frame += json(e);
    frame += "\n\n";
    return frame;
}

} // namespace LogViewer
} // namespace Monlight
