#pragma once

#include "LevelDetector.h"
#include "LogEntry.h"
#include "LogWriter.h"
#include "Monlight/Services.h"
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace Monlight
{
namespace LogViewer
{

/// The log ingest API (SPEC §12): validates a `POST /api/logs` body and stores its entries as `log_entries`
/// rows (`container` = source, `container_id` = `api:<source>`) in one transaction through the writer, which
/// publishes them to the live tail after the commit.
class LogIngestor
{
public:
    struct Options
    {
        std::size_t maxItems = 1000;
        std::size_t maxMessageBytes = 262144; ///< `max_line_bytes`: longer messages are split (§3.7)
        Level stderrDefault = Level::Error;
    };

    LogIngestor(LogWriter& writer, Options options);

    /// Validates the whole body, then commits every entry. Returns the number of items accepted. Throws
    /// HttpError 400 `{"detail":…}` (with `index` for an item) and stores nothing when anything is invalid.
    std::size_t ingest(std::string_view body);

    /// The entries of a valid body (ids unset); throws HttpError 400 as ingest() does. `items` = entries posted.
    static std::vector<LogEntry> parse(std::string_view body, std::int64_t nowMs, const Options& options,
                                       std::size_t& items);

    /// `{"status":"accepted","count":N}`.
    static std::string replyJson(std::size_t count);

private:
    LogWriter& _writer;
    Options _opt;
};

/// The in-process service `log-viewer.logs` (§12, as §2.12/§4.11): the same body, status and response object as
/// `POST /api/logs`, without auth, rate limit or body cap.
class LogIngestService : public JsonIngestService
{
public:
    explicit LogIngestService(LogIngestor& ingestor) : _ingestor(ingestor) {}
    IngestReply ingest(const std::string& jsonBody) override;

private:
    LogIngestor& _ingestor;
};

} // namespace LogViewer
} // namespace Monlight
