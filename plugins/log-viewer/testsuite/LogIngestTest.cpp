#include "EmbeddedFiles.h"
#include "Monlight/Migrations.h"
#include "LogIngestor.h"
#include "LogStore.h"
#include "LogWriter.h"
#include "Monlight/HttpError.h"

#include <Poco/File.h>
#include <Poco/TemporaryFile.h>
#include <cppunit/TestFixture.h>
#include <cppunit/extensions/HelperMacros.h>

using namespace Monlight;
using namespace Monlight::LogViewer;

class LogIngestTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(LogIngestTest);
    CPPUNIT_TEST(testParseFieldsAndDefaults);
    CPPUNIT_TEST(testValidationNamesTheIndex);
    CPPUNIT_TEST(testServiceStoresAndAnswersLikeTheRoute);
    CPPUNIT_TEST(testUpgradeFromFirstSchemaKeepsFtsConsistent);
    CPPUNIT_TEST(testBacklogPagesAreBoundedAndOrdered);
    CPPUNIT_TEST_SUITE_END();

    std::string _dir;

    std::shared_ptr<Database> open(std::size_t migrations = 0)
    {
        Database::Options o;
        o.path = _dir + "/logs.db";
        o.plugin = "log-viewer";
        o.migrations = sqlMigrations(embeddedFiles());
        if (migrations)
            o.migrations.resize(migrations);
        return Database::open(o);
    }

    static std::string detailOf(const std::string& body, std::size_t& index)
    {
        std::size_t items = 0;
        try
        {
            LogIngestor::Options opt;
            LogIngestor::parse(body, 1000, opt, items);
        }
        catch (const HttpError& e)
        {
            index = e.extraJson().empty() ? SIZE_MAX : std::stoul(e.extraJson().substr(9));
            return e.detail();
        }
        return "";
    }

public:
    void setUp() override
    {
        _dir = Poco::TemporaryFile::tempName();
        Poco::File(_dir).createDirectories();
    }

    void tearDown() override { Poco::File(_dir).remove(true); }

    void testParseFieldsAndDefaults()
    {
        LogIngestor::Options opt;
        opt.maxMessageBytes = 4;
        std::size_t items = 0;
        auto v = LogIngestor::parse(
            R"({"logs":[{"message":"abcd\u00e9f","source":"svc","timestamp":1.5,"attributes":{"a":1,"b":true,"c":"x"},"trace_id":"0AF7651916CD43DD8448EB211C80319C"},
                        {"message":"ERROR boom","source":"svc"}]})",
            777, opt, items);
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), items);
        // "abcd", "\u00e9f" (cut at a character boundary), then "ERRO", "R bo", "om".
        CPPUNIT_ASSERT_EQUAL(std::size_t(5), v.size());
        CPPUNIT_ASSERT_EQUAL(std::string("abcd"), v[0].message);
        CPPUNIT_ASSERT_EQUAL(std::string("\xC3\xA9" "f"), v[1].message);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1500), v[0].timestampMs);
        CPPUNIT_ASSERT_EQUAL(std::string("api:svc"), v[0].containerId);
        CPPUNIT_ASSERT_EQUAL(std::string("0af7651916cd43dd8448eb211c80319c"), v[1].traceId);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"a":1,"b":true,"c":"x"})"), v[0].attributes);
        CPPUNIT_ASSERT(v[0].level == Level::Info && !v[0].isStderr);
        CPPUNIT_ASSERT(v[4].level == Level::Error && v[4].isStderr); // detected on the whole message
        CPPUNIT_ASSERT_EQUAL(std::string("om"), v[4].message);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(777), v[4].timestampMs);
        CPPUNIT_ASSERT(v[4].attributes.empty() && v[4].traceId.empty());
    }

    void testValidationNamesTheIndex()
    {
        std::size_t index = 0;
        CPPUNIT_ASSERT_EQUAL(std::string("Logs array must not be empty"), detailOf("[]", index));
        CPPUNIT_ASSERT_EQUAL(SIZE_MAX, index);
        CPPUNIT_ASSERT_EQUAL(std::string("Missing required field: source"),
                             detailOf(R"([{"message":"a","source":"s"},{"message":"b"}])", index));
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), index);
        CPPUNIT_ASSERT_EQUAL(std::string("Attribute key must be 1-100 characters"),
                             detailOf(R"([{"message":"a","source":"s","attributes":{"":1}}])", index));
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), index);
        CPPUNIT_ASSERT_EQUAL(std::string("Field 'trace_id' must be 32 hexadecimal characters"),
                             detailOf(R"([{"message":"a","source":"s","trace_id":"0af7651916cd43dd8448eb211c80319g"}])",
                                      index));
    }

    void testServiceStoresAndAnswersLikeTheRoute()
    {
        auto db = open();
        SseHub hub(SseHub::Options(), nullptr, nullptr);
        LogWriter writer(db, hub, 0, nullptr);
        LogIngestor ingestor(writer, LogIngestor::Options());
        LogIngestService service(ingestor);
        IngestReply ok = service.ingest(R"([{"message":"hello","source":"relay","attributes":{"user_id":42}}])");
        CPPUNIT_ASSERT_EQUAL(202, ok.status);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"status":"accepted","count":1})"), ok.body);
        IngestReply bad = service.ingest(R"([{"message":"x","source":"relay"},{"message":3,"source":"relay"}])");
        CPPUNIT_ASSERT_EQUAL(400, bad.status);
        CPPUNIT_ASSERT_EQUAL(std::string(R"({"detail":"Missing required field: message","index":1})"), bad.body);
        LogStore store(db);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(1), store.rowCount());
        LogFilter f;
        f.match = "\"user_id=42\"";
        CPPUNIT_ASSERT_EQUAL(std::size_t(1), store.query(f).logs.size());
        LogFilter g;
        g.fromApi = false;
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), store.query(g).logs.size());
        db->close();
    }

    void testUpgradeFromFirstSchemaKeepsFtsConsistent()
    {
        {
            auto db = open(1);
            db->write(
                [](WriteTx& tx)
                {
                    tx.db().exec("INSERT INTO log_entries(timestamp, container, container_id, stream, level, "
                                 "message) VALUES(1, 'web', 'c1', 'stdout', 'INFO', 'old alpha'), "
                                 "(2, 'web', 'c1', 'stdout', 'INFO', 'old beta')");
                });
            db->close();
        }
        auto db = open();
        SseHub hub(SseHub::Options(), nullptr, nullptr);
        LogWriter writer(db, hub, 0, nullptr);
        LogIngestor ingestor(writer, LogIngestor::Options());
        ingestor.ingest(R"([{"message":"new alpha","source":"api","attributes":{"k":"v"},"trace_id":"0af7651916cd43dd8448eb211c80319c"}])");
        LogStore store(db);
        LogFilter f;
        f.match = "alpha";
        CPPUNIT_ASSERT_EQUAL(std::size_t(2), store.query(f).logs.size());
        // Deleting old and new rows keeps the external-content index exact (delete recomputes the same text).
        db->write([](WriteTx& tx) { LogStore::deleteBelowId(tx, 4); });
        db->write(
            [](WriteTx& tx) { tx.db().exec("INSERT INTO log_entries_fts(log_entries_fts) VALUES('integrity-check')"); });
        CPPUNIT_ASSERT_EQUAL(std::size_t(0), store.query(f).logs.size());
        db->close();
    }

    void testBacklogPagesAreBoundedAndOrdered()
    {
        auto db = open();
        SseHub hub(SseHub::Options(), nullptr, nullptr);
        LogWriter writer(db, hub, 0, nullptr);
        IngestBatch b;
        for (int i = 0; i < 50; ++i)
        {
            LogEntry e;
            e.container = i % 2 ? "web" : "db";
            e.containerId = e.container;
            e.timestampMs = i;
            e.message = std::string(1000, 'a' + static_cast<char>(i % 26));
            b.entries.push_back(e);
        }
        writer.commit(b);
        LogStore store(db);
        LogFilter web;
        web.containers = {"web"};
        std::int64_t start = store.backlogStart(web, std::nullopt, 10); // newest 10 of web's 25
        auto page = store.page(web, start, 3000, 500);
        CPPUNIT_ASSERT_EQUAL(std::size_t(3), page.size()); // ~3 KB per page
        CPPUNIT_ASSERT_EQUAL(std::int64_t(32), page[0].id); // web ids are even: 2..50; the 10th newest is 32
        std::size_t total = page.size();
        std::int64_t after = page.back().id;
        while (!(page = store.page(web, after, 3000, 500)).empty())
        {
            total += page.size();
            after = page.back().id;
        }
        CPPUNIT_ASSERT_EQUAL(std::size_t(10), total);
        CPPUNIT_ASSERT_EQUAL(std::int64_t(40), store.backlogStart(web, 40, 1000)); // fewer than the limit
        db->close();
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(LogIngestTest);
