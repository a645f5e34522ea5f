#include "AlertComposer.h"
#include "AlertThrottle.h"
#include "Monlight/Json.h"
#include "PostmarkChannel.h"
#include "SmtpChannel.h"
#include "SmtpMessage.h"
#include "WebhookChannel.h"
#include <Poco/Base64Decoder.h>
#include <Poco/JSON/Parser.h>
#include <cppunit/extensions/HelperMacros.h>
#include <sstream>

using namespace Monlight::ErrorTracker;

namespace
{

AlertEvent sampleEvent(AlertEvent::Kind kind = AlertEvent::Kind::New)
{
    AlertEvent e;
    e.kind = kind;
    e.group.id = 7;
    e.group.project = "myapp";
    e.group.environment = "prod";
    e.group.exceptionType = "ValueError";
    e.group.message = "bad <input>";
    e.group.traceback = "Traceback\n  File \"/a.py\", line 1";
    e.group.count = 3;
    e.group.firstSeen = 1764064800000; // 2025-11-25T10:00:00.000Z
    e.group.lastSeen = 1764064800123;
    e.requestMethod = "POST";
    e.requestUrl = "/api/x";
    return e;
}

std::string unbase64(const std::string& s)
{
    std::istringstream in(s);
    Poco::Base64Decoder dec(in);
    std::string out((std::istreambuf_iterator<char>(dec)), std::istreambuf_iterator<char>());
    return out;
}

} // namespace

class AlertTest : public CppUnit::TestFixture
{
    CPPUNIT_TEST_SUITE(AlertTest);
    CPPUNIT_TEST(testSubjectFormatAndControls);
    CPPUNIT_TEST(testSubjectCutTo200Chars);
    CPPUNIT_TEST(testTextBodyFacts);
    CPPUNIT_TEST(testTracebackTruncatedAt12KiB);
    CPPUNIT_TEST(testHtmlEscaped);
    CPPUNIT_TEST(testSlackTextIsInert);
    CPPUNIT_TEST(testWebhookBody);
    CPPUNIT_TEST(testTestAlertContent);
    CPPUNIT_TEST(testSuppressedLineAppended);
    CPPUNIT_TEST(testThrottleCooldownThenBudget);
    CPPUNIT_TEST(testThrottleUnlimited);
    CPPUNIT_TEST(testSmtpMessageShape);
    CPPUNIT_TEST(testDotStuffing);
    CPPUNIT_TEST(testEncodedSubject);
    CPPUNIT_TEST(testPostmarkBody);
    CPPUNIT_TEST(testWebhookStatusMapping);
    CPPUNIT_TEST(testEnvelopeAddress);
    CPPUNIT_TEST_SUITE_END();

public:
    void testSubjectFormatAndControls()
    {
        AlertEvent e = sampleEvent();
        e.group.message = "line1\r\nline2\tx";
        CPPUNIT_ASSERT_EQUAL(std::string("[myapp/prod] New: ValueError: line1  line2 x (#7)"),
                             AlertComposer::subject(e));
        e.kind = AlertEvent::Kind::Regression;
        CPPUNIT_ASSERT(AlertComposer::subject(e).find("] Regression: ValueError") != std::string::npos);
        e.group.message = std::string(100, 'm');
        CPPUNIT_ASSERT_EQUAL(std::string("[myapp/prod] Regression: ValueError: ") + std::string(80, 'm') +
                                 " (#7)",
                             AlertComposer::subject(e));
    }

    void testSubjectCutTo200Chars()
    {
        AlertEvent e = sampleEvent();
        e.group.exceptionType = std::string(190, 'T');
        CPPUNIT_ASSERT_EQUAL(std::size_t(200), Monlight::Json::codePoints(AlertComposer::subject(e)));
    }

    void testTextBodyFacts()
    {
        AlertMessage m = AlertComposer::compose(sampleEvent(), "https://et.example.com");
        CPPUNIT_ASSERT_EQUAL(std::string("https://et.example.com/errors/7"), m.link);
        CPPUNIT_ASSERT(m.text.rfind("New error in myapp (prod)\n\nError ID:  #7\nCount:     3\n", 0) == 0);
        CPPUNIT_ASSERT(
            m.text.find("First seen: 2025-11-25T10:00:00.000Z\nLast seen:  2025-11-25T10:00:00.123Z\n"
                        "Link:      https://et.example.com/errors/7\n\nException: ValueError\n"
                        "Message:   bad <input>\nRequest:   POST /api/x\n\nTraceback:\nTraceback\n") !=
            std::string::npos);
        AlertEvent noReq = sampleEvent(AlertEvent::Kind::Regression);
        noReq.requestUrl.reset();
        AlertMessage r = AlertComposer::compose(noReq, "http://x");
        CPPUNIT_ASSERT(r.text.rfind("Regression in myapp (prod)", 0) == 0);
        CPPUNIT_ASSERT(r.text.find("Request:") == std::string::npos);
    }

    void testTracebackTruncatedAt12KiB()
    {
        AlertEvent e = sampleEvent();
        e.group.traceback = std::string(20000, 'x');
        AlertMessage m = AlertComposer::compose(e, "http://x");
        CPPUNIT_ASSERT(m.text.find(std::string(12288, 'x') + "\n[traceback truncated]") != std::string::npos);
        CPPUNIT_ASSERT(m.text.find(std::string(12289, 'x')) == std::string::npos);
        CPPUNIT_ASSERT(AlertComposer::compose(sampleEvent(), "http://x").text.find("truncated") ==
                       std::string::npos);
    }

    void testHtmlEscaped()
    {
        AlertEvent e = sampleEvent();
        e.group.message = "<script>alert('x')&\"</script>";
        AlertMessage m = AlertComposer::compose(e, "http://x");
        CPPUNIT_ASSERT(m.html.find("<script>") == std::string::npos);
        CPPUNIT_ASSERT(m.html.find("&lt;script&gt;alert(&#39;x&#39;)&amp;&quot;&lt;/script&gt;") !=
                       std::string::npos);
        CPPUNIT_ASSERT(m.html.find("<pre>") != std::string::npos);
        CPPUNIT_ASSERT(m.html.find("href=\"http://x/errors/7\"") != std::string::npos);
    }

    void testWebhookBody()
    {
        AlertMessage m = AlertComposer::compose(sampleEvent(), "http://x");
        std::string subject = AlertComposer::subject(sampleEvent());
        std::string summary = subject + "\\nhttp://x/errors/7";
        std::string slack = AlertComposer::escapeSlack(summary);
        CPPUNIT_ASSERT(slack.find("bad &lt;input&gt;") != std::string::npos);
        CPPUNIT_ASSERT_EQUAL(
            std::string("{\"text\":\"") + slack + "\",\"content\":\"" + summary +
                "\",\"event\":\"new\",\"project\":\"myapp\",\"environment\":\"prod\",\"id\":7,"
                "\"exception_type\":\"ValueError\",\"message\":\"bad <input>\",\"count\":3,"
                "\"first_seen\":\"2025-11-25T10:00:00.000Z\",\"last_seen\":"
                "\"2025-11-25T10:00:00.123Z\",\"url\":\"http://x/errors/7\",\"allowed_mentions\":{\"parse\":[]}}",
            m.webhookJson);
    }

    void testTestAlertContent()
    {
        AlertEvent e;
        e.kind = AlertEvent::Kind::Test;
        AlertMessage m = AlertComposer::compose(e, "http://et:5010");
        CPPUNIT_ASSERT_EQUAL(std::string("[monlight] Test alert"), m.subject);
        CPPUNIT_ASSERT_EQUAL(
            std::string("This is a test alert from Monlight.\n\nLink:      http://et:5010\n"), m.text);
        CPPUNIT_ASSERT_EQUAL(
            std::string(
                "{\"text\":\"[monlight] Test alert\\nhttp://et:5010\",\"content\":\"[monlight] Test "
                "alert\\nhttp://et:5010\",\"event\":\"test\",\"project\":null,\"environment\":null,\"id\":"
                "null,\"exception_type\":null,\"message\":\"This is a test alert from Monlight.\","
                "\"count\":null,\"first_seen\":null,\"last_seen\":null,\"url\":\"http://et:5010\","
                "\"allowed_mentions\":{\"parse\":[]}}"),
            m.webhookJson);
    }

    void testSuppressedLineAppended()
    {
        std::string line = "(4 more alerts for myapp were suppressed since the previous alert)";
        AlertMessage m = AlertComposer::compose(sampleEvent(), "http://x", line);
        CPPUNIT_ASSERT(m.text.find(line) != std::string::npos);
        CPPUNIT_ASSERT(m.html.find(line) != std::string::npos);
    }

    void testThrottleCooldownThenBudget()
    {
        AlertThrottle t(2, 60);
        std::int64_t now = 10000000;
        CPPUNIT_ASSERT(t.admit("p", std::nullopt, now));
        CPPUNIT_ASSERT(!t.admit("p", now, now + 59 * 60000)); // same group inside the cooldown
        CPPUNIT_ASSERT(t.admit("p", std::nullopt, now + 1));
        CPPUNIT_ASSERT(!t.admit("p", std::nullopt, now + 2)); // budget of 2 per hour used
        CPPUNIT_ASSERT(t.admit("q", std::nullopt, now + 3));  // other project has its own budget
        CPPUNIT_ASSERT_EQUAL(std::int64_t(2), t.takeSuppressed("p"));
        CPPUNIT_ASSERT_EQUAL(std::int64_t(0), t.takeSuppressed("p"));
        CPPUNIT_ASSERT(t.admit("p", std::nullopt, now + 3600000)); // first one left the window
    }

    void testThrottleUnlimited()
    {
        AlertThrottle t(0, 0);
        for (int i = 0; i < 100; ++i)
            CPPUNIT_ASSERT(t.admit("p", 1000, 1000));
    }

    void testSmtpMessageShape()
    {
        AlertMessage m = AlertComposer::compose(sampleEvent(), "http://x");
        std::string data = SmtpMessage::build(m, "alerts@x.com", {"a@x.com", "b@y.com"}, 1764064800000);
        CPPUNIT_ASSERT(data.rfind("Date: Tue, 25 Nov 2025 10:00:00 +0000\r\nMessage-ID: <", 0) == 0);
        CPPUNIT_ASSERT(
            data.find("@monlight>\r\nFrom: alerts@x.com\r\nTo: a@x.com,\r\n b@y.com\r\nSubject: [myapp/prod] "
                      "New: ValueError: bad <input> (#7)\r\nMIME-Version: 1.0\r\n"
                      "Content-Type: multipart/alternative; boundary=\"") != std::string::npos);
        CPPUNIT_ASSERT(data.size() > 5 && data.compare(data.size() - 5, 5, "\r\n.\r\n") == 0);
        // Every line ends with CRLF and none is longer than 998 chars; base64 lines are at most 76 chars.
        std::size_t pos = 0;
        while (pos < data.size())
        {
            std::size_t e = data.find("\r\n", pos);
            CPPUNIT_ASSERT(e != std::string::npos);
            CPPUNIT_ASSERT(data.substr(pos, e - pos).find('\n') == std::string::npos);
            CPPUNIT_ASSERT(e - pos <= 998);
            pos = e + 2;
        }
        std::size_t textPart = data.find("Content-Type: text/plain; charset=utf-8\r\n"
                                         "Content-Transfer-Encoding: base64\r\n\r\n");
        CPPUNIT_ASSERT(textPart != std::string::npos);
        std::size_t start = data.find("\r\n\r\n", textPart) + 4;
        std::size_t end = data.find("\r\n--", start);
        std::string b64 = data.substr(start, end - start);
        std::size_t firstLineLen = b64.find("\r\n");
        CPPUNIT_ASSERT_EQUAL(std::size_t(76), firstLineLen);
        CPPUNIT_ASSERT_EQUAL(m.text, unbase64(b64));
        CPPUNIT_ASSERT(data.find("Content-Type: text/html; charset=utf-8") != std::string::npos);
    }

    void testDotStuffing()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("..a\r\nb\r\n..\r\n"), SmtpMessage::dotStuff(".a\nb\r\n.\n"));
    }

    void testEncodedSubject()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("plain"), SmtpMessage::encodeHeader("plain"));
        std::string enc = SmtpMessage::encodeHeader("Fehler: \xc3\xa4\xc3\xb6\xc3\xbc");
        CPPUNIT_ASSERT_EQUAL(std::string("=?UTF-8?B?RmVobGVyOiDDpMO2w7w=?="), enc);
        std::string longEnc = SmtpMessage::encodeHeader(std::string(100, 'a') + "\xc3\xa4");
        CPPUNIT_ASSERT(longEnc.find("?=\r\n =?UTF-8?B?") != std::string::npos);
    }

    void testPostmarkBody()
    {
        PostmarkChannel pm("http://pm", "tok", "from@x.com", {"a@x.com"});
        AlertMessage m;
        m.subject = "S";
        m.text = "T";
        m.html = "<b>H</b>";
        CPPUNIT_ASSERT_EQUAL(
            std::string("{\"From\":\"from@x.com\",\"To\":\"a@x.com, b@y.com\",\"Subject\":\"S\","
                        "\"TextBody\":\"T\",\"HtmlBody\":\"<b>H</b>\",\"MessageStream\":\"outbound\"}"),
            pm.body(m, {"a@x.com", "b@y.com"}));
    }

    void testWebhookStatusMapping()
    {
        CPPUNIT_ASSERT(WebhookChannel::fromStatus(204).ok);
        DeliveryResult nf = WebhookChannel::fromStatus(404);
        CPPUNIT_ASSERT(!nf.ok && !nf.transient);
        CPPUNIT_ASSERT_EQUAL(std::string("HTTP 404"), nf.detail);
        CPPUNIT_ASSERT(WebhookChannel::fromStatus(503).transient);
        CPPUNIT_ASSERT(WebhookChannel::fromStatus(429).transient);
    }

    void testEnvelopeAddress()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("ops@x.com"), SmtpChannel::envelopeAddress("Ops Team <ops@x.com>"));
        CPPUNIT_ASSERT_EQUAL(std::string("ops@x.com"), SmtpChannel::envelopeAddress(" ops@x.com\r\n"));
    }

    void testSlackTextIsInert()
    {
        CPPUNIT_ASSERT_EQUAL(std::string("a &amp;lt; &lt;!channel&gt; &lt;https://evil.test|click&gt; &lt;@U1&gt;"),
                             AlertComposer::escapeSlack("a &lt; <!channel> <https://evil.test|click> <@U1>"));
        const std::string zwsp = "\xE2\x80\x8B";
        CPPUNIT_ASSERT_EQUAL("@" + zwsp + "everyone @" + zwsp + "HERE: @" + zwsp + "channel @" + zwsp + "all",
                             AlertComposer::escapeSlack("@everyone @HERE: @channel @all"));
        CPPUNIT_ASSERT_EQUAL(std::string("@everyones @heretic me@example.com @alice"),
                             AlertComposer::escapeSlack("@everyones @heretic me@example.com @alice"));
        AlertEvent e = sampleEvent();
        e.group.message = "@everyone <!here> see <https://evil.test|docs>";
        AlertMessage m = AlertComposer::compose(e, "http://x");
        CPPUNIT_ASSERT(m.webhookJson.find("<!here>") != std::string::npos); // raw in `content` and `message`
        CPPUNIT_ASSERT(m.webhookJson.find("\"text\":\"[myapp/prod] New: ValueError: @" + zwsp +
                                          "everyone &lt;!here&gt; see &lt;https://evil.test|docs&gt; (#7)") !=
                       std::string::npos);
    }
};

CPPUNIT_TEST_SUITE_REGISTRATION(AlertTest);
