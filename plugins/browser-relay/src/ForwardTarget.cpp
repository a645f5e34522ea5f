#include "ForwardTarget.h"

#include <Monlight/HttpError.h>
#include <Monlight/Json.h>
#include <Monlight/Time.h>

namespace Monlight
{
namespace BrowserRelay
{

ForwardTarget::ForwardTarget(std::string name, std::string service, Mode mode,
                             std::unique_ptr<HttpUpstream> upstream, std::set<int> okStatuses,
                             ServiceRegistry& services, MetricsRegistry& metrics, Poco::Logger& logger)
    : _name(std::move(name)), _service(std::move(service)), _mode(mode), _upstream(std::move(upstream)),
      _ok(std::move(okStatuses)), _services(services), _logger(logger)
{
    const std::string help = "Browser relay forwards";
    _okCount = &metrics.counter("browser-relay", "monlight_relay_forward_total", help,
                                {{"target", _name}, {"mode", modeName()}, {"result", "ok"}});
    _errorCount = &metrics.counter("browser-relay", "monlight_relay_forward_total", help,
                                   {{"target", _name}, {"mode", modeName()}, {"result", "error"}});
}

void ForwardTarget::fail(const std::string& why)
{
    _errorCount->inc();
    const std::int64_t now = Time::nowMs();
    std::uint64_t suppressed = 0;
    bool log = false;
    {
        std::lock_guard<std::mutex> lock(_warnMutex);
        if (now - _lastWarnMs >= 60000)
        {
            log = true;
            suppressed = _suppressed;
            _suppressed = 0;
            _lastWarnMs = now;
        }
        else
        {
            ++_suppressed;
        }
    }
    if (log)
    {
        std::string line = "forward to " + _name + " (" + modeName() + ") failed: " + why;
        if (suppressed)
            line += " (" + std::to_string(suppressed) + " similar failures suppressed)";
        _logger.warning(line);
    }
    throw HttpError(502, "Upstream error");
}

IngestReply ForwardTarget::forward(const std::string& json, const std::string& requestId, bool passClientErrors)
{
    IngestReply reply;
    if (_mode == Mode::InProcess)
    {
        // Looked up per request: the target may be initialized after the relay, and never unloaded.
        const auto service = _services.get<JsonIngestService>(_service);
        if (!service)
            fail("service " + _service + " is not registered");
        try
        {
            reply = service->ingest(json);
        }
        catch (const HttpError& e)
        {
            if (e.status() < 500)
            {
                reply.status = e.status();
                reply.body = e.body();
                _okCount->inc();
                return reply;
            }
            fail(e.displayText());
        }
        catch (const std::exception& e)
        {
            fail(e.what());
        }
        if (reply.status >= 500 || reply.status < 100)
            fail("status " + std::to_string(reply.status));
        _okCount->inc();
        return reply;
    }

    try
    {
        const auto answer = _upstream->post(json, requestId);
        reply.status = answer.status;
        reply.body = answer.body;
        if (!answer.retryAfter.empty())
            reply.headers.emplace_back("Retry-After", answer.retryAfter);
    }
    catch (const Poco::Exception& e)
    {
        fail(e.displayText());
    }
    catch (const std::exception& e)
    {
        fail(e.what());
    }
    if (passClientErrors && reply.status >= 400 && reply.status < 500)
    {
        _okCount->inc();
        return reply;
    }
    if (!_ok.count(reply.status))
        fail("status " + std::to_string(reply.status));
    _okCount->inc();
    return reply;
}

} // namespace BrowserRelay
} // namespace Monlight
