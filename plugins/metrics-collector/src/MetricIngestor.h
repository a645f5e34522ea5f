#pragma once

#include "MetricBatchParser.h"
#include "MetricStorage.h"
#include "Monlight/Metrics.h"
#include <Poco/Logger.h>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>

namespace Monlight
{
namespace MetricsCollector
{

/// `POST /api/metrics` without HTTP (SPEC §4.2): validation, acceptance window, one writer transaction.
/// Shared by the route and the in-process `metrics-collector.ingest` service.
class MetricIngestor
{
public:
    using Clock = std::function<std::int64_t()>;

    struct Settings
    {
        std::size_t maxBatchItems = 1000;
        std::size_t maxLabels = 32;
        std::int64_t retentionRawHours = 1;
        std::int64_t futureToleranceSeconds = 300;
        std::size_t maxSeriesPerProject = 10000; ///< only for the warning text; the store enforces it
    };

    /// Self-metric counters; any may be null.
    struct Counters
    {
        Counter* stored = nullptr;
        Counter* tooOld = nullptr;
        Counter* inFuture = nullptr;
        Counter* seriesLimit = nullptr;
    };

    struct Result
    {
        std::size_t count = 0;
        std::size_t dropped = 0;
    };

    MetricIngestor(MetricStorage& store, Settings settings, Clock clock, Counters counters)
        : _store(store), _settings(settings), _parser(settings.maxBatchItems, settings.maxLabels),
          _clock(std::move(clock)), _counters(counters)
    {
    }

    /// Validates the whole body, drops points outside the acceptance window, stores the rest and returns
    /// once they are committed. Throws HttpError 400 (§4.2 details, `index` for items) or StorageError from the writer.
    Result ingest(std::string_view body);

    /// `{"status":"accepted","count":N,"dropped":D}`
    static std::string replyJson(const Result& r);

    /// Where the warning about points dropped at the series limit goes (at most one line a minute); may be null.
    void setLogger(Poco::Logger* logger) { _logger = logger; }

private:
    MetricStorage& _store;
    Settings _settings;
    MetricBatchParser _parser;
    Clock _clock;
    Counters _counters;
    Poco::Logger* _logger = nullptr;
    std::mutex _warnMutex;
    std::int64_t _lastWarnMs = 0;
    std::size_t _unreported = 0; // points dropped at the series limit since the last warning
};

} // namespace MetricsCollector
} // namespace Monlight
