// The SDK asset routes (SdkAssets): a bundle present (types, caching by version, ETag/304) and absent (404 with the
// reason), on request/response doubles. The served bytes of the real build are checked by the black-box tests.
#include "SdkAssets.h"
#include <Monlight/HttpError.h>
#include <cppunit/extensions/HelperMacros.h>
#include <map>

using namespace Monlight;
using namespace Monlight::BrowserRelay;

namespace
{

class FakeRequest : public Request
{
public:
    FakeRequest(const std::string& query, std::map<std::string, std::string> headers = {})
        : _query(query), _headers(std::move(headers))
    {
    }
    const std::string& method() const override { return _method; }
    const std::string& path() const override { return _path; }
    const QueryParams& query() const override { return _query; }
    std::string pathParam(const std::string&) const override { return ""; }
    std::string header(const std::string& name, const std::string& dflt) const override
    {
        auto it = _headers.find(name);
        return it == _headers.end() ? dflt : it->second;
    }
    bool hasHeader(const std::string& name) const override { return _headers.count(name) > 0; }
    const std::string& clientIp() const override { return _empty; }
    const std::string& requestId() const override { return _empty; }
    const std::string& principal() const override { return _empty; }
    const std::optional<DsnIdentity>& dsn() const override { return _dsn; }
    const std::string& body() override { return _empty; }
    Poco::Net::HTTPServerRequest& raw() override { throw Poco::NotImplementedException("raw"); }

private:
    std::string _method = "GET", _path = "/sdk/monlight.min.js", _empty;
    QueryParams _query;
    std::map<std::string, std::string> _headers;
    std::optional<DsnIdentity> _dsn;
};

class FakeResponse : public Response
{
public:
    void setHeader(const std::string& name, const std::string& value) override { headers[name] = value; }
    void json(int s, const std::string& b) override { send(s, "application/json", b); }
    void send(int s, const std::string& type, const std::string& b) override
    {
        status = s;
        contentType = type;
        body = b;
    }
    bool sent() const override { return status != 0; }
    Poco::Net::StreamSocket detach() override { throw Poco::NotImplementedException("detach"); }
    std::string headBlock() const override { return ""; }

    int status = 0;
    std::string contentType, body;
    std::map<std::string, std::string> headers;
};

} // namespace

class SdkAssetsTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(SdkAssetsTest);
    CPPUNIT_TEST(testServesScriptAndMap);
    CPPUNIT_TEST(testLongCacheOnlyForTheServedVersion);
    CPPUNIT_TEST(testNotModified);
    CPPUNIT_TEST(testBuiltWithoutBundle);
    CPPUNIT_TEST_SUITE_END();

    SdkBundle bundle() { return SdkBundle{"var MonlightSDK=1;", "{\"version\":3}", "0123456789abcdef", ""}; }

public:
    void testServesScriptAndMap()
    {
        const SdkBundle b = bundle();
        FakeRequest req("");
        FakeResponse js;
        SdkAssets::serve(b, false, req, js);
        CPPUNIT_ASSERT_EQUAL(200, js.status);
        CPPUNIT_ASSERT_EQUAL(std::string("text/javascript; charset=utf-8"), js.contentType);
        CPPUNIT_ASSERT_EQUAL(std::string("var MonlightSDK=1;"), js.body);
        CPPUNIT_ASSERT_EQUAL(std::string("\"0123456789abcdef\""), js.headers["ETag"]);
        CPPUNIT_ASSERT_EQUAL(std::string("*"), js.headers["Access-Control-Allow-Origin"]);
        FakeResponse map;
        SdkAssets::serve(b, true, req, map);
        CPPUNIT_ASSERT_EQUAL(200, map.status);
        CPPUNIT_ASSERT_EQUAL(std::string("application/json; charset=utf-8"), map.contentType);
        CPPUNIT_ASSERT_EQUAL(std::string("{\"version\":3}"), map.body);
        CPPUNIT_ASSERT(map.headers["ETag"] != js.headers["ETag"]);
    }

    void testLongCacheOnlyForTheServedVersion()
    {
        const SdkBundle b = bundle();
        const std::pair<std::string, std::string> cases[] = {
            {"v=0123456789abcdef", "public, max-age=31536000, immutable"},
            {"x=1&v=0123456789abcdef", "public, max-age=31536000, immutable"},
            {"", "public, max-age=3600"},
            {"v=", "public, max-age=3600"},
            {"v=1.0.0", "public, max-age=3600"}, // another (older) bundle's version: this content may change
        };
        for (const auto& [query, expected] : cases)
        {
            FakeRequest req(query);
            FakeResponse res;
            SdkAssets::serve(b, false, req, res);
            CPPUNIT_ASSERT_EQUAL_MESSAGE(query, expected, res.headers["Cache-Control"]);
        }
    }

    void testNotModified()
    {
        const SdkBundle b = bundle();
        FakeRequest req("v=0123456789abcdef", {{"If-None-Match", "\"0123456789abcdef\""}});
        FakeResponse res;
        SdkAssets::serve(b, false, req, res);
        CPPUNIT_ASSERT_EQUAL(304, res.status);
        CPPUNIT_ASSERT(res.body.empty());
        FakeRequest stale("", {{"If-None-Match", "\"ffffffffffffffff\""}});
        FakeResponse full;
        SdkAssets::serve(b, false, stale, full);
        CPPUNIT_ASSERT_EQUAL(200, full.status);
    }

    void testBuiltWithoutBundle()
    {
        const SdkBundle none{{}, {}, "", "node or npm was not found when the relay was built"};
        for (bool map : {false, true})
        {
            FakeRequest req("v=x");
            FakeResponse res;
            try
            {
                SdkAssets::serve(none, map, req, res);
                CPPUNIT_FAIL("expected a 404");
            }
            catch (const HttpError& e)
            {
                CPPUNIT_ASSERT_EQUAL(404, e.status());
                CPPUNIT_ASSERT_EQUAL(std::string("Browser SDK not available: this relay was built without the "
                                                 "clients/js bundle (node or npm was not found when the relay was "
                                                 "built); rebuild with Node.js and npm installed"),
                                     e.detail());
            }
            CPPUNIT_ASSERT(!res.sent());
        }
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(SdkAssetsTest);
