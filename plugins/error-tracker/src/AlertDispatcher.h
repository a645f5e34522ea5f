#pragma once

#include "AlertChannel.h"
#include "AlertEvent.h"
#include "AlertThrottle.h"
#include "ErrorMetrics.h"
#include "ErrorStore.h"
#include "ErrorTrackerConfig.h"
#include <Poco/Logger.h>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace Monlight
{
namespace ErrorTracker
{

/// The alert pipeline of SPEC §2.9: filter, bounded queue, one worker thread, throttling, delivery to every
/// channel with retries after 5 s, 30 s and 120 s for transient failures.
class AlertDispatcher
{
public:
    struct TestResult
    {
        std::string channel;
        bool ok = false;
        std::string detail;
    };

    /// `store` may be null (cooldown then only uses memory). Channels are built from `config`.
    AlertDispatcher(const ErrorTrackerConfig& config, std::shared_ptr<ErrorStore> store,
                    ErrorMetrics& metrics, Poco::Logger& logger);
    /// For tests: explicit channels.
    AlertDispatcher(const ErrorTrackerConfig& config, std::shared_ptr<ErrorStore> store,
                    ErrorMetrics& metrics, Poco::Logger& logger,
                    std::vector<std::unique_ptr<AlertChannel>> channels);
    ~AlertDispatcher();

    void start();
    /// Stops the worker; undelivered alerts are dropped with one log line. Idempotent.
    void stop();
    bool alive() const { return _alive.load(); }

    /// Filters by `alert_on`/`alert_environments` and queues; a full queue drops the event (counted, warned).
    void enqueue(AlertEvent event);
    /// Queues a test alert for every channel (no filters, no throttling).
    void enqueueTest();
    /// Delivers a test alert synchronously on every channel, without retries.
    std::vector<TestResult> deliverTestNow();

    /// Configured channel names in the order postmark, smtp, webhook.
    std::vector<std::string> channelNames() const;

    /// Retry delays in ms after the 1st, 2nd and 3rd failed attempt (tests may shorten them).
    void setRetryDelays(std::vector<long> delaysMs) { _retryDelays = std::move(delaysMs); }

private:
    struct Retry
    {
        std::size_t channel;
        AlertMessage message;
        int attempt; ///< attempts made so far
        std::int64_t due;
    };

    void run();
    void process(AlertEvent& event);
    void attempt(std::size_t channel, const AlertMessage& message, int attemptsMade);
    Counter& alertCounter(const std::string& channel, const std::string& result);
    /// Logs a warning, at most one line per minute per `cause`, with the count of suppressed repeats.
    void warn(const std::string& cause, const std::string& text);

    ErrorTrackerConfig _config;
    std::shared_ptr<ErrorStore> _store;
    ErrorMetrics& _metrics;
    Poco::Logger& _logger;
    std::vector<std::unique_ptr<AlertChannel>> _channels;
    std::shared_ptr<DeliveryCanceller> _canceller = std::make_shared<DeliveryCanceller>();
    std::vector<long> _retryDelays{5000, 30000, 120000};
    AlertThrottle _throttle;
    std::map<std::int64_t, std::int64_t> _lastAlert; ///< group id → last alert time (worker only)
    Counter& _dropped;

    mutable std::mutex _mutex;
    std::condition_variable _cv;
    std::deque<AlertEvent> _queue;
    std::vector<Retry> _retries; ///< worker only
    bool _stopping = false;
    std::atomic<bool> _alive{false};
    std::thread _thread;
    std::mutex _warnMutex;
    struct WarnState
    {
        std::int64_t lastMs = 0;
        std::int64_t suppressed = 0;
    };
    std::map<std::string, WarnState> _warnings;
};

} // namespace ErrorTracker
} // namespace Monlight
