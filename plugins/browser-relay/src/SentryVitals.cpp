#include "SentryVitals.h"

#include "PageLabel.h"
#include <Monlight/Json.h>
#include <Monlight/Time.h>
#include <Poco/JSON/Array.h>
#include <vector>

namespace Monlight
{
namespace BrowserRelay
{

namespace
{

using Poco::JSON::Object;

const char* const VITALS[] = {"lcp", "inp", "cls", "fcp", "ttfb"};

struct Point
{
    std::string vital;
    double value = 0;
    std::optional<double> timestamp;
    std::string page;
};

/// A v2 span attribute's value (`{"value":v,"type":t}`) or a plain value.
Poco::Dynamic::Var attr(const Object& attrs, const std::string& key)
{
    if (!attrs.has(key))
        return {};
    Poco::Dynamic::Var v = attrs.get(key);
    if (v.type() == typeid(Object::Ptr))
    {
        const auto o = v.extract<Object::Ptr>();
        return o->has("value") ? o->get("value") : Poco::Dynamic::Var();
    }
    return v;
}

std::optional<double> number(const Poco::Dynamic::Var& v)
{
    if (v.isEmpty() || !v.isNumeric() || v.isBoolean())
        return std::nullopt;
    return v.convert<double>();
}

std::string text(const Poco::Dynamic::Var& v)
{
    return !v.isEmpty() && v.isString() ? v.extract<std::string>() : "";
}

} // namespace

std::string SentryVitals::page(const std::string& url) const
{
    const std::string p = PageLabel::path(url);
    return _normalize ? PageLabel::normalize(p) : p;
}

void SentryVitals::remember(const std::string& spanId, const std::string& pg)
{
    if (spanId.empty() || pg.empty())
        return;
    const std::int64_t now = Time::nowMs();
    std::lock_guard<std::mutex> lock(_mutex);
    auto it = _pages.find(spanId);
    if (it != _pages.end())
    {
        _order.erase(it->second.order);
        _pages.erase(it);
    }
    while (!_order.empty() && (_pages.size() >= MAX_PAGES || now - _pages[_order.front()].atMs > PAGE_TTL_MS))
    {
        _pages.erase(_order.front());
        _order.pop_front();
    }
    _order.push_back(spanId);
    _pages[spanId] = Entry{pg, now, std::prev(_order.end())};
}

std::string SentryVitals::recall(const std::string& spanId)
{
    if (spanId.empty())
        return "";
    std::lock_guard<std::mutex> lock(_mutex);
    const auto it = _pages.find(spanId);
    if (it == _pages.end() || Time::nowMs() - it->second.atMs > PAGE_TTL_MS)
        return "";
    return it->second.page;
}

std::string SentryVitals::metrics(const std::string& itemType, const Object& payload, const std::string& project,
                                  std::size_t& count)
{
    std::vector<Point> points;
    if (itemType == "transaction")
    {
        std::string pg;
        if (const auto req = Json::getObject(payload, "request"))
            if (const auto url = Json::getString(*req, "url"))
                pg = page(*url);
        if (const auto ctx = Json::getObject(payload, "contexts"))
            if (const auto trace = Json::getObject(*ctx, "trace"))
                remember(Json::getString(*trace, "span_id").value_or(""), pg);
        if (pg.empty())
            pg = Json::getString(payload, "transaction").value_or("");
        if (const auto m = Json::getObject(payload, "measurements"))
            for (const char* v : VITALS)
                if (const auto o = Json::getObject(*m, v))
                    if (const auto value = Json::getNumber(*o, "value"))
                        points.push_back({v, *value, Json::getNumber(payload, "start_timestamp"), pg});
    }
    else if (itemType == "span")
    {
        // v2 container {"items":[...]} with attributes, or a v1 span with `data` and `measurements`
        std::vector<Object::Ptr> spans;
        const bool v2 = Json::getArray(payload, "items") != nullptr;
        if (v2)
        {
            const auto items = Json::getArray(payload, "items");
            for (std::size_t i = 0; i < items->size(); ++i)
                if (const auto s = items->getObject(static_cast<unsigned>(i)))
                    spans.push_back(s);
        }
        else
            spans.push_back(new Object(payload));
        auto attrsOf = [&](const Object& s) -> Object::Ptr
        {
            if (v2)
                return Json::getObject(s, "attributes");
            return Json::getObject(s, "data");
        };
        // first the pages of the segments, then the points (the segment may come after its children)
        for (const auto& s : spans)
        {
            const auto a = attrsOf(*s);
            const std::string url = a ? text(attr(*a, "url.full")) : "";
            const bool segment = (s->has("is_segment") && s->get("is_segment").isBoolean() &&
                                  s->get("is_segment").extract<bool>()) ||
                                 (a && text(attr(*a, "sentry.op")) == "pageload");
            if (segment && !url.empty())
                remember(Json::getString(*s, "span_id").value_or(""), page(url));
        }
        for (const auto& s : spans)
        {
            const auto a = attrsOf(*s);
            std::vector<std::pair<std::string, double>> found;
            for (const char* v : VITALS)
            {
                std::optional<double> value;
                if (a)
                    value = number(attr(*a, std::string("browser.web_vital.") + v + ".value"));
                if (!value && a && !v2)
                    value = number(attr(*a, std::string("browser.web_vital.") + v));
                if (!value)
                    if (const auto m = Json::getObject(*s, "measurements"))
                        if (const auto o = Json::getObject(*m, v))
                            value = Json::getNumber(*o, "value");
                if (value)
                    found.emplace_back(v, *value);
            }
            if (found.empty())
                continue;
            std::string pg;
            const std::string url = a ? text(attr(*a, "url.full")) : "";
            if (!url.empty())
                pg = page(url);
            if (pg.empty() && a)
                pg = recall(text(attr(*a, "sentry.pageload.span_id")));
            if (pg.empty())
                pg = recall(Json::getString(*s, "parent_span_id").value_or(""));
            if (pg.empty())
                pg = recall(Json::getString(*s, "segment_id").value_or(a ? text(attr(*a, "sentry.segment.id")) : ""));
            if (pg.empty() && a)
                pg = recall(text(attr(*a, "sentry.segment.id")));
            if (pg.empty() && a)
                pg = text(attr(*a, "sentry.segment.name"));
            if (pg.empty())
                pg = Json::getString(*s, "description").value_or(Json::getString(*s, "name").value_or(""));
            for (const auto& [v, value] : found)
                points.push_back({v, value, Json::getNumber(*s, "start_timestamp"), pg});
        }
    }
    count = points.size();
    Json::Writer w;
    w.beginObject().key("metrics").beginArray();
    for (const auto& p : points)
    {
        w.beginObject().field("name", "web_vitals_" + p.vital).field("type", "histogram").field("value", p.value);
        if (p.timestamp)
            w.field("timestamp", *p.timestamp);
        w.field("project", project).key("labels").beginObject();
        if (!p.page.empty())
            w.field("page", Json::truncateChars(p.page, 200));
        w.field("source", "browser").field("project", project).endObject().endObject();
    }
    w.endArray().endObject();
    return w.take();
}

} // namespace BrowserRelay
} // namespace Monlight
