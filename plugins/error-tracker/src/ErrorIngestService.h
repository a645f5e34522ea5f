#pragma once

#include "AlertEvent.h"
#include "ErrorMetrics.h"
#include "ErrorStore.h"
#include "Monlight/Services.h"
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace Monlight
{
namespace ErrorTracker
{

/// `POST /api/errors` without HTTP (SPEC §2.2, §2.12): validate, fingerprint, store, count, enqueue alerts.
/// Registered as `error-tracker.ingest`; the HTTP handler uses the same object.
class ErrorIngestService : public JsonIngestService
{
public:
    using AlertSink = std::function<void(AlertEvent)>;

    ErrorIngestService(std::shared_ptr<ErrorStore> store, std::string defaultEnvironment, int maxOccurrences,
                       ErrorMetrics& metrics, AlertSink alerts);

    /// Returns the status and body; validation errors and a busy writer become their error replies.
    IngestReply ingest(const std::string& jsonBody) override;

    /// Same as ingest() but throws (HttpError 400, StorageError) instead of returning an error reply.
    IngestReply process(std::string_view jsonBody);

private:
    std::shared_ptr<ErrorStore> _store;
    std::string _defaultEnvironment;
    int _maxOccurrences;
    Counter& _created;
    Counter& _incremented;
    Counter& _reopened;
    AlertSink _alerts;
};

} // namespace ErrorTracker
} // namespace Monlight
