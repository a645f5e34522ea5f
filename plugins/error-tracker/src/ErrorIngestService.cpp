#include "ErrorIngestService.h"

#include "Fingerprint.h"
#include "Monlight/HttpError.h"
#include "Monlight/Json.h"

namespace Monlight
{
namespace ErrorTracker
{

namespace
{
const std::size_t MAX_ALERT_TRACEBACK = 12 * 1024 + 4;
const std::size_t MAX_ALERT_MESSAGE_CHARS = 4096;
} // namespace

ErrorIngestService::ErrorIngestService(std::shared_ptr<ErrorStore> store, std::string defaultEnvironment,
                                       int maxOccurrences, ErrorMetrics& metrics, AlertSink alerts)
    : _store(std::move(store)), _defaultEnvironment(std::move(defaultEnvironment)),
      _maxOccurrences(maxOccurrences), _created(metrics.ingested("created")),
      _incremented(metrics.ingested("incremented")), _reopened(metrics.ingested("reopened")),
      _alerts(std::move(alerts))
{
}

IngestReply ErrorIngestService::ingest(const std::string& jsonBody)
{
    return IngestReply::answer([&] { return process(jsonBody); });
}

IngestReply ErrorIngestService::process(std::string_view jsonBody)
{
    ErrorReport report = ErrorReport::parse(jsonBody, _defaultEnvironment);
    std::string fp = Fingerprint::compute(report.project, report.exceptionType, report.traceback, report.message,
                                          report.fingerprint ? &*report.fingerprint : nullptr);
    IngestResult result = _store->ingest(report, fp, _maxOccurrences);

    const char* status = "created";
    IngestReply reply;
    switch (result.status)
    {
    case IngestResult::Status::Created:
        status = "created";
        reply.status = 201;
        _created.inc();
        break;
    case IngestResult::Status::Incremented:
        status = "incremented";
        reply.status = 200;
        _incremented.inc();
        break;
    case IngestResult::Status::Reopened:
        status = "reopened";
        reply.status = 201;
        _reopened.inc();
        break;
    }
    Json::Writer w;
    w.beginObject()
        .field("status", status)
        .field("id", result.group.id)
        .field("fingerprint", result.group.fingerprint)
        .field("count", result.group.count)
        .endObject();
    reply.body = w.take();

    if (_alerts && result.status != IngestResult::Status::Incremented)
    {
        AlertEvent ev;
        ev.kind = result.status == IngestResult::Status::Created ? AlertEvent::Kind::New
                                                                 : AlertEvent::Kind::Regression;
        ev.group = std::move(result.group);
        // Bound the memory a queued alert holds (the queue may hold alert_queue_size events): alerts show at
        // most 12 KiB of traceback (a few bytes more tell the composer it was cut) and a bounded message.
        if (ev.group.traceback.size() > MAX_ALERT_TRACEBACK)
            ev.group.traceback.resize(MAX_ALERT_TRACEBACK);
        ev.group.message = Json::truncateChars(ev.group.message, MAX_ALERT_MESSAGE_CHARS);
        ev.requestMethod = report.requestMethod;
        ev.requestUrl = report.requestUrl;
        _alerts(std::move(ev));
    }
    return reply;
}

} // namespace ErrorTracker
} // namespace Monlight
