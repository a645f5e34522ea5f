#include "AlertDispatcher.h"

#include "AlertComposer.h"
#include "Monlight/Time.h"
#include "PostmarkChannel.h"
#include "SmtpChannel.h"
#include "WebhookChannel.h"
#include <algorithm>

namespace Monlight
{
namespace ErrorTracker
{

namespace
{

std::vector<std::unique_ptr<AlertChannel>> channelsFrom(const ErrorTrackerConfig& c)
{
    std::vector<std::unique_ptr<AlertChannel>> out;
    if (c.postmarkEnabled())
        out.push_back(std::make_unique<PostmarkChannel>(c.postmarkApiUrl, c.postmarkApiToken,
                                                        c.postmarkFromEmail, c.alertEmails));
    if (c.smtpEnabled())
    {
        SmtpChannel::Settings s;
        s.host = c.smtpHost;
        s.port = c.smtpPort;
        s.username = c.smtpUsername;
        s.password = c.smtpPassword;
        s.from = c.smtpFrom;
        s.tls = c.smtpTls;
        s.verify = c.smtpTlsVerify;
        s.to = c.alertEmails;
        out.push_back(std::make_unique<SmtpChannel>(s));
    }
    if (c.webhookEnabled())
        out.push_back(std::make_unique<WebhookChannel>(c.alertWebhookUrl));
    return out;
}

} // namespace

AlertDispatcher::AlertDispatcher(const ErrorTrackerConfig& config, std::shared_ptr<ErrorStore> store,
                                 ErrorMetrics& metrics, Poco::Logger& logger)
    : AlertDispatcher(config, std::move(store), metrics, logger, channelsFrom(config))
{
}

AlertDispatcher::AlertDispatcher(const ErrorTrackerConfig& config, std::shared_ptr<ErrorStore> store,
                                 ErrorMetrics& metrics, Poco::Logger& logger,
                                 std::vector<std::unique_ptr<AlertChannel>> channels)
    : _config(config), _store(std::move(store)), _metrics(metrics), _logger(logger),
      _channels(std::move(channels)), _throttle(config.alertMaxPerHour, config.alertGroupCooldownMinutes),
      _dropped(metrics.dropped("alert_queue_full"))
{
    for (const auto& ch : _channels)
    {
        ch->setCanceller(_canceller);
        for (const char* result : {"sent", "failed", "suppressed"})
            alertCounter(ch->name(), result);
    }
}

AlertDispatcher::~AlertDispatcher()
{
    stop();
}

Counter& AlertDispatcher::alertCounter(const std::string& channel, const std::string& result)
{
    return _metrics.alerts(channel, result);
}

std::vector<std::string> AlertDispatcher::channelNames() const
{
    std::vector<std::string> names;
    for (const auto& ch : _channels)
        names.push_back(ch->name());
    return names;
}

void AlertDispatcher::start()
{
    std::lock_guard<std::mutex> lock(_mutex);
    if (_thread.joinable())
        return;
    _stopping = false;
    _alive = true;
    _thread = std::thread([this] { run(); });
}

void AlertDispatcher::stop()
{
    {
        std::lock_guard<std::mutex> lock(_mutex);
        _stopping = true;
    }
    _canceller->cancel();
    _cv.notify_all();
    if (_thread.joinable())
        _thread.join();
    std::size_t pending = _queue.size() + _retries.size();
    _queue.clear();
    _retries.clear();
    if (pending > 0)
        _logger.warning(std::to_string(pending) + " pending alerts dropped at shutdown");
}

void AlertDispatcher::enqueue(AlertEvent event)
{
    if (_channels.empty())
        return;
    if (event.kind == AlertEvent::Kind::New && !_config.alertOnNew)
        return;
    if (event.kind == AlertEvent::Kind::Regression && !_config.alertOnRegression)
        return;
    const auto& envs = _config.alertEnvironments;
    if (event.kind != AlertEvent::Kind::Test && !envs.empty() &&
        std::find(envs.begin(), envs.end(), event.group.environment) == envs.end())
        return;
    {
        std::lock_guard<std::mutex> lock(_mutex);
        if (_stopping)
            return;
        if (_queue.size() >= static_cast<std::size_t>(_config.alertQueueSize))
        {
            _dropped.inc();
            warn("queue",
                 "alert queue full: alert for error group #" + std::to_string(event.group.id) + " dropped");
            return;
        }
        _queue.push_back(std::move(event));
    }
    _cv.notify_one();
}

void AlertDispatcher::enqueueTest()
{
    AlertEvent ev;
    ev.kind = AlertEvent::Kind::Test;
    enqueue(std::move(ev));
}

std::vector<AlertDispatcher::TestResult> AlertDispatcher::deliverTestNow()
{
    AlertEvent ev;
    ev.kind = AlertEvent::Kind::Test;
    AlertMessage msg = AlertComposer::compose(ev, _config.baseUrl);
    std::vector<TestResult> results;
    for (const auto& ch : _channels)
    {
        DeliveryResult r = ch->deliver(msg);
        alertCounter(ch->name(), r.ok ? "sent" : "failed").inc();
        results.push_back(TestResult{ch->name(), r.ok, r.detail});
    }
    return results;
}

void AlertDispatcher::warn(const std::string& cause, const std::string& text)
{
    // One line per minute per cause (§0.16), with the count of repeats suppressed since the previous line.
    std::lock_guard<std::mutex> lock(_warnMutex);
    std::int64_t now = Time::nowMs();
    WarnState& st = _warnings[cause];
    if (st.lastMs != 0 && now - st.lastMs < 60000)
    {
        ++st.suppressed;
        return;
    }
    std::string line = text;
    if (st.suppressed > 0)
        line += " (" + std::to_string(st.suppressed) + " similar warnings suppressed)";
    st.suppressed = 0;
    st.lastMs = now;
    _logger.warning(line);
}

void AlertDispatcher::run()
{
    std::unique_lock<std::mutex> lock(_mutex);
    while (!_stopping)
    {
        std::int64_t now = Time::nowMs();
        std::int64_t nextDue = 0;
        for (const auto& r : _retries)
            nextDue = nextDue == 0 ? r.due : std::min(nextDue, r.due);
        if (!_queue.empty())
        {
            AlertEvent ev = std::move(_queue.front());
            _queue.pop_front();
            lock.unlock();
            try
            {
                process(ev);
            }
            catch (const std::exception& e)
            {
                _logger.error(std::string("alert worker: ") + e.what());
            }
            lock.lock();
            continue;
        }
        if (nextDue != 0 && nextDue <= now)
        {
            auto it = std::min_element(_retries.begin(), _retries.end(),
                                       [](const Retry& a, const Retry& b) { return a.due < b.due; });
            Retry r = std::move(*it);
            _retries.erase(it);
            lock.unlock();
            attempt(r.channel, r.message, r.attempt);
            lock.lock();
            continue;
        }
        if (nextDue != 0)
            _cv.wait_for(lock, std::chrono::milliseconds(nextDue - now));
        else
            _cv.wait(lock);
    }
    _alive = false;
}

void AlertDispatcher::process(AlertEvent& ev)
{
    std::string suppressedLine;
    if (ev.kind != AlertEvent::Kind::Test)
    {
        std::int64_t now = Time::nowMs();
        std::optional<std::int64_t> last;
        auto it = _lastAlert.find(ev.group.id);
        if (it != _lastAlert.end())
            last = it->second;
        else if (_store)
            last = _store->lastAlertAt(ev.group.id);
        if (!_throttle.admit(ev.group.project, last, now))
        {
            for (const auto& ch : _channels)
                alertCounter(ch->name(), "suppressed").inc();
            return;
        }
        _lastAlert[ev.group.id] = now;
        if (_lastAlert.size() > 100000)
            _lastAlert.clear(); // memory bound; the database column still holds the times
        if (_store)
        {
            try
            {
                _store->setLastAlertAt(ev.group.id, now);
            }
            catch (const std::exception& e)
            {
                warn("record", std::string("cannot record alert time: ") + e.what());
            }
        }
        std::int64_t suppressed = _throttle.takeSuppressed(ev.group.project);
        if (suppressed > 0)
            suppressedLine = "(" + std::to_string(suppressed) + " more alerts for " + ev.group.project +
                             " were suppressed since the previous alert)";
    }
    AlertMessage msg = AlertComposer::compose(ev, _config.baseUrl, suppressedLine);
    for (std::size_t i = 0; i < _channels.size(); ++i)
        attempt(i, msg, 0);
}

void AlertDispatcher::attempt(std::size_t channel, const AlertMessage& message, int attemptsMade)
{
    AlertChannel& ch = *_channels[channel];
    DeliveryResult r = ch.deliver(message);
    if (r.ok)
    {
        alertCounter(ch.name(), "sent").inc();
        return;
    }
    if (r.transient && static_cast<std::size_t>(attemptsMade) < _retryDelays.size())
    {
        warn("delivery:" + ch.name(),
             "alert delivery via " + ch.name() + " failed (" + r.detail + "), retrying in " +
                 std::to_string(_retryDelays[static_cast<std::size_t>(attemptsMade)] / 1000) + " s");
        std::lock_guard<std::mutex> lock(_mutex);
        _retries.push_back(Retry{channel, message, attemptsMade + 1,
                                 Time::nowMs() + _retryDelays[static_cast<std::size_t>(attemptsMade)]});
        return;
    }
    alertCounter(ch.name(), "failed").inc();
    warn("delivery:" + ch.name(), "alert delivery via " + ch.name() + " failed: " + r.detail);
}

} // namespace ErrorTracker
} // namespace Monlight
