#include "AlertComposer.h"

#include "Monlight/Json.h"
#include "Monlight/Time.h"
#include <cctype>

namespace Monlight
{
namespace ErrorTracker
{

namespace
{

const std::size_t MAX_TRACEBACK_BYTES = 12 * 1024;

/// Cuts UTF-8 text to at most `maxBytes` bytes without splitting a character.
std::string cutBytes(std::string_view s, std::size_t maxBytes, bool& cut)
{
    cut = s.size() > maxBytes;
    if (!cut)
        return std::string(s);
    std::size_t n = maxBytes;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80)
        --n;
    return std::string(s.substr(0, n));
}

void htmlRow(std::string& html, const char* label, const std::string& value)
{
    html += "<tr><th align=\"left\">";
    html += label;
    html += "</th><td>";
    html += AlertComposer::escapeHtml(value);
    html += "</td></tr>\n";
}

// `everyone`, `here`, `channel` or `all` (any case) followed by a non-letter or the end.
bool isBroadcastWord(std::string_view rest)
{
    std::string word;
    for (char c : rest)
    {
        if (!std::isalpha(static_cast<unsigned char>(c)) || word.size() > 8)
            break;
        word += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    return word == "everyone" || word == "here" || word == "channel" || word == "all";
}

// Discord pings nobody for this message, whatever `content` says (`@everyone`, `<@id>`, `<@&role>`).
void noMentions(Json::Writer& w)
{
    w.key("allowed_mentions").beginObject().key("parse").beginArray().endArray().endObject();
}

} // namespace

std::string AlertComposer::stripControls(std::string_view s)
{
    std::string out(s);
    for (char& ch : out)
    {
        unsigned char c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7F)
            ch = ' ';
    }
    return out;
}

std::string AlertComposer::escapeHtml(std::string_view s)
{
    std::string out;
    out.reserve(s.size());
    for (char c : s)
    {
        switch (c)
        {
        case '&':
            out += "&amp;";
            break;
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '"':
            out += "&quot;";
            break;
        case '\'':
            out += "&#39;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

std::string AlertComposer::escapeSlack(std::string_view s)
{
    std::string out;
    out.reserve(s.size() + 16);
    for (std::size_t i = 0; i < s.size(); ++i)
    {
        const char c = s[i];
        if (c == '&')
            out += "&amp;";
        else if (c == '<')
            out += "&lt;";
        else if (c == '>')
            out += "&gt;";
        else
        {
            out += c;
            if (c == '@' && isBroadcastWord(s.substr(i + 1)))
                out += "\xE2\x80\x8B"; // U+200B ZERO WIDTH SPACE
        }
    }
    return out;
}

std::string AlertComposer::subject(const AlertEvent& e)
{
    if (e.kind == AlertEvent::Kind::Test)
        return "[monlight] Test alert";
    const ErrorGroup& g = e.group;
    std::string s = "[" + g.project + "/" + g.environment + "] " +
                    (e.kind == AlertEvent::Kind::New ? "New" : "Regression") + ": " + g.exceptionType + ": " +
                    Json::truncateChars(g.message, 80) + " (#" + std::to_string(g.id) + ")";
    return Json::truncateChars(stripControls(s), 200);
}

AlertMessage AlertComposer::compose(const AlertEvent& e, const std::string& baseUrl,
                                    const std::string& suppressedLine)
{
    AlertMessage m;
    m.subject = subject(e);
    Json::Writer w;
    if (e.kind == AlertEvent::Kind::Test)
    {
        m.link = baseUrl;
        const std::string body = "This is a test alert from Monlight.";
        m.text = body + "\n\nLink:      " + baseUrl + "\n";
        m.html = "<html><body><h2>" + escapeHtml(m.subject) + "</h2>\n<p>" + escapeHtml(body) +
                 "</p>\n<p><a href=\"" + escapeHtml(baseUrl) + "\">" + escapeHtml(baseUrl) +
                 "</a></p>\n</body></html>\n";
        std::string summary = m.subject + "\n" + baseUrl;
        w.beginObject()
            .field("text", escapeSlack(summary))
            .field("content", Json::truncateChars(summary, 2000))
            .field("event", "test")
            .fieldNull("project")
            .fieldNull("environment")
            .fieldNull("id")
            .fieldNull("exception_type")
            .field("message", body)
            .fieldNull("count")
            .fieldNull("first_seen")
            .fieldNull("last_seen")
            .field("url", baseUrl);
        noMentions(w);
        w.endObject();
        m.webhookJson = w.take();
        return m;
    }

    const ErrorGroup& g = e.group;
    bool isNew = e.kind == AlertEvent::Kind::New;
    m.link = baseUrl + "/errors/" + std::to_string(g.id);
    std::string firstSeen = Time::formatMs(g.firstSeen);
    std::string lastSeen = Time::formatMs(g.lastSeen);
    bool cut = false;
    std::string tb = cutBytes(g.traceback, MAX_TRACEBACK_BYTES, cut);
    std::string request;
    if (e.requestMethod && e.requestUrl)
        request = *e.requestMethod + " " + *e.requestUrl;

    std::string headline =
        (isNew ? "New error in " : "Regression in ") + g.project + " (" + g.environment + ")";
    std::string& t = m.text;
    t = headline + "\n\n";
    t += "Error ID:  #" + std::to_string(g.id) + "\n";
    t += "Count:     " + std::to_string(g.count) + "\n";
    t += "First seen: " + firstSeen + "\n";
    t += "Last seen:  " + lastSeen + "\n";
    t += "Link:      " + m.link + "\n\n";
    t += "Exception: " + g.exceptionType + "\n";
    t += "Message:   " + g.message + "\n";
    if (!request.empty())
        t += "Request:   " + request + "\n";
    t += "\nTraceback:\n" + tb + "\n";
    if (cut)
        t += "[traceback truncated]\n";
    if (!suppressedLine.empty())
        t += "\n" + suppressedLine + "\n";

    std::string& h = m.html;
    h = "<html><body>\n<h2>" + escapeHtml(headline) + "</h2>\n<table>\n";
    htmlRow(h, "Error ID", "#" + std::to_string(g.id));
    htmlRow(h, "Count", std::to_string(g.count));
    htmlRow(h, "First seen", firstSeen);
    htmlRow(h, "Last seen", lastSeen);
    h += "<tr><th align=\"left\">Link</th><td><a href=\"" + escapeHtml(m.link) + "\">" + escapeHtml(m.link) +
         "</a></td></tr>\n";
    htmlRow(h, "Exception", g.exceptionType);
    htmlRow(h, "Message", g.message);
    if (!request.empty())
        htmlRow(h, "Request", request);
    h += "</table>\n<h3>Traceback</h3>\n<pre>" + escapeHtml(tb) + "</pre>\n";
    if (cut)
        h += "<p>[traceback truncated]</p>\n";
    if (!suppressedLine.empty())
        h += "<p>" + escapeHtml(suppressedLine) + "</p>\n";
    h += "</body></html>\n";

    std::string summary = m.subject + "\n" + m.link;
    w.beginObject()
        .field("text", escapeSlack(summary))
        .field("content", Json::truncateChars(summary, 2000))
        .field("event", isNew ? "new" : "regression")
        .field("project", g.project)
        .field("environment", g.environment)
        .field("id", g.id)
        .field("exception_type", g.exceptionType)
        .field("message", g.message)
        .field("count", g.count)
        .field("first_seen", firstSeen)
        .field("last_seen", lastSeen)
        .field("url", m.link);
    noMentions(w);
    w.endObject();
    m.webhookJson = w.take();
    return m;
}

} // namespace ErrorTracker
} // namespace Monlight
