#include "EmbeddedFiles.h"
#include "Monlight/Migrations.h"
#include "ErrorIngestService.h"
#include "AlertDispatcher.h"
#include "SqliteErrorStore.h"

#include "Monlight/HttpError.h"
#include "Monlight/Json.h"
#include <Poco/DigestEngine.h>
#include <Poco/MD5Engine.h>
#include <algorithm>
#include <Poco/File.h>
#include <Poco/Logger.h>
#include <Poco/TemporaryFile.h>
#include <chrono>
#include <cppunit/extensions/HelperMacros.h>
#include <thread>

using namespace Monlight;
using namespace Monlight::ErrorTracker;

namespace
{

/// A channel that records messages and fails the first `failures` attempts (transiently).
class FakeChannel : public AlertChannel
{
public:
    explicit FakeChannel(int failures, bool transient = true) : _failures(failures), _transient(transient) {}
    std::string name() const override { return "webhook"; }
    DeliveryResult deliver(const AlertMessage& m) override
    {
        std::lock_guard<std::mutex> lock(_mutex);
        ++attempts;
        if (_failures > 0)
        {
            --_failures;
            return DeliveryResult{false, _transient, "HTTP 503"};
        }
        subjects.push_back(m.subject);
        texts.push_back(m.text);
        return DeliveryResult{true, false, "sent"};
    }
    std::vector<std::string> snapshot()
    {
        std::lock_guard<std::mutex> lock(_mutex);
        return subjects;
    }
    std::mutex _mutex;
    int attempts = 0;
    std::vector<std::string> subjects;
    std::vector<std::string> texts;

private:
    int _failures;
    bool _transient;
};

const std::string BODY =
    R"({"project":"myapp","exception_type":"ValueError","message":"bad","traceback":"Traceback (most recent call last):\n  File \"/app/app/main.py\", line 10, in handler\n    validate(x)\n  File \"/app/app/utils/validation.py\", line 56, in validate\n    raise ValueError(\"bad\")\nValueError: bad"})";

bool waitFor(const std::function<bool()>& cond)
{
    for (int i = 0; i < 300 && !cond(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return cond();
}

} // namespace

class ErrorIngestServiceTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ErrorIngestServiceTest);
    CPPUNIT_TEST(testCreatedIncrementedReopenedBodies);
    CPPUNIT_TEST(testValidationErrorReply);
    CPPUNIT_TEST(testMetricsCounted);
    CPPUNIT_TEST(testAlertsForNewAndRegressionOnly);
    CPPUNIT_TEST(testAlertFiltersByEventAndEnvironment);
    CPPUNIT_TEST(testTransientFailureRetried);
    CPPUNIT_TEST(testPermanentFailureNotRetried);
    CPPUNIT_TEST(testThrottleSuppressesAndReports);
    CPPUNIT_TEST(testQueueFullDrops);
    CPPUNIT_TEST(testHugeTracebackAlertTruncated);
    CPPUNIT_TEST(testSentryFieldsInProcess);
    CPPUNIT_TEST(testConcurrentReportsAllCommitted);
    CPPUNIT_TEST_SUITE_END();

public:
    void setUp() override
    {
        _dir = std::make_unique<Poco::TemporaryFile>();
        Poco::File(_dir->path()).createDirectories();
        Database::Options o;
        o.path = _dir->path() + "/errors.db";
        o.plugin = "error-tracker";
        o.migrations = sqlMigrations(embeddedFiles());
        _db = Database::open(o);
        _store = std::make_shared<SqliteErrorStore>(_db);
        _metrics = std::make_unique<ErrorMetrics>(nullptr);
    }

    void tearDown() override
    {
        if (_alerts)
            _alerts->stop();
        _alerts.reset();
        _service.reset();
        _store.reset();
        _db->close();
        _db.reset();
        _dir.reset();
    }

    FakeChannel* makeService(ErrorTrackerConfig cfg, int failures = 0, bool transient = true)
    {
        auto ch = std::make_unique<FakeChannel>(failures, transient);
        FakeChannel* raw = ch.get();
        std::vector<std::unique_ptr<AlertChannel>> chans;
        chans.push_back(std::move(ch));
        _alerts = std::make_shared<AlertDispatcher>(cfg, _store, *_metrics, Poco::Logger::get("test"),
                                                    std::move(chans));
        _alerts->setRetryDelays({20, 20, 20});
        _alerts->start();
        auto alerts = _alerts;
        _service = std::make_unique<ErrorIngestService>(_store, cfg.defaultEnvironment, cfg.maxOccurrences,
                                                        *_metrics, [alerts](AlertEvent ev)
                                                        { alerts->enqueue(std::move(ev)); });
        return raw;
    }

    std::string withEnv(const std::string& type, const std::string& env)
    {
        return "{\"project\":\"myapp\",\"exception_type\":\"" + type +
               "\",\"message\":\"m\",\"traceback\":\"\",\"environment\":\"" + env + "\"}";
    }

    void testCreatedIncrementedReopenedBodies()
    {
        makeService(ErrorTrackerConfig());
        IngestReply a = _service->ingest(BODY);
        CPPUNIT_ASSERT_EQUAL(201, a.status);
        CPPUNIT_ASSERT_EQUAL(
            std::string(
                "{\"status\":\"created\",\"id\":1,\"fingerprint\":\"a2aa039023e9e993384f51f3268f2861\","
                "\"count\":1}"),
            a.body);
        IngestReply b = _service->ingest(BODY);
        CPPUNIT_ASSERT_EQUAL(200, b.status);
        CPPUNIT_ASSERT_EQUAL(
            std::string(
                "{\"status\":\"incremented\",\"id\":1,\"fingerprint\":\"a2aa039023e9e993384f51f3268f2861\","
                "\"count\":2}"),
            b.body);
        _store->resolve(1, 5);
        IngestReply c = _service->ingest(BODY);
        CPPUNIT_ASSERT_EQUAL(201, c.status);
        CPPUNIT_ASSERT_EQUAL(
            std::string(
                "{\"status\":\"reopened\",\"id\":1,\"fingerprint\":\"a2aa039023e9e993384f51f3268f2861\","
                "\"count\":3}"),
            c.body);
    }

    // §2.12 + §11.5: the in-process service the relay uses honours `fingerprint` and `extra.event_id`.
    void testSentryFieldsInProcess()
    {
        ErrorTrackerConfig cfg;
        FakeChannel* ch = makeService(cfg);
        std::string body = R"({"project":"myapp","exception_type":"E","message":"m","traceback":"",)"
                           R"("fingerprint":["{{ default }}","x"],)"
                           R"("extra":{"event_id":"9ec79c33-ec99-42ab-8353-589fcb2e04dc"}})";
        IngestReply a = _service->ingest(body);
        CPPUNIT_ASSERT_EQUAL(201, a.status);
        Poco::MD5Engine md5;
        md5.update(std::string("myapp:myapp:E:m\x1fx"));
        std::string fp = Poco::DigestEngine::digestToHex(md5.digest());
        CPPUNIT_ASSERT_EQUAL("{\"status\":\"created\",\"id\":1,\"fingerprint\":\"" + fp + "\",\"count\":1}",
                             a.body);
        IngestReply b = _service->ingest(body);
        CPPUNIT_ASSERT_EQUAL(200, b.status);
        CPPUNIT_ASSERT_EQUAL("{\"status\":\"incremented\",\"id\":1,\"fingerprint\":\"" + fp + "\",\"count\":1}",
                             b.body);
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), _store->occurrences(1).size());
        IngestReply bad =
            _service->ingest(R"({"project":"p","exception_type":"E","message":"","traceback":"","fingerprint":[]})");
        CPPUNIT_ASSERT_EQUAL(400, bad.status);
        CPPUNIT_ASSERT(waitFor([&] { return ch->snapshot().size() == 1; })); // one `new` alert, none for the repeat
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), ch->snapshot().size());
    }

    // Reports that join one drain of the writer are all stored and answered with their own counts.
    void testConcurrentReportsAllCommitted()
    {
        makeService(ErrorTrackerConfig());
        std::vector<std::thread> threads;
        std::mutex m;
        std::vector<std::int64_t> counts;
        for (int t = 0; t < 8; ++t)
            threads.emplace_back(
                [&]
                {
                    for (int i = 0; i < 50; ++i)
                    {
                        IngestReply r = _service->ingest(BODY);
                        auto obj = Json::parseObject(r.body);
                        std::lock_guard<std::mutex> lock(m);
                        counts.push_back(static_cast<std::int64_t>(*Json::getNumber(*obj, "count")));
                    }
                });
        for (auto& t : threads)
            t.join();
        std::sort(counts.begin(), counts.end());
        for (std::size_t i = 0; i < counts.size(); ++i)
            CPPUNIT_ASSERT_EQUAL(static_cast<std::int64_t>(i + 1), counts[i]);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(400), _store->find(1)->count);
    }

    void testValidationErrorReply()
    {
        makeService(ErrorTrackerConfig());
        IngestReply r = _service->ingest("{\"project\":\"p\"}");
        CPPUNIT_ASSERT_EQUAL(400, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"detail\":\"Missing required field: exception_type\"}"), r.body);
        CPPUNIT_ASSERT_EQUAL(400, _service->ingest("").status);
        std::int64_t total = -1;
        ErrorFilter f;
        _store->list(f, total);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), total);
    }

    void testMetricsCounted()
    {
        makeService(ErrorTrackerConfig());
        _service->ingest(BODY);
        _service->ingest(BODY);
        _service->ingest(BODY);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(1), _metrics->ingested("created").value());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(2), _metrics->ingested("incremented").value());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(0), _metrics->ingested("reopened").value());
    }

    void testAlertsForNewAndRegressionOnly()
    {
        FakeChannel* ch = makeService(ErrorTrackerConfig());
        ErrorTrackerConfig cfg;
        _service->ingest(BODY);
        _service->ingest(BODY);
        CPPUNIT_ASSERT(waitFor([&] { return ch->snapshot().size() == 1; }));
        CPPUNIT_ASSERT_EQUAL(std::string("[myapp/prod] New: ValueError: bad (#1)"), ch->snapshot()[0]);
        _store->resolve(1, 5);
        _service->ingest(BODY); // regression, but inside the 60 min group cooldown
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), ch->snapshot().size());
        CPPUNIT_ASSERT(_store->lastAlertAt(1).has_value());
    }

    void testAlertFiltersByEventAndEnvironment()
    {
        ErrorTrackerConfig cfg;
        cfg.alertOnNew = false;
        cfg.alertEnvironments = {"prod"};
        cfg.alertGroupCooldownMinutes = 0;
        FakeChannel* ch = makeService(cfg);
        _service->ingest(withEnv("A", "prod"));    // new: not alerted
        _service->ingest(withEnv("B", "staging")); // new: not alerted
        _store->resolve(1, 5);
        _store->resolve(2, 5);
        _service->ingest(withEnv("B", "staging")); // regression in staging: filtered
        _service->ingest(withEnv("A", "prod"));    // regression in prod: alerted
        CPPUNIT_ASSERT(waitFor([&] { return ch->snapshot().size() == 1; }));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), ch->snapshot().size());
        CPPUNIT_ASSERT(ch->snapshot()[0].find("Regression: A") != std::string::npos);
    }

    void testTransientFailureRetried()
    {
        FakeChannel* ch = makeService(ErrorTrackerConfig(), 2);
        _service->ingest(BODY);
        CPPUNIT_ASSERT(waitFor([&] { return ch->snapshot().size() == 1; }));
        CPPUNIT_ASSERT_EQUAL(3, ch->attempts);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(1), _metrics->alerts("webhook", "sent").value());
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(0), _metrics->alerts("webhook", "failed").value());
    }

    void testPermanentFailureNotRetried()
    {
        FakeChannel* ch = makeService(ErrorTrackerConfig(), 5, false);
        _service->ingest(BODY);
        CPPUNIT_ASSERT(waitFor([&] { return _metrics->alerts("webhook", "failed").value() == 1; }));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        CPPUNIT_ASSERT_EQUAL(1, ch->attempts);
    }

    void testThrottleSuppressesAndReports()
    {
        ErrorTrackerConfig cfg;
        cfg.alertMaxPerHour = 2;
        FakeChannel* ch = makeService(cfg);
        for (int i = 0; i < 5; ++i)
            _service->ingest(withEnv("E" + std::to_string(i), "prod"));
        CPPUNIT_ASSERT(waitFor([&] { return _metrics->alerts("webhook", "suppressed").value() == 3; }));
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), ch->snapshot().size());
        CPPUNIT_ASSERT(ch->texts[1].find("suppressed") == std::string::npos);
    }

    void testQueueFullDrops()
    {
        ErrorTrackerConfig cfg;
        cfg.alertQueueSize = 1;
        makeService(cfg);
        _alerts->stop(); // worker gone: the queue only fills
        auto alerts2 = std::make_shared<AlertDispatcher>(cfg, _store, *_metrics, Poco::Logger::get("test"),
                                                         []
                                                         {
                                                             std::vector<std::unique_ptr<AlertChannel>> v;
                                                             v.push_back(std::make_unique<FakeChannel>(0));
                                                             return v;
                                                         }());
        AlertEvent ev;
        ev.group.id = 1;
        ev.group.environment = "prod";
        alerts2->enqueue(ev);
        alerts2->enqueue(ev);
        alerts2->enqueue(ev);
        CPPUNIT_ASSERT_EQUAL(std::uint64_t(2), _metrics->dropped("alert_queue_full").value());
    }

    void testHugeTracebackAlertTruncated()
    {
        FakeChannel* ch = makeService(ErrorTrackerConfig());
        std::string body = "{\"project\":\"p\",\"exception_type\":\"E\",\"message\":\"m\",\"traceback\":\"" +
                           std::string(100000, 't') + "\"}";
        CPPUNIT_ASSERT_EQUAL(201, _service->ingest(body).status);
        CPPUNIT_ASSERT(waitFor([&] { return ch->snapshot().size() == 1; }));
        CPPUNIT_ASSERT(ch->texts[0].find(std::string(12288, 't') + "\n[traceback truncated]") !=
                       std::string::npos);
        CPPUNIT_ASSERT(ch->texts[0].find(std::string(12289, 't')) == std::string::npos);
        CPPUNIT_ASSERT_EQUAL(std::size_t(100000), _store->find(1)->traceback.size());
    }

private:
    std::unique_ptr<Poco::TemporaryFile> _dir;
    std::shared_ptr<Database> _db;
    std::shared_ptr<ErrorStore> _store;
    std::unique_ptr<ErrorMetrics> _metrics;
    std::shared_ptr<AlertDispatcher> _alerts;
    std::unique_ptr<ErrorIngestService> _service;
};

CPPUNIT_TEST_SUITE_REGISTRATION(ErrorIngestServiceTest);
