#include "Monlight/Config.h"

#include <Poco/Exception.h>
#include <Poco/String.h>
#include <cctype>

namespace Monlight
{

ConfigKey ConfigKey::string(const std::string& name, const std::string& dflt, const std::string& description)
{
    ConfigKey k;
    k.name = name;
    k.type = ConfigType::String;
    k.defaultValue = dflt;
    k.description = description;
    return k;
}

ConfigKey ConfigKey::integer(const std::string& name, std::int64_t dflt, std::int64_t min, std::int64_t max,
                             const std::string& description)
{
    ConfigKey k = string(name, std::to_string(dflt), description);
    k.type = ConfigType::Int;
    k.min = min;
    k.max = max;
    return k;
}

ConfigKey ConfigKey::boolean(const std::string& name, bool dflt, const std::string& description)
{
    ConfigKey k = string(name, dflt ? "true" : "false", description);
    k.type = ConfigType::Bool;
    return k;
}

ConfigKey ConfigKey::list(const std::string& name, const std::string& dflt, const std::string& description)
{
    ConfigKey k = string(name, dflt, description);
    k.type = ConfigType::List;
    return k;
}

ConfigKey ConfigKey::bytes(const std::string& name, std::int64_t dflt, std::int64_t min, std::int64_t max,
                           const std::string& description)
{
    ConfigKey k = integer(name, dflt, min, max, description);
    k.type = ConfigType::Bytes;
    return k;
}

ConfigKey ConfigKey::choice(const std::string& name, const std::string& dflt, std::vector<std::string> choices,
                            const std::string& description)
{
    ConfigKey k = string(name, dflt, description);
    k.type = ConfigType::Enum;
    k.choices = std::move(choices);
    return k;
}

ConfigKey ConfigKey::listen(const std::string& name, const std::string& dflt, const std::string& description)
{
    ConfigKey k = string(name, dflt, description);
    k.type = ConfigType::Listen;
    return k;
}

ConfigKey ConfigKey::level(const std::string& name, const std::string& dflt, const std::string& description)
{
    ConfigKey k = string(name, dflt, description);
    k.type = ConfigType::Level;
    return k;
}

namespace
{
std::string rangeText(const ConfigKey& k)
{
    const auto lo = std::numeric_limits<std::int64_t>::min();
    const auto hi = std::numeric_limits<std::int64_t>::max();
    if (k.min != lo && k.max != hi)
        return "from " + std::to_string(k.min) + " to " + std::to_string(k.max);
    if (k.min != lo)
        return ">= " + std::to_string(k.min);
    if (k.max != hi)
        return "<= " + std::to_string(k.max);
    return "";
}

std::string joined(const std::vector<std::string>& v, const std::string& sep)
{
    std::string out;
    for (const auto& s : v)
        out += (out.empty() ? "" : sep) + s;
    return out;
}
} // namespace

std::string ConfigKey::typeName() const
{
    switch (type)
    {
    case ConfigType::String: return "string";
    case ConfigType::Int: return "int " + rangeText(*this);
    case ConfigType::Bytes: return "bytes " + rangeText(*this);
    case ConfigType::Bool: return "bool";
    case ConfigType::List: return "list";
    case ConfigType::Listen: return "listen";
    case ConfigType::Level: return "level";
    case ConfigType::Enum: return joined(choices, "|");
    }
    return "string";
}

std::string ConfigKey::validate(const std::string& value) const
{
    const std::string quoted = "invalid value \"" + value + "\": ";
    switch (type)
    {
    case ConfigType::String:
    case ConfigType::List: return "";
    case ConfigType::Int:
    case ConfigType::Bytes:
    {
        std::int64_t v;
        if (!ConfigValue::parseInt(value, v) || v < min || v > max)
        {
            std::string r = rangeText(*this);
            return quoted + (type == ConfigType::Bytes ? "expected a number of bytes" : "expected an integer") +
                   (r.empty() ? "" : " " + r);
        }
        return "";
    }
    case ConfigType::Bool:
    {
        bool b;
        return ConfigValue::parseBool(value, b) ? "" : quoted + "expected true or false";
    }
    case ConfigType::Listen:
    {
        std::string h;
        int p;
        if (ConfigValue::trim(value).empty() || ConfigValue::parseListen(value, h, p))
            return "";
        return quoted + "expected HOST:PORT, [IPV6]:PORT, :PORT or PORT";
    }
    case ConfigType::Level:
    {
        std::string l = Poco::toLower(ConfigValue::trim(value));
        if (l == "error" || l == "err" || l == "warning" || l == "warn" || l == "info" || l == "debug")
            return "";
        return quoted + "expected error, warning, info or debug";
    }
    case ConfigType::Enum:
        for (const auto& c : choices)
            if (Poco::icompare(c, ConfigValue::trim(value)) == 0)
                return "";
        return quoted + "expected one of " + joined(choices, ", ");
    }
    return "";
}

PluginConfig::PluginConfig(std::string section, std::map<std::string, std::string> values)
    : _section(std::move(section)), _values(std::move(values))
{
}

bool PluginConfig::has(const std::string& key) const
{
    return _values.count(key) > 0;
}

const std::string& PluginConfig::getString(const std::string& key) const
{
    auto it = _values.find(key);
    if (it == _values.end())
        throw Poco::NotFoundException("config key " + _section + "." + key);
    return it->second;
}

std::int64_t PluginConfig::getInt(const std::string& key) const
{
    std::int64_t v = 0;
    if (!ConfigValue::parseInt(getString(key), v))
        throw Poco::SyntaxException("config key " + _section + "." + key + " is not an integer");
    return v;
}

bool PluginConfig::getBool(const std::string& key) const
{
    bool b = false;
    if (!ConfigValue::parseBool(getString(key), b))
        throw Poco::SyntaxException("config key " + _section + "." + key + " is not a bool");
    return b;
}

std::vector<std::string> PluginConfig::getList(const std::string& key) const
{
    return ConfigValue::splitList(getString(key));
}

namespace ConfigValue
{

std::string trim(const std::string& v)
{
    return Poco::trim(v);
}

bool parseBool(const std::string& v, bool& out)
{
    std::string l = Poco::toLower(trim(v));
    if (l == "true" || l == "yes" || l == "on" || l == "1")
        out = true;
    else if (l == "false" || l == "no" || l == "off" || l == "0")
        out = false;
    else
        return false;
    return true;
}

bool parseInt(const std::string& v, std::int64_t& out)
{
    std::string t = trim(v);
    if (t.empty())
        return false;
    std::size_t i = (t[0] == '-' || t[0] == '+') ? 1 : 0;
    if (i == t.size())
        return false;
    for (std::size_t k = i; k < t.size(); ++k)
        if (!std::isdigit(static_cast<unsigned char>(t[k])))
            return false;
    try
    {
        out = std::stoll(t);
    }
    catch (...)
    {
        return false;
    }
    return true;
}

std::vector<std::string> splitList(const std::string& v, char sep)
{
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= v.size())
    {
        std::size_t end = v.find(sep, start);
        if (end == std::string::npos)
            end = v.size();
        std::string item = trim(v.substr(start, end - start));
        if (!item.empty())
            out.push_back(item);
        start = end + 1;
    }
    return out;
}

bool parseListen(const std::string& value, std::string& host, int& port)
{
    std::string v = trim(value);
    if (v.empty())
        return false;
    std::string h, p;
    if (v[0] == '[')
    {
        auto close = v.find(']');
        if (close == std::string::npos || close + 1 >= v.size() || v[close + 1] != ':')
            return false;
        h = v.substr(1, close - 1);
        p = v.substr(close + 2);
        if (h.empty())
            return false;
    }
    else
    {
        auto colon = v.rfind(':');
        if (colon == std::string::npos)
            p = v;
        else
        {
            h = v.substr(0, colon);
            p = v.substr(colon + 1);
            if (h.find(':') != std::string::npos)
                return false;
        }
    }
    std::int64_t n;
    if (!parseInt(p, n) || p[0] == '+' || p[0] == '-' || n < 0 || n > 65535)
        return false;
    host = h.empty() ? "0.0.0.0" : h;
    port = static_cast<int>(n);
    return true;
}

} // namespace ConfigValue
} // namespace Monlight
