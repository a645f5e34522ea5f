#include "LogIngestor.h"

#include "Monlight/HttpError.h"
#include "Monlight/Json.h"
#include "Monlight/Text.h"
#include "Monlight/Time.h"
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

namespace Monlight
{
namespace LogViewer
{

namespace
{

constexpr std::size_t MAX_ATTRIBUTES = 64;

[[noreturn]] void fail(const std::string& detail)
{
    throw HttpError(400, detail);
}

[[noreturn]] void failItem(const std::string& detail, std::size_t index)
{
    HttpError e(400, detail);
    e.index(index);
    throw e;
}

/// The value of `key`, or an empty Var when absent or `null`.
Poco::Dynamic::Var field(const Poco::JSON::Object& obj, const std::string& key)
{
    if (!obj.has(key))
        return {};
    return obj.get(key);
}

bool isHex32(std::string& s)
{
    if (s.size() != 32)
        return false;
    for (auto& c : s)
    {
        if (c >= 'A' && c <= 'F')
            c = static_cast<char>(c - 'A' + 'a');
        else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
    }
    return true;
}

/// Cuts `text` into parts of at most `max` bytes at UTF-8 character boundaries (§3.7).
std::vector<std::string> splitUtf8(const std::string& text, std::size_t max)
{
    std::vector<std::string> parts;
    std::size_t pos = 0;
    while (text.size() - pos > max)
    {
        std::size_t cut = pos + max;
        while (cut > pos && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
            --cut;
        if (cut == pos)
            cut = pos + max;
        parts.push_back(text.substr(pos, cut - pos));
        pos = cut;
    }
    parts.push_back(text.substr(pos));
    return parts;
}

/// The attributes object as stored: a flat JSON object of scalars, keys in the order given.
std::string attributesJson(const Poco::JSON::Object& obj, std::size_t index)
{
    if (obj.size() > MAX_ATTRIBUTES)
        failItem("Too many attributes (max " + std::to_string(MAX_ATTRIBUTES) + ")", index);
    if (obj.size() == 0)
        return {};
    Json::Writer w;
    w.beginObject();
    for (const auto& [key, v] : obj)
    {
        std::size_t keyChars = Json::codePoints(key);
        if (keyChars < 1 || keyChars > 100)
            failItem("Attribute key must be 1-100 characters", index);
        w.key(key);
        if (v.isEmpty())
            failItem("Attribute value must be a string, number or boolean", index);
        else if (v.isString())
        {
            std::string text = v.extract<std::string>();
            if (Json::codePoints(text) > 1000)
                failItem("Attribute value exceeds 1000 characters", index);
            w.value(text);
        }
        else if (v.isBoolean())
            w.value(v.convert<bool>());
        else if (v.isNumeric())
            w.raw(Json::stringify(v));
        else
            failItem("Attribute value must be a string, number or boolean", index);
    }
    w.endObject();
    return w.take();
}

} // namespace

LogIngestor::LogIngestor(LogWriter& writer, Options options) : _writer(writer), _opt(options)
{
}

std::vector<LogEntry> LogIngestor::parse(std::string_view body, std::int64_t nowMs, const Options& opt,
                                         std::size_t& count)
{
    Poco::Dynamic::Var root = Json::parse(body);
    Poco::JSON::Array::Ptr items;
    if (root.type() == typeid(Poco::JSON::Array::Ptr))
        items = root.extract<Poco::JSON::Array::Ptr>();
    else if (root.type() == typeid(Poco::JSON::Object::Ptr))
    {
        auto obj = root.extract<Poco::JSON::Object::Ptr>();
        Poco::Dynamic::Var logs = field(*obj, "logs");
        if (logs.isEmpty())
            fail("Missing required field: logs");
        if (logs.type() != typeid(Poco::JSON::Array::Ptr))
            fail("Field 'logs' must be an array");
        items = logs.extract<Poco::JSON::Array::Ptr>();
    }
    else
        fail("Request body must be a JSON array or an object with a 'logs' array");
    if (!items || items->size() == 0)
        fail("Logs array must not be empty");
    if (items->size() > opt.maxItems)
        fail("Logs batch exceeds maximum of " + std::to_string(opt.maxItems) + " items");

    std::vector<LogEntry> out;
    out.reserve(items->size());
    for (std::size_t i = 0; i < items->size(); ++i)
    {
        Poco::Dynamic::Var item = items->get(static_cast<unsigned int>(i));
        if (item.type() != typeid(Poco::JSON::Object::Ptr))
            failItem("Each log entry must be a JSON object", i);
        const Poco::JSON::Object& obj = *item.extract<Poco::JSON::Object::Ptr>();
        LogEntry e;

        Poco::Dynamic::Var message = field(obj, "message");
        if (!message.isString())
            failItem("Missing required field: message", i);
        std::string text = message.extract<std::string>();
        if (text.empty())
            failItem("Field 'message' must not be empty", i);

        Poco::Dynamic::Var source = field(obj, "source");
        if (!source.isString())
            failItem("Missing required field: source", i);
        e.container = source.extract<std::string>();
        std::size_t sourceChars = Json::codePoints(e.container);
        if (sourceChars < 1 || sourceChars > 128)
            failItem("Field 'source' must be 1-128 characters", i);
        if (Text::hasControlChars(e.container))
            failItem("Field 'source' must not contain control characters", i);
        e.containerId = "api:" + e.container;

        e.timestampMs = nowMs;
        Poco::Dynamic::Var ts = field(obj, "timestamp");
        if (!ts.isEmpty())
        {
            auto t = Time::parseBodyTimestamp(ts);
            if (!t)
                failItem("Field 'timestamp' must be an RFC 3339 string or epoch number", i);
            e.timestampMs = *t;
        }

        std::optional<Level> level;
        Poco::Dynamic::Var lv = field(obj, "level");
        if (!lv.isEmpty())
        {
            if (lv.isString())
                level = LevelDetector::parse(lv.extract<std::string>());
            if (!level)
                failItem("Field 'level' must be one of DEBUG, INFO, WARNING, ERROR, CRITICAL", i);
        }

        std::optional<bool> isStderr;
        Poco::Dynamic::Var stream = field(obj, "stream");
        if (!stream.isEmpty())
        {
            std::string s = stream.isString() ? stream.extract<std::string>() : std::string();
            if (s == "stdout")
                isStderr = false;
            else if (s == "stderr")
                isStderr = true;
            else
                failItem("Field 'stream' must be 'stdout' or 'stderr'", i);
        }

        Poco::Dynamic::Var attrs = field(obj, "attributes");
        if (!attrs.isEmpty())
        {
            if (attrs.type() != typeid(Poco::JSON::Object::Ptr))
                failItem("Field 'attributes' must be an object", i);
            e.attributes = attributesJson(*attrs.extract<Poco::JSON::Object::Ptr>(), i);
        }

        Poco::Dynamic::Var trace = field(obj, "trace_id");
        if (!trace.isEmpty())
        {
            std::string id = trace.isString() ? trace.extract<std::string>() : std::string();
            if (!isHex32(id))
                failItem("Field 'trace_id' must be 32 hexadecimal characters", i);
            e.traceId = id;
        }

        // Level from the field, else detected from the message (§3.10); stream from the field, else by level.
        e.level = level ? *level : LevelDetector::detect(text, isStderr.value_or(false), opt.stderrDefault);
        e.isStderr = isStderr ? *isStderr : e.level >= Level::Error;
        for (auto& part : splitUtf8(text, opt.maxMessageBytes))
        {
            LogEntry p = e;
            p.message = std::move(part);
            out.push_back(std::move(p));
        }
    }
    count = items->size();
    return out;
}

std::size_t LogIngestor::ingest(std::string_view body)
{
    std::size_t count = 0;
    IngestBatch batch;
    batch.entries = parse(body, Time::nowMs(), _opt, count);
    _writer.commit(batch);
    return count;
}

std::string LogIngestor::replyJson(std::size_t count)
{
    Json::Writer w;
    w.beginObject().field("status", "accepted").field("count", static_cast<std::int64_t>(count)).endObject();
    return w.take();
}

IngestReply LogIngestService::ingest(const std::string& jsonBody)
{
    return IngestReply::answer([&] { return IngestReply{202, LogIngestor::replyJson(_ingestor.ingest(jsonBody)), {}}; });
}

} // namespace LogViewer
} // namespace Monlight
