// KeyAuthenticator (§0.5) and OriginAllowList (§5.5 examples).
#include "KeyAuthenticator.h"
#include "OriginAllowList.h"

#include <cppunit/extensions/HelperMacros.h>

using namespace Monlight;
using namespace Monlight::Common;

class AuthAndCorsTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(AuthAndCorsTest);
    CPPUNIT_TEST(testKeysPerRealmWithRotation);
    CPPUNIT_TEST(testWrongEmptyAndForeignKeysRejected);
    CPPUNIT_TEST(testDsnHook);
    CPPUNIT_TEST(testConstantTimeEqual);
    CPPUNIT_TEST(testOriginExamplesFromSpec);
    CPPUNIT_TEST(testPortWildcardAndAny);
    CPPUNIT_TEST(testHeaders);
    CPPUNIT_TEST(testCredentialsOnlyForListedOrigins);
    CPPUNIT_TEST_SUITE_END();

public:
    void testKeysPerRealmWithRotation()
    {
        KeyAuthenticator a;
        a.setKeys("error-tracker", {"old-key-0123456789", "new-key-0123456789"});
        CPPUNIT_ASSERT_EQUAL(std::string("old-key-0123456789"), *a.verify("error-tracker", "old-key-0123456789"));
        CPPUNIT_ASSERT_EQUAL(std::string("new-key-0123456789"), *a.verify("error-tracker", "new-key-0123456789"));
    }

    void testWrongEmptyAndForeignKeysRejected()
    {
        KeyAuthenticator a;
        a.setKeys("error-tracker", {"et-key-0123456789"});
        a.setKeys("log-viewer", {"lv-key-0123456789"});
        CPPUNIT_ASSERT(!a.verify("error-tracker", "lv-key-0123456789"));
        CPPUNIT_ASSERT(!a.verify("error-tracker", ""));
        CPPUNIT_ASSERT(!a.verify("error-tracker", "et-key-012345678"));
        CPPUNIT_ASSERT(!a.verify("error-tracker", "et-key-0123456789x"));
        CPPUNIT_ASSERT(!a.verify("metrics-collector", "et-key-0123456789"));
    }

    void testDsnHook()
    {
        KeyAuthenticator a;
        CPPUNIT_ASSERT(!a.resolveDsn("abc"));
        a.setDsnResolver([](const std::string& k) -> std::optional<DsnIdentity> {
            if (k == "abc")
                return DsnIdentity{7, "shop"};
            return std::nullopt;
        });
        CPPUNIT_ASSERT_EQUAL(std::string("shop"), a.resolveDsn("abc")->project);
        CPPUNIT_ASSERT(!a.resolveDsn("abd"));
    }

    void testConstantTimeEqual()
    {
        auto x = KeyAuthenticator::sha256("a");
        auto y = KeyAuthenticator::sha256("b");
        CPPUNIT_ASSERT(KeyAuthenticator::constantTimeEqual(x, x));
        CPPUNIT_ASSERT(!KeyAuthenticator::constantTimeEqual(x, y));
    }

    void testOriginExamplesFromSpec()
    {
        OriginAllowList l({"https://app.example.com", "https://*.example.com"});
        CPPUNIT_ASSERT(l.allows("https://app.example.com"));
        CPPUNIT_ASSERT(l.allows("HTTPS://APP.example.com"));
        CPPUNIT_ASSERT(l.allows("https://shop.eu.example.com"));
        CPPUNIT_ASSERT(!l.allows("https://example.com"));
        CPPUNIT_ASSERT(!l.allows("http://app.example.com"));
        CPPUNIT_ASSERT(!l.allows("https://evil.com/.example.com"));
        CPPUNIT_ASSERT(!l.allows("https://a@b.example.com"));
        CPPUNIT_ASSERT(!l.allows(""));
        OriginAllowList empty({});
        CPPUNIT_ASSERT(!empty.allows("https://app.example.com"));
    }

    void testPortWildcardAndAny()
    {
        OriginAllowList l({"http://localhost:*"});
        CPPUNIT_ASSERT(l.allows("http://localhost:3000"));
        CPPUNIT_ASSERT(!l.allows("http://localhost"));
        CPPUNIT_ASSERT(!l.allows("http://localhost.evil.com:80"));
        CPPUNIT_ASSERT(OriginAllowList({"*"}).allows("https://anything.test"));
        CPPUNIT_ASSERT_THROW(OriginAllowList({"https://*.*.com"}), Poco::InvalidArgumentException);
    }

    void testHeaders()
    {
        OriginAllowList l({"https://a.test"});
        auto pre = l.preflightHeaders("https://a.test", "POST", "");
        std::map<std::string, std::string> h(pre.begin(), pre.end());
        CPPUNIT_ASSERT_EQUAL(std::string("https://a.test"), h["Access-Control-Allow-Origin"]);
        CPPUNIT_ASSERT_EQUAL(std::string("X-Monlight-Key, Content-Type"), h["Access-Control-Allow-Headers"]);
        CPPUNIT_ASSERT_EQUAL(std::string("86400"), h["Access-Control-Max-Age"]);
        pre = l.preflightHeaders("https://a.test", "POST", "x-custom");
        h = std::map<std::string, std::string>(pre.begin(), pre.end());
        CPPUNIT_ASSERT_EQUAL(std::string("x-custom"), h["Access-Control-Allow-Headers"]);
        auto resp = l.responseHeaders("https://a.test");
        h = std::map<std::string, std::string>(resp.begin(), resp.end());
        CPPUNIT_ASSERT_EQUAL(std::string("Retry-After, X-Request-Id"), h["Access-Control-Expose-Headers"]);
        CPPUNIT_ASSERT_EQUAL(std::string("Origin"), h["Vary"]);
    }

    void testCredentialsOnlyForListedOrigins()
    {
        auto credentials = [](const std::vector<std::pair<std::string, std::string>>& headers) {
            std::map<std::string, std::string> h(headers.begin(), headers.end());
            return h.count("Access-Control-Allow-Credentials") ? h["Access-Control-Allow-Credentials"] : "absent";
        };
        OriginAllowList l({"https://a.test", "https://*.b.test", "*"});
        for (const char* origin : {"https://A.test", "https://x.b.test"})
        {
            CPPUNIT_ASSERT_EQUAL(std::string("true"), credentials(l.responseHeaders(origin)));
            CPPUNIT_ASSERT_EQUAL(std::string("true"), credentials(l.preflightHeaders(origin, "POST", "")));
        }
        // allowed only through the bare `*`: any site could send credentialed requests, so none are allowed
        CPPUNIT_ASSERT(l.allows("https://other.test"));
        CPPUNIT_ASSERT_EQUAL(std::string("absent"), credentials(l.responseHeaders("https://other.test")));
        CPPUNIT_ASSERT_EQUAL(std::string("absent"), credentials(l.preflightHeaders("https://other.test", "POST", "")));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AuthAndCorsTest);
