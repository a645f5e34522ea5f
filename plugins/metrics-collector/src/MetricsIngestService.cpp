#include "MetricsIngestService.h"
#include "Monlight/HttpError.h"

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
        reply = IngestReply::fromError(e);
    }
    return reply;
}

} // namespace MetricsCollector
} // namespace Monlight
