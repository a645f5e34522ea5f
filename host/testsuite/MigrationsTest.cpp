#include "HostRuntime.h"
#include "PluginLoader.h"

#include "Monlight/Migrations.h"
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/TemporaryFile.h>
#include <cppunit/extensions/HelperMacros.h>
#include <sqlite3.h>

using namespace Monlight;
using namespace Monlight::Host;

class MigrationsTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(MigrationsTest);
    CPPUNIT_TEST(testNumberedNotByName);
    CPPUNIT_TEST(testOnlySqlFilesAreMigrations);
    CPPUNIT_TEST(testPostgresqlMigrationsApart);
    CPPUNIT_TEST(testGapDuplicateAndMisnamedRefused);
    CPPUNIT_TEST(testPluginDatabaseGetsEverySqlFile);
    CPPUNIT_TEST_SUITE_END();

    static std::string refusal(const EmbeddedFiles& files)
    {
        try
        {
            sqlMigrations(files);
        }
        catch (const Poco::DataFormatException& e)
        {
            return e.message();
        }
        return "";
    }

    static std::string queryText(sqlite3* db, const char* sql)
    {
        sqlite3_stmt* st = nullptr;
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, sqlite3_prepare_v2(db, sql, -1, &st, nullptr));
        std::string out;
        if (sqlite3_step(st) == SQLITE_ROW)
            out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        return out;
    }

public:
    void testNumberedNotByName()
    {
        // By name, sql/10_ sorts before sql/2_: the number decides.
        EmbeddedFiles files;
        std::vector<std::string> texts;
        for (int i = 1; i <= 10; ++i)
            texts.push_back("-- migration " + std::to_string(i));
        for (int i = 1; i <= 10; ++i)
            files["sql/" + std::to_string(i) + "_step.sql"] = texts[static_cast<std::size_t>(i - 1)];
        CPPUNIT_ASSERT(sqlMigrations(files) == texts);
        CPPUNIT_ASSERT(sqlMigrations({{"sql/001_initial.sql", "a"}, {"sql/002_more.sql", "b"}}) ==
                       (std::vector<std::string>{"a", "b"}));
    }

    void testOnlySqlFilesAreMigrations()
    {
        CPPUNIT_ASSERT(sqlMigrations({{"web/index.html", "<html>"}, {"web/sql/1_x.sql", "no"}}).empty());
        CPPUNIT_ASSERT(sqlMigrations({{"sqlx/1_a.sql", "no"}, {"sql/1_a.sql", "yes"}, {"web/a.js", ""}}) ==
                       (std::vector<std::string>{"yes"}));
    }

    void testPostgresqlMigrationsApart()
    {
        // sql/postgresql/ holds the PostgreSQL store's migrations, numbered on their own and not SQLite's.
        EmbeddedFiles files{{"sql/001_a.sql", "a"},
                            {"sql/002_b.sql", "b"},
                            {"sql/postgresql/001_pa.sql", "pa"},
                            {"web/index.html", ""}};
        CPPUNIT_ASSERT(sqlMigrations(files) == (std::vector<std::string>{"a", "b"}));
        CPPUNIT_ASSERT(sqlMigrations(files, "sql/postgresql/") == (std::vector<std::string>{"pa"}));
        CPPUNIT_ASSERT(sqlMigrations({{"sql/001_a.sql", "a"}}, "sql/postgresql/").empty());
        bool refused = false;
        try
        {
            sqlMigrations({{"sql/postgresql/002_b.sql", "b"}}, "sql/postgresql/");
        }
        catch (const Poco::DataFormatException& e)
        {
            refused = e.message().find("sql/postgresql/002_b.sql") != std::string::npos;
        }
        CPPUNIT_ASSERT(refused);
    }

    void testGapDuplicateAndMisnamedRefused()
    {
        auto gap = refusal({{"sql/001_a.sql", "a"}, {"sql/003_c.sql", "c"}});
        CPPUNIT_ASSERT_MESSAGE(gap, gap.find("sql/003_c.sql") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(gap, gap.find("gap") != std::string::npos);
        auto notFromOne = refusal({{"sql/002_b.sql", "b"}});
        CPPUNIT_ASSERT_MESSAGE(notFromOne, notFromOne.find("sql/002_b.sql") != std::string::npos);
        auto dup = refusal({{"sql/001_a.sql", "a"}, {"sql/1_b.sql", "b"}});
        CPPUNIT_ASSERT_MESSAGE(dup, dup.find("sql/1_b.sql") != std::string::npos);
        CPPUNIT_ASSERT_MESSAGE(dup, dup.find("sql/001_a.sql") != std::string::npos);
        for (const char* bad : {"sql/initial.sql", "sql/001initial.sql", "sql/001_initial.txt", "sql/_1.sql",
                                "sql/sub/001_a.sql"})
        {
            auto r = refusal({{bad, "x"}});
            CPPUNIT_ASSERT_MESSAGE(bad, r.find(bad) != std::string::npos && r.find("must be named") != std::string::npos);
        }
    }

    void testPluginDatabaseGetsEverySqlFile()
    {
        // fixture-two-migrations embeds sql/001_items.sql and sql/002_notes.sql; it calls openDatabase().
        std::string dir = Poco::TemporaryFile::tempName();
        Poco::File(dir).createDirectories();
        PluginLoader loader;
        LoadedPlugin lp = loader.load("fixture-two-migrations", MONLIGHT_FIXTURE_DIR "/fixture-two-migrations.so");
        CPPUNIT_ASSERT(lp.files != nullptr);
        HostRuntime rt;
        rt.settings.dataDir = dir;
        PluginRuntime pr(rt, lp, PluginConfig("fixture-two-migrations", {{"database_path", "fixture.db"}, {"answer", "42"}}));
        pr.plugin().initialize(pr);
        pr.plugin().shutdown();
        pr.closeDatabases();
        sqlite3* db = nullptr;
        CPPUNIT_ASSERT_EQUAL(SQLITE_OK, sqlite3_open_v2((dir + "/fixture.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr));
        CPPUNIT_ASSERT_EQUAL(std::string("2"), queryText(db, "SELECT value FROM _meta WHERE key = 'schema_version'"));
        CPPUNIT_ASSERT_EQUAL(std::string("notes"),
                             queryText(db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'notes'"));
        sqlite3_close(db);
        Poco::File(dir).remove(true);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(MigrationsTest);
