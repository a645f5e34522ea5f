#include "Fingerprint.h"

#include <Poco/DigestEngine.h>
#include <Poco/MD5Engine.h>
#include <cppunit/extensions/HelperMacros.h>

using Monlight::ErrorTracker::Fingerprint;

class FingerprintTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(FingerprintTest);
    CPPUNIT_TEST(testPythonDeepestFrameWins);
    CPPUNIT_TEST(testChromeFrameIgnoresColumn);
    CPPUNIT_TEST(testFirefoxFrameMatchesChrome);
    CPPUNIT_TEST(testAnonymousChromeFrame);
    CPPUNIT_TEST(testNoFrameUsesWholeTraceback);
    CPPUNIT_TEST(testEmptyTracebackNormalizesMessageDigits);
    CPPUNIT_TEST(testEmptyTracebackNormalizesUuid);
    CPPUNIT_TEST(testSmokeTestExample);
    CPPUNIT_TEST(testMinifiedChromeFrames);
    CPPUNIT_TEST(testTimeInMessageIsNotAFrame);
    CPPUNIT_TEST(testPythonWinsOverJavaScript);
    CPPUNIT_TEST(testMalformedPythonOccurrencesSkipped);
    CPPUNIT_TEST(testJavaScriptLineWithoutColumn);
    CPPUNIT_TEST(testUnparsableFramesFallBack);
    CPPUNIT_TEST(testFirstParsableJsFrameWins);
    CPPUNIT_TEST(testWhitespaceTracebackUsesMessage);
    CPPUNIT_TEST(testNormalize);
    CPPUNIT_TEST(testClientPartsReplaceTheKey);
    CPPUNIT_TEST_SUITE_END();

public:
    // SPEC §11.5: md5(project + ":" + parts joined by "\x1f"), a `{{ default }}` / `{{default}}` part being the
    // §2.3 key (`project:exception_type:LOC`).
    void testClientPartsReplaceTheKey()
    {
        std::string tb = "Traceback:\n  File \"/app/test.py\", line 42, in f\nTestError: x";
        CPPUNIT_ASSERT_EQUAL(std::string("e2e-test:TestError:/app/test.py:42"),
                             Fingerprint::key("e2e-test", "TestError", tb, "x"));
        auto md5 = [](const std::string& s)
        {
            Poco::MD5Engine e;
            e.update(s);
            return Poco::DigestEngine::digestToHex(e.digest());
        };
        std::vector<std::string> one{"checkout-failed"};
        CPPUNIT_ASSERT_EQUAL(md5("e2e-test:checkout-failed"),
                             Fingerprint::compute("e2e-test", "TestError", tb, "x", &one));
        std::vector<std::string> withDefault{"{{ default }}", "tenant", "{{default}}"};
        CPPUNIT_ASSERT_EQUAL(md5("e2e-test:e2e-test:TestError:/app/test.py:42\x1f"
                                 "tenant\x1f"
                                 "e2e-test:TestError:/app/test.py:42"),
                             Fingerprint::compute("e2e-test", "TestError", tb, "x", &withDefault));
        std::vector<std::string> notWhole{"{{ default}}"};
        CPPUNIT_ASSERT_EQUAL(md5("e2e-test:{{ default}}"),
                             Fingerprint::compute("e2e-test", "TestError", tb, "x", &notWhole));
        std::vector<std::string> none;
        CPPUNIT_ASSERT_EQUAL(std::string("bfe948320647333075d782d84349909c"),
                             Fingerprint::compute("e2e-test", "TestError", tb, "x", &none));
        CPPUNIT_ASSERT_EQUAL(std::string("bfe948320647333075d782d84349909c"),
                             Fingerprint::compute("e2e-test", "TestError", tb, "x", nullptr));
    }

    void testPythonDeepestFrameWins()
    {
        std::string tb =
            "Traceback (most recent call last):\n  File \"/app/app/main.py\", line 10, in handler\n"
            "    validate(x)\n  File \"/app/app/utils/validation.py\", line 56, in validate\n"
            "    raise ValueError(\"bad\")\nValueError: bad";
        CPPUNIT_ASSERT_EQUAL(std::string("/app/app/utils/validation.py:56"),
                             Fingerprint::location(tb, "bad"));
        CPPUNIT_ASSERT_EQUAL(std::string("a2aa039023e9e993384f51f3268f2861"),
                             Fingerprint::compute("myapp", "ValueError", tb, "bad"));
    }

    void testChromeFrameIgnoresColumn()
    {
        std::string tb = "TypeError: Cannot read properties of undefined (reading 'x')\n"
                         "    at onClick (http://example.com/static/app.js:42:17)\n"
                         "    at HTMLButtonElement.dispatch (http://example.com/static/vendor.js:2:100)";
        CPPUNIT_ASSERT_EQUAL(std::string("http://example.com/static/app.js:42"),
                             Fingerprint::location(tb, "m"));
        CPPUNIT_ASSERT_EQUAL(std::string("3a94d024ac9a9e741e08de3a0c770e41"),
                             Fingerprint::compute("myapp", "TypeError", tb, "m"));
    }

    void testFirefoxFrameMatchesChrome()
    {
        std::string tb = "onClick@http://example.com/static/app.js:42:17\n"
                         "dispatch@http://example.com/static/vendor.js:2:100";
        CPPUNIT_ASSERT_EQUAL(std::string("3a94d024ac9a9e741e08de3a0c770e41"),
                             Fingerprint::compute("myapp", "TypeError", tb, "x"));
    }

    void testAnonymousChromeFrame()
    {
        std::string tb = "    at http://example.com/static/app.js:42:9";
        CPPUNIT_ASSERT_EQUAL(std::string("3a94d024ac9a9e741e08de3a0c770e41"),
                             Fingerprint::compute("myapp", "TypeError", tb, "y"));
    }

    void testNoFrameUsesWholeTraceback()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("TestError: boom"),
                             Fingerprint::location("TestError: boom", "boom"));
        CPPUNIT_ASSERT_EQUAL(std::string("1659496248ae99ac4b6db1268a5afb7b"),
                             Fingerprint::compute("myapp", "TestError", "TestError: boom", "boom"));
    }

    void testEmptyTracebackNormalizesMessageDigits()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("Request 0 failed"),
                             Fingerprint::location("", "Request 123 failed"));
        CPPUNIT_ASSERT_EQUAL(std::string("a7409f81da5459361e11c342325bc6fd"),
                             Fingerprint::compute("myapp", "Error", "", "Request 123 failed"));
    }

    void testEmptyTracebackNormalizesUuid()
    {
        std::string msg = "Job 550e8400-e29b-41d4-a716-446655440000 failed after 3 attempts";
        CPPUNIT_ASSERT_EQUAL(std::string("Job {uuid} failed after 0 attempts"),
                             Fingerprint::location("", msg));
        CPPUNIT_ASSERT_EQUAL(std::string("e498c3866358281f62e1627deb62c941"),
                             Fingerprint::compute("myapp", "Error", "", msg));
    }

    void testSmokeTestExample()
    {
        std::string tb =
            "Traceback (most recent call last):\n  File \"/app/test.py\", line 42, in test_func\n"
            "    raise TestError(\"smoke\")\nTestError: smoke";
        CPPUNIT_ASSERT_EQUAL(std::string("bfe948320647333075d782d84349909c"),
                             Fingerprint::compute("e2e-test", "TestError", tb, "smoke"));
    }

    void testMinifiedChromeFrames()
    {
        std::string tb = "TypeError: x is undefined\n    at onClick (app.min.js:1:2345)\n"
                         "    at HTMLButtonElement.dispatch (vendor.min.js:2:6789)";
        CPPUNIT_ASSERT_EQUAL(std::string("app.min.js:1"), Fingerprint::location(tb, ""));
        CPPUNIT_ASSERT_EQUAL(std::string("082a7605cfd83501f93d3f8bcc96ebd1"),
                             Fingerprint::compute("myapp", "TypeError", tb, "x"));
    }

    void testTimeInMessageIsNotAFrame()
    {
        CPPUNIT_ASSERT_EQUAL(std::string(), Fingerprint::javaScriptLocation("Error: failed at 10:45"));
        CPPUNIT_ASSERT_EQUAL(std::string("Error: failed at 0:0"),
                             Fingerprint::location("Error: failed at 10:45", ""));
    }

    void testPythonWinsOverJavaScript()
    {
        std::string tb = "    at onClick (app.js:3:4)\n  File \"/srv/x.py\", line 7, in f";
        CPPUNIT_ASSERT_EQUAL(std::string("/srv/x.py:7"), Fingerprint::location(tb, ""));
    }

    void testMalformedPythonOccurrencesSkipped()
    {
        std::string tb =
            "File \"/a.py\", line 3\nFile \"/b.py\", line x\nFile \"/c.py\",line 9\nFile \"/d.py";
        CPPUNIT_ASSERT_EQUAL(std::string("/a.py:3"), Fingerprint::pythonLocation(tb));
        CPPUNIT_ASSERT_EQUAL(std::string(), Fingerprint::pythonLocation("File \"/x.py\", line "));
    }

    void testJavaScriptLineWithoutColumn()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("app.js:12"), Fingerprint::javaScriptLocation("at f (app.js:12)"));
        CPPUNIT_ASSERT_EQUAL(std::string("app.js:12"), Fingerprint::javaScriptLocation("f@app.js:12"));
    }

    void testUnparsableFramesFallBack()
    {
        // `at` frame without a number, then `@` with an empty file: neither yields a location.
        CPPUNIT_ASSERT_EQUAL(std::string(), Fingerprint::javaScriptLocation("at native code\nx@:12:3"));
        CPPUNIT_ASSERT_EQUAL(std::string("at <anonymous>"), Fingerprint::location("at <anonymous>", "m"));
    }

    void testFirstParsableJsFrameWins()
    {
        std::string tb = "\r\n\t  at eval (native)\r\n  at g (b.js:5:1)\r\n  at h (c.js:6:1)";
        CPPUNIT_ASSERT_EQUAL(std::string("b.js:5"), Fingerprint::javaScriptLocation(tb));
    }

    void testWhitespaceTracebackUsesMessage()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("Disk 0 full"), Fingerprint::location(" \n\t", "Disk 42 full"));
    }

    void testNormalize()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("id {uuid} and {uuid}x0"),
                             Fingerprint::normalize("id 550E8400-E29B-41D4-A716-446655440000 and "
                                                    "00000000-0000-0000-0000-000000000000x12"));
        CPPUNIT_ASSERT_EQUAL(std::string("0-0-0"), Fingerprint::normalize("12-3-4567"));
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(FingerprintTest);
