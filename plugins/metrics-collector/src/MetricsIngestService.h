#pragma once

#include "MetricIngestor.h"
#include "Monlight/Services.h"

namespace Monlight
{
namespace MetricsCollector
{

/// The in-process ingest service `metrics-collector.ingest` (SPEC §4.11): the same body, status and response
/// object as `POST /api/metrics`, without auth, rate limit or body cap.
class MetricsIngestService : public JsonIngestService
{
public:
    explicit MetricsIngestService(MetricIngestor& ingestor) : _ingestor(ingestor) {}

    /// 202 with the accepted body, or the HttpError's status and `{"detail":…}` body (with `index`). Never throws
    /// HttpError; other exceptions propagate.
    IngestReply ingest(const std::string& jsonBody) override;

private:
    MetricIngestor& _ingestor;
};

} // namespace MetricsCollector
} // namespace Monlight
