#include "MetricsIngestService.h"
#include "Monlight/HttpError.h"

namespace Monlight
{
namespace MetricsCollector
{

IngestReply MetricsIngestService::ingest(const std::string& jsonBody)
{
    return IngestReply::answer([&] { return IngestReply{202, MetricIngestor::replyJson(_ingestor.ingest(jsonBody)), {}}; });
}

} // namespace MetricsCollector
} // namespace Monlight
