#include "BrowserMetricsPayload.h"

#include "PageLabel.h"
#include <Monlight/HttpError.h>
#include <Monlight/Json.h>
#include <Monlight/Text.h>
#include <Monlight/Time.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <utility>
#include <vector>

namespace Monlight
{
namespace BrowserRelay
{

namespace
{

bool isNumber(const Poco::Dynamic::Var& v)
{
    return !v.isEmpty() && v.isNumeric() && !v.isBoolean();
}

/// A label value as text (§4.3): strings as is, numbers shortest round-trip, booleans true/false.
std::string labelText(const Poco::Dynamic::Var& v)
{
    if (v.isString())
        return v.convert<std::string>();
    if (v.isBoolean())
        return v.convert<bool>() ? "true" : "false";
    std::string out;
    Json::appendDouble(out, v.convert<double>());
    return out;
}

[[noreturn]] void itemError(const std::string& detail, std::size_t index)
{
    throw HttpError(400, detail).index(index);
}

struct Label
{
    std::string key;
    Poco::Dynamic::Var value; ///< user value, or a string set by the relay
};

void setLabel(std::vector<Label>& labels, const std::string& key, const std::string& value)
{
    for (auto& l : labels)
    {
        if (l.key == key)
        {
            l.value = value;
            return;
        }
    }
    labels.push_back(Label{key, value});
}

} // namespace

std::string BrowserMetricsPayload::build(const std::string& body, const Options& options, std::size_t& items)
{
    const Poco::Dynamic::Var root = Json::parse(body);
    Poco::JSON::Array::Ptr metrics;
    std::optional<std::string> url, sessionId;
    if (root.type() == typeid(Poco::JSON::Array::Ptr))
    {
        metrics = root.extract<Poco::JSON::Array::Ptr>();
    }
    else if (root.type() == typeid(Poco::JSON::Object::Ptr))
    {
        const auto obj = root.extract<Poco::JSON::Object::Ptr>();
        if (!Json::has(*obj, "metrics"))
            throw HttpError(400, "Missing required field: metrics");
        metrics = Json::getArray(*obj, "metrics");
        if (!metrics)
            throw HttpError(400, "Field 'metrics' must be an array");
        url = Json::getString(*obj, "url");
        if (const auto sid = Json::getString(*obj, "session_id"))
        {
            const std::size_t n = Json::codePoints(*sid);
            if (n >= 1 && n <= 128)
                sessionId = sid;
        }
    }
    else
    {
        throw HttpError(400, "Request body must be a JSON array or an object with a 'metrics' array");
    }
    if (metrics->size() == 0)
        throw HttpError(400, "Metrics array must not be empty");
    if (metrics->size() > options.maxItems)
        throw HttpError(400,
                        "Metrics batch exceeds maximum of " + std::to_string(options.maxItems) + " items");

    const std::optional<std::string> page =
        url ? std::optional<std::string>(PageLabel::path(*url)) : std::nullopt;

    Json::Writer w;
    w.beginArray();
    for (std::size_t i = 0; i < metrics->size(); ++i)
    {
        const Poco::Dynamic::Var itemVar = metrics->get(static_cast<unsigned>(i));
        if (itemVar.type() != typeid(Poco::JSON::Object::Ptr))
            itemError("Each metric must be a JSON object", i);
        const auto item = itemVar.extract<Poco::JSON::Object::Ptr>();

        const auto name = Json::getString(*item, "name");
        if (!name)
            itemError("Missing required field: name", i);
        const std::size_t nameChars = Json::codePoints(*name);
        if (nameChars < 1 || nameChars > 200)
            itemError("Field 'name' must be 1-200 characters", i);
        if (Text::hasControlChars(*name))
            itemError("Field 'name' must not contain control characters", i);
        const auto type = Json::getString(*item, "type");
        if (!type)
            itemError("Missing required field: type", i);
        if (*type != "counter" && *type != "histogram" && *type != "gauge")
            itemError("Field 'type' must be 'counter', 'histogram', or 'gauge'", i);
        const Poco::Dynamic::Var value = item->get("value");
        if (value.isEmpty())
            itemError("Missing required field: value", i);
        if (!isNumber(value))
            itemError("Field 'value' must be a finite number", i);

        std::vector<Label> labels;
        const Poco::Dynamic::Var labelsVar = item->get("labels");
        if (!labelsVar.isEmpty())
        {
            if (labelsVar.type() != typeid(Poco::JSON::Object::Ptr))
                itemError("Field 'labels' must be an object", i);
            const auto obj = labelsVar.extract<Poco::JSON::Object::Ptr>();
            for (const auto& kv : *obj)
                labels.push_back(Label{kv.first, kv.second});
        }
        if (page)
            setLabel(labels, "page", *page);
        if (sessionId)
            setLabel(labels, "session_id", *sessionId);
        setLabel(labels, "source", "browser");
        setLabel(labels, "project", options.project);

        if (labels.size() > options.maxLabels)
            itemError("Too many labels (max " + std::to_string(options.maxLabels) + ")", i);
        for (auto& l : labels)
        {
            const std::size_t keyChars = Json::codePoints(l.key);
            if (keyChars < 1 || keyChars > 100)
                itemError("Label key must be 1-100 characters", i);
            if (l.value.isEmpty() || !(l.value.isString() || l.value.isBoolean() || isNumber(l.value)))
                itemError("Label value must be a string, number or boolean", i);
            if (l.key == "page" && options.normalizePageIds)
                l.value = PageLabel::normalize(labelText(l.value));
            if (l.value.isString() && Json::codePoints(l.value.extract<std::string>()) > 1000)
                itemError("Label value exceeds 1000 characters", i);
        }

        const Poco::Dynamic::Var timestamp = item->get("timestamp");
        if (!timestamp.isEmpty() && !Time::parseBodyTimestamp(timestamp))
            itemError("Field 'timestamp' must be an RFC 3339 string or epoch number", i);

        w.beginObject().field("name", *name).field("type", *type).key("value").raw(Json::stringify(value));
        w.key("labels").beginObject();
        for (const auto& l : labels)
            w.key(l.key).raw(Json::stringify(l.value));
        w.endObject();
        if (!timestamp.isEmpty())
            w.key("timestamp").raw(Json::stringify(timestamp));
        w.field("project", options.project).endObject();
    }
    w.endArray();
    items = metrics->size();
    return w.take();
}

} // namespace BrowserRelay
} // namespace Monlight
