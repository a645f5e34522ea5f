#include "LabelSet.h"
#include "Monlight/Json.h"
#include <Poco/JSON/Parser.h>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace Monlight
{
namespace MetricsCollector
{

std::string LabelSet::numberText(double v)
{
    if (std::isfinite(v) && v == std::trunc(v) && std::fabs(v) < 9.007199254740992e15)
        return std::to_string(static_cast<long long>(v));
    std::string out;
    Json::appendDouble(out, v);
    return out;
}

LabelSet LabelSet::fromJson(const std::string& json)
{
    Poco::JSON::Parser parser;
    auto object = parser.parse(json).extract<Poco::JSON::Object::Ptr>();
    LabelSet set;
    for (const auto& [key, value] : *object)
        set._labels[key] = value.toString();
    return set;
}

const std::string* LabelSet::find(const std::string& key) const
{
    auto it = _labels.find(key);
    return it == _labels.end() ? nullptr : &it->second;
}

LabelSet LabelSet::without(const std::vector<std::string>& keys) const
{
    LabelSet copy = *this;
    for (const auto& key : keys)
        copy._labels.erase(key);
    return copy;
}

bool LabelSet::contains(const std::vector<std::pair<std::string, std::string>>& filter) const
{
    for (const auto& [key, value] : filter)
    {
        auto it = _labels.find(key);
        if (it == _labels.end() || it->second != value)
            return false;
    }
    return true;
}

std::string LabelSet::toJson() const
{
    std::string out = "{";
    bool first = true;
    for (const auto& [key, value] : _labels)
    {
        if (!first)
            out.push_back(',');
        first = false;
        Json::appendQuoted(out, key);
        out.push_back(':');
        Json::appendQuoted(out, value);
    }
    out.push_back('}');
    return out;
}

} // namespace MetricsCollector
} // namespace Monlight
