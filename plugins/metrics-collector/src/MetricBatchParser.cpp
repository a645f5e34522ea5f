#include "MetricBatchParser.h"
#include "Monlight/HttpError.h"
#include "Monlight/Json.h"
#include "Monlight/Text.h"
#include "Monlight/Time.h"
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <cmath>

namespace Monlight
{
namespace MetricsCollector
{

namespace
{

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

bool isNumber(const Poco::Dynamic::Var& v)
{
    return !v.isEmpty() && v.isNumeric() && !v.isBoolean();
}

bool isNull(const Poco::Dynamic::Var& v)
{
    return v.isEmpty();
}

/// The value of `key` or an empty Var when absent or `null`.
Poco::Dynamic::Var field(const Poco::JSON::Object& obj, const std::string& key)
{
    if (!obj.has(key))
        return {};
    return obj.get(key);
}

bool validProject(const Poco::Dynamic::Var& v, std::string& out)
{
    if (!v.isString())
        return false;
    out = v.extract<std::string>();
    std::size_t n = Json::codePoints(out);
    return n >= 1 && n <= 100;
}

/// Json::parse, except that a valid top-level scalar (which Poco 1.11's parser refuses, so the SDK answers
/// `Invalid JSON`) is returned as such so the shape check can name the problem.
Poco::Dynamic::Var parseRoot(std::string_view body)
{
    try
    {
        return Json::parse(body);
    }
    catch (const HttpError& e)
    {
        if (e.detail() != "Invalid JSON")
            throw;
        std::string_view inner = body;
        if (inner.size() >= 3 && inner.substr(0, 3) == "\xEF\xBB\xBF")
            inner.remove_prefix(3);
        Poco::Dynamic::Var wrapped;
        try
        {
            wrapped = Json::parse("[" + std::string(inner) + "]");
        }
        catch (const HttpError&)
        {
            throw e;
        }
        auto array = wrapped.extract<Poco::JSON::Array::Ptr>();
        if (array->size() != 1)
            throw;
        Poco::Dynamic::Var scalar = array->get(0);
        if (scalar.isEmpty())
            return std::string(); // `null`: any non-container value gets the same shape error
        return scalar;
    }
}

} // namespace

std::vector<MetricPoint> MetricBatchParser::parse(std::string_view body, std::int64_t nowMs) const
{
    Poco::Dynamic::Var root = parseRoot(body);
    Poco::JSON::Array::Ptr items;
    std::string defaultProject;
    if (root.type() == typeid(Poco::JSON::Array::Ptr))
        items = root.extract<Poco::JSON::Array::Ptr>();
    else if (root.type() == typeid(Poco::JSON::Object::Ptr))
    {
        auto obj = root.extract<Poco::JSON::Object::Ptr>();
        Poco::Dynamic::Var metrics = field(*obj, "metrics");
        if (isNull(metrics))
            fail("Missing required field: metrics");
        if (metrics.type() != typeid(Poco::JSON::Array::Ptr))
            fail("Field 'metrics' must be an array");
        items = metrics.extract<Poco::JSON::Array::Ptr>();
        Poco::Dynamic::Var project = field(*obj, "project");
        if (!isNull(project) && !validProject(project, defaultProject))
            fail("Field 'project' must be 1-100 characters");
    }
    else
        fail("Request body must be a JSON array or an object with a 'metrics' array");

    if (!items || items->size() == 0)
        fail("Metrics array must not be empty");
    if (items->size() > _maxBatchItems)
        fail("Metrics batch exceeds maximum of " + std::to_string(_maxBatchItems) + " items");

    std::vector<MetricPoint> points;
    points.reserve(items->size());
    for (std::size_t i = 0; i < items->size(); ++i)
    {
        Poco::Dynamic::Var item = items->get(static_cast<unsigned int>(i));
        if (item.type() != typeid(Poco::JSON::Object::Ptr))
            failItem("Each metric must be a JSON object", i);
        const Poco::JSON::Object& obj = *item.extract<Poco::JSON::Object::Ptr>();
        MetricPoint p;

        Poco::Dynamic::Var name = field(obj, "name");
        if (!name.isString())
            failItem("Missing required field: name", i);
        p.name = name.extract<std::string>();
        std::size_t nameChars = Json::codePoints(p.name);
        if (nameChars < 1 || nameChars > 200)
            failItem("Field 'name' must be 1-200 characters", i);
        if (Text::hasControlChars(p.name))
            failItem("Field 'name' must not contain control characters", i);

        Poco::Dynamic::Var type = field(obj, "type");
        if (!type.isString())
            failItem("Missing required field: type", i);
        p.type = type.extract<std::string>();
        if (p.type != "counter" && p.type != "histogram" && p.type != "gauge")
            failItem("Field 'type' must be 'counter', 'histogram', or 'gauge'", i);

        Poco::Dynamic::Var value = field(obj, "value");
        if (isNull(value))
            failItem("Missing required field: value", i);
        if (!isNumber(value))
            failItem("Field 'value' must be a finite number", i);
        p.value = value.convert<double>();
        if (!std::isfinite(p.value))
            failItem("Field 'value' must be a finite number", i);

        Poco::Dynamic::Var labels = field(obj, "labels");
        if (!isNull(labels))
        {
            if (labels.type() != typeid(Poco::JSON::Object::Ptr))
                failItem("Field 'labels' must be an object", i);
            const Poco::JSON::Object& lobj = *labels.extract<Poco::JSON::Object::Ptr>();
            if (lobj.size() > _maxLabels)
                failItem("Too many labels (max " + std::to_string(_maxLabels) + ")", i);
            for (const auto& [key, lv] : lobj)
            {
                std::size_t keyChars = Json::codePoints(key);
                if (keyChars < 1 || keyChars > 100)
                    failItem("Label key must be 1-100 characters", i);
                std::string text;
                if (lv.isEmpty())
                    failItem("Label value must be a string, number or boolean", i);
                else if (lv.isString())
                    text = lv.extract<std::string>();
                else if (lv.isBoolean())
                    text = lv.convert<bool>() ? "true" : "false";
                else if (lv.isNumeric())
                    text = LabelSet::numberText(lv.convert<double>());
                else
                    failItem("Label value must be a string, number or boolean", i);
                if (Json::codePoints(text) > 1000)
                    failItem("Label value exceeds 1000 characters", i);
                p.labels.set(key, text);
            }
        }

        Poco::Dynamic::Var ts = field(obj, "timestamp");
        if (isNull(ts))
            p.ts = nowMs;
        else
        {
            std::optional<std::int64_t> parsed;
            if (ts.isString() || isNumber(ts))
                parsed = Time::parseBodyTimestamp(ts);
            if (!parsed)
                failItem("Field 'timestamp' must be an RFC 3339 string or epoch number", i);
            p.ts = *parsed;
        }

        Poco::Dynamic::Var project = field(obj, "project");
        if (isNull(project))
            p.project = defaultProject;
        else if (!validProject(project, p.project))
            failItem("Field 'project' must be 1-100 characters", i);

        points.push_back(std::move(p));
    }
    return points;
}

} // namespace MetricsCollector
} // namespace Monlight
