#include "MetricsIngestService.h"
#include "Monlight/HttpError.h"
#include "Monlight/Json.h"

namespace Monlight
{
namespace MetricsCollector
{

IngestReply MetricsIngestService::ingest(const std::string& jsonBody)
{
    IngestReply reply;
    try
    {
        reply.body = MetricIngestor::replyJson(_ingestor.ingest(jsonBody));
        reply.status = 202;
    }
    catch (const HttpError& e)
    {
        reply.status = e.status();
        reply.body = "{\"detail\":";
        Json::appendQuoted(reply.body, e.detail());
        reply.body += e.extraJson();
        reply.body += '}';
        reply.headers = e.headers();
    }
    return reply;
}

} // namespace MetricsCollector
} // namespace Monlight
