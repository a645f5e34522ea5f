#include "ForwardTarget.h"
#include "HttpUpstream.h"
#include <Monlight/HttpError.h>
#include <Poco/Logger.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/ThreadPool.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/StreamCopier.h>
#include <Poco/Thread.h>
#include <atomic>
#include <cppunit/extensions/HelperMacros.h>
#include <mutex>
#include <set>

using namespace Monlight;
using namespace Monlight::BrowserRelay;

namespace
{

/// What the fake upstream saw and how it answers.
struct UpstreamState
{
    std::mutex mutex;
    std::vector<std::string> paths, bodies, apiKeys, requestIds, contentTypes;
    std::set<std::string> peers;
    int status = 201;
    std::string answer = R"({"status":"created","id":1})";
    std::atomic<int> delayMs{0};
};

class RecordingHandler : public Poco::Net::HTTPRequestHandler
{
public:
    explicit RecordingHandler(UpstreamState& s) : _s(s) {}
    void handleRequest(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& res) override
    {
        std::string body;
        Poco::StreamCopier::copyToString(req.stream(), body);
        int status;
        std::string answer;
        {
            std::lock_guard<std::mutex> lock(_s.mutex);
            _s.paths.push_back(req.getURI());
            _s.bodies.push_back(body);
            _s.apiKeys.push_back(req.get("X-API-Key", ""));
            _s.requestIds.push_back(req.get("X-Request-Id", ""));
            _s.contentTypes.push_back(req.getContentType());
            _s.peers.insert(req.clientAddress().toString());
            status = _s.status;
            answer = _s.answer;
        }
        if (_s.delayMs > 0)
            Poco::Thread::sleep(_s.delayMs);
        res.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
        res.setContentType("application/json");
        res.setContentLength(static_cast<std::streamsize>(answer.size()));
        res.send() << answer;
    }

private:
    UpstreamState& _s;
};

class RecordingFactory : public Poco::Net::HTTPRequestHandlerFactory
{
public:
    explicit RecordingFactory(UpstreamState& s) : _s(s) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(const Poco::Net::HTTPServerRequest&) override
    {
        return new RecordingHandler(_s);
    }

private:
    UpstreamState& _s;
};

class FakeIngest : public JsonIngestService
{
public:
    IngestReply reply{201, R"({"status":"created","id":7})", {}};
    bool throwIt = false;
    std::string last;
    IngestReply ingest(const std::string& json) override
    {
        last = json;
        if (throwIt)
            throw std::runtime_error("boom");
        return reply;
    }
};

} // namespace

class ForwardTargetTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(ForwardTargetTest);
    CPPUNIT_TEST(testPostSendsHeadersAndPathPrefix);
    CPPUNIT_TEST(testKeepAliveReusesOneConnection);
    CPPUNIT_TEST(testRetryOnceWhenIdleConnectionWasClosed);
    CPPUNIT_TEST(testTimeoutThrows);
    CPPUNIT_TEST(testUpstreamDownThrows);
    CPPUNIT_TEST(testHttpTargetMapsFailuresTo502);
    CPPUNIT_TEST(testInProcessTarget);
    CPPUNIT_TEST_SUITE_END();

    std::unique_ptr<UpstreamState> _state;
    std::unique_ptr<Poco::ThreadPool> _pool; // its own, joined in tearDown (see there)
    std::unique_ptr<Poco::Net::HTTPServer> _server;
    int _port = 0;

    void startServer(Poco::Timespan keepAliveTimeout = Poco::Timespan(10, 0))
    {
        Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
        _port = socket.address().port();
        auto* params = new Poco::Net::HTTPServerParams;
        params->setKeepAlive(true);
        params->setKeepAliveTimeout(keepAliveTimeout);
        params->setMaxThreads(4);
        _pool = std::make_unique<Poco::ThreadPool>(1, 4);
        _server = std::make_unique<Poco::Net::HTTPServer>(new RecordingFactory(*_state), *_pool, socket, params);
        _server->start();
    }

    std::string base() const { return "http://127.0.0.1:" + std::to_string(_port); }

public:
    void setUp() override { _state = std::make_unique<UpstreamState>(); }

    void tearDown() override
    {
        // Join the connection threads: one still answering (a timed-out request) when the process exits used
        // Poco's static strings after their destruction (heap-use-after-free under ASan).
        if (_server)
            _server->stopAll(true);
        if (_pool)
            _pool->joinAll();
        _server.reset();
        _pool.reset();
    }

    void testPostSendsHeadersAndPathPrefix()
    {
        startServer();
        HttpUpstream up(base() + "/error-tracker/", "/api/errors", "secret-key", 2000, 2);
        const auto r = up.post(R"({"a":1})", "rid-1");
        CPPUNIT_ASSERT_EQUAL(201, r.status);
        CPPUNIT_ASSERT_EQUAL(_state->answer, r.body);
        CPPUNIT_ASSERT_EQUAL(std::string("/error-tracker/api/errors"), _state->paths.at(0));
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"a":1})"), _state->bodies.at(0));
        CPPUNIT_ASSERT_EQUAL(std::string("secret-key"), _state->apiKeys.at(0));
        CPPUNIT_ASSERT_EQUAL(std::string("rid-1"), _state->requestIds.at(0));
        CPPUNIT_ASSERT_EQUAL(std::string("application/json"), _state->contentTypes.at(0));
    }

    void testKeepAliveReusesOneConnection()
    {
        startServer();
        HttpUpstream up(base(), "/api/metrics", "k", 2000, 4);
        for (int i = 0; i < 5; ++i)
            CPPUNIT_ASSERT_EQUAL(201, up.post("[]", "").status);
        CPPUNIT_ASSERT_EQUAL(std::size_t(5), _state->bodies.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), _state->peers.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), up.connections());
    }

    void testRetryOnceWhenIdleConnectionWasClosed()
    {
        startServer(
            Poco::Timespan(0, 200 * 1000)); // the server drops idle keep-alive connections after 200 ms
        HttpUpstream up(base(), "/api/errors", "k", 3000, 1);
        CPPUNIT_ASSERT_EQUAL(201, up.post("{}", "").status);
        Poco::Thread::sleep(600);
        CPPUNIT_ASSERT_EQUAL(201, up.post("{}", "").status);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), _state->bodies.size());
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), _state->peers.size());
    }

    void testTimeoutThrows()
    {
        startServer();
        _state->delayMs = 1500;
        HttpUpstream up(base(), "/api/errors", "k", 300, 1);
        CPPUNIT_ASSERT_THROW(up.post("{}", ""), Poco::Exception);
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), up.connections()); // the timed-out connection is not reused
        _state->delayMs = 0;
    }

    void testUpstreamDownThrows()
    {
        int port;
        {
            Poco::Net::ServerSocket s(Poco::Net::SocketAddress("127.0.0.1", 0));
            port = s.address().port();
        }
        HttpUpstream up("http://127.0.0.1:" + std::to_string(port), "/api/errors", "k", 1000, 1);
        CPPUNIT_ASSERT_THROW(up.post("{}", ""), Poco::Exception);
        CPPUNIT_ASSERT_THROW(HttpUpstream("ftp://x", "/a", "k", 100, 1), Poco::InvalidArgumentException);
        CPPUNIT_ASSERT_THROW(HttpUpstream("https:///nohost", "/a", "k", 100, 1), Poco::InvalidArgumentException);
        HttpUpstream secure("https://example.com/prefix/", "/api/errors", "k", 100, 1);
        CPPUNIT_ASSERT_EQUAL(std::string("/prefix/api/errors"), secure.target());
    }

    void testHttpTargetMapsFailuresTo502()
    {
        startServer();
        ServiceRegistry services;
        MetricsRegistry metrics;
        ForwardTarget target("error-tracker", "error-tracker.ingest", ForwardTarget::Mode::Http,
                             std::make_unique<HttpUpstream>(base(), "/api/errors", "k", 2000, 2), {200, 201},
                             services, metrics, Poco::Logger::get("test"));
        CPPUNIT_ASSERT_EQUAL(201, target.forward("{}", "r").status);
        _state->status = 429;
        try
        {
            target.forward("{}", "r");
            CPPUNIT_FAIL("expected 502");
        }
        catch (const HttpError& e)
        {
            CPPUNIT_ASSERT_EQUAL(502, e.status());
            CPPUNIT_ASSERT_EQUAL(std::string("Upstream error"), e.detail());
        }
        const std::string text = metrics.render("browser-relay");
        CPPUNIT_ASSERT(
            text.find(R"(monlight_relay_forward_total{target="error-tracker",mode="http",result="ok"} 1)") !=
            std::string::npos);
        CPPUNIT_ASSERT(
            text.find(
                R"(monlight_relay_forward_total{target="error-tracker",mode="http",result="error"} 1)") !=
            std::string::npos);
    }

    void testInProcessTarget()
    {
        ServiceRegistry services;
        MetricsRegistry metrics;
        ForwardTarget target("metrics-collector", "metrics-collector.ingest", ForwardTarget::Mode::InProcess,
                             nullptr, {200, 201, 202}, services, metrics, Poco::Logger::get("test"));
        CPPUNIT_ASSERT_THROW(target.forward("[]", ""), HttpError); // not registered (yet)
        auto ingest = std::make_shared<FakeIngest>();
        services.add("metrics-collector.ingest", ingest);
        const auto r = target.forward("[1]", "");
        CPPUNIT_ASSERT_EQUAL(201, r.status);
        CPPUNIT_ASSERT_EQUAL(std::string("[1]"), ingest->last);
        ingest->reply.status = 400; // the target's own validation answer passes through
        CPPUNIT_ASSERT_EQUAL(400, target.forward("[]", "").status);
        ingest->reply.status = 503;
        CPPUNIT_ASSERT_THROW(target.forward("[]", ""), HttpError);
        ingest->throwIt = true;
        try
        {
            target.forward("[]", "");
            CPPUNIT_FAIL("expected 502");
        }
        catch (const HttpError& e)
        {
            CPPUNIT_ASSERT_EQUAL(502, e.status());
        }
        CPPUNIT_ASSERT(metrics.render("browser-relay").find(R"(mode="in-process",result="error"} 3)") !=
                       std::string::npos);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(ForwardTargetTest);
