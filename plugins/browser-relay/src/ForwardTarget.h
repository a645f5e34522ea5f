#pragma once

#include "HttpUpstream.h"
#include <Monlight/Metrics.h>
#include <Monlight/Services.h>
#include <Poco/Logger.h>
#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <string>

namespace Monlight
{
namespace BrowserRelay
{

/// One forwarding target of §5.11 (the error tracker or the metrics collector): in-process through the
/// target's ingest service, or HTTP to its URL. Counts `monlight_relay_forward_total`.
class ForwardTarget
{
public:
    enum class Mode
    {
        InProcess,
        Http
    };

    /// `name` is the target plugin (`error-tracker`), `service` its ingest service name, `okStatuses` the
    /// HTTP statuses that count as success. For Mode::Http `upstream` must be set.
    ForwardTarget(std::string name, std::string service, Mode mode, std::unique_ptr<HttpUpstream> upstream,
                  std::set<int> okStatuses, ServiceRegistry& services, MetricsRegistry& metrics,
                  Poco::Logger& logger);

    /// Forwards `json`. Returns the target's answer; throws HttpError 502 `Upstream error` on any failure
    /// (service missing, exception, 5xx in-process, any non-success HTTP status, timeout, connection error).
    /// With `passClientErrors`, an HTTP target's 4xx answer (429 with its Retry-After included) is returned as
    /// in-process ones are, so the caller can tell a refused item or a rate limit from a failed target.
    IngestReply forward(const std::string& json, const std::string& requestId, bool passClientErrors = false);

    Mode mode() const { return _mode; }
    const char* modeName() const { return _mode == Mode::InProcess ? "in-process" : "http"; }
    const std::string& name() const { return _name; }

private:
    [[noreturn]] void fail(const std::string& why);

    std::string _name;
    std::string _service;
    Mode _mode;
    std::unique_ptr<HttpUpstream> _upstream;
    std::set<int> _ok;
    ServiceRegistry& _services;
    Poco::Logger& _logger;
    Counter* _okCount;
    Counter* _errorCount;
    std::mutex _warnMutex;
    std::int64_t _lastWarnMs = 0;
    std::uint64_t _suppressed = 0;
};

} // namespace BrowserRelay
} // namespace Monlight
