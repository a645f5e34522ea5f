#include "ConfigResolver.h"

#include "HostSchema.h"
#include <Poco/String.h>

extern char** environ;

namespace Monlight
{
namespace Host
{

ConfigResolver::ConfigResolver(Poco::AutoPtr<Poco::Util::AbstractConfiguration> file,
                               Poco::AutoPtr<Poco::Util::AbstractConfiguration> values,
                               std::map<std::string, std::string> env, std::string configPath)
    : _file(std::move(file)), _values(values ? std::move(values) : _file), _env(std::move(env)),
      _configPath(std::move(configPath))
{
}

std::map<std::string, std::string> ConfigResolver::processEnv()
{
    std::map<std::string, std::string> env;
    for (char** e = environ; e && *e; ++e)
    {
        std::string kv(*e);
        auto eq = kv.find('=');
        if (eq != std::string::npos)
            env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    return env;
}

std::string ConfigResolver::canonicalEnv(const std::string& section, const std::string& key)
{
    std::string s = "MONLIGHT_" + Poco::toUpper(section) + "_" + Poco::toUpper(key);
    for (auto& c : s)
        if (c == '-')
            c = '_';
    return s;
}

std::string ConfigResolver::envValue(const std::string& name) const
{
    auto it = _env.find(name);
    return it == _env.end() ? std::string() : it->second;
}

PluginConfig ConfigResolver::resolve(const std::string& section, const std::vector<ConfigKey>& schema,
                                     const std::string& envPrefix, const std::map<std::string, std::string>& ambiguous)
{
    std::map<std::string, std::string> values;
    for (const auto& key : schema)
    {
        const std::string full = section + "." + key.name;
        std::string value;
        bool found = false;
        std::string source;
        auto tryEnv = [&](const std::string& name) {
            if (found)
                return;
            std::string v = envValue(name);
            if (!v.empty())
            {
                value = v;
                found = true;
                source = "env " + name;
            }
        };
        tryEnv(canonicalEnv(section, key.name));
        if (!key.envName.empty())
        {
            if (section == "host")
                tryEnv(key.envName);
            else
            {
                if (!envPrefix.empty())
                    tryEnv(envPrefix + "_" + key.envName);
                if (!key.envPrefixedOnly && !found && !envValue(key.envName).empty())
                {
                    auto amb = ambiguous.find(key.envName);
                    if (amb != ambiguous.end())
                    {
                        if (_warnedAmbiguous.insert(key.envName).second)
                            _warnings.push_back(amb->second);
                    }
                    else
                        tryEnv(key.envName);
                }
            }
        }
        if (!found && _file && _file->hasProperty(full))
        {
            try
            {
                value = _values->getString(full);
            }
            catch (const Poco::Exception& e)
            {
                _problems.push_back({full, "cannot expand value: " + e.message()});
                continue;
            }
            if (value.find("${") != std::string::npos)
            {
                _problems.push_back({full, "unresolved reference in \"" + value + "\""});
                continue;
            }
            value = Poco::trim(value);
            found = !value.empty();
            source = "file";
        }
        if (!found)
            value = key.defaultValue;
        if (key.required && Poco::trim(value).empty())
        {
            std::string how = "set " + full + " in " + _configPath + ", or env " + canonicalEnv(section, key.name);
            if (!key.envName.empty() && section != "host")
                how += " or " + (envPrefix.empty() ? key.envName : envPrefix + "_" + key.envName);
            _problems.push_back({full, "required key is not set (" + how + ")"});
            continue;
        }
        if (!value.empty() || key.type == ConfigType::Int || key.type == ConfigType::Bytes ||
            key.type == ConfigType::Bool)
        {
            std::string reason = key.validate(value);
            if (!reason.empty())
            {
                _problems.push_back({full, reason});
                continue;
            }
        }
        if (key.secret && !value.empty())
        {
            bool placeholder = false;
            for (const auto& k : ConfigValue::splitList(value))
                placeholder = placeholder || k.rfind("change-me", 0) == 0;
            if (placeholder)
            {
                _problems.push_back({full, "placeholder value \"change-me-...\" must be replaced"});
                continue;
            }
            for (const auto& k : ConfigValue::splitList(value))
            {
                bool printable = k.size() <= 256;
                for (char c : k)
                    printable = printable && c >= 0x21 && c <= 0x7E;
                if (!printable)
                {
                    _problems.push_back({full, "invalid key: expected 1-256 printable ASCII characters"});
                    break;
                }
                if (k.size() < 16)
                    _warnings.push_back(full + ": a key shorter than 16 characters is easy to guess");
            }
        }
        values[key.name] = value;
    }
    return PluginConfig(section, std::move(values));
}

void ConfigResolver::collectFileKeys(const std::string& root, std::vector<std::string>& out) const
{
    Poco::Util::AbstractConfiguration::Keys keys;
    _file->keys(root, keys);
    for (const auto& k : keys)
    {
        std::string full = root.empty() ? k : root + "." + k;
        if (_file->hasProperty(full))
            out.push_back(full);
        Poco::Util::AbstractConfiguration::Keys sub;
        _file->keys(full, sub);
        if (!sub.empty())
            collectFileKeys(full, out);
    }
}

void ConfigResolver::checkUnknown(const std::map<std::string, std::vector<ConfigKey>>& schemas,
                                  const std::set<std::string>& quiet)
{
    if (_file)
    {
        std::vector<std::string> fileKeys;
        collectFileKeys("", fileKeys);
        std::set<std::string> warnedSections;
        for (const auto& full : fileKeys)
        {
            auto dot = full.find('.');
            std::string section = dot == std::string::npos ? full : full.substr(0, dot);
            std::string key = dot == std::string::npos ? "" : full.substr(dot + 1);
            auto it = schemas.find(section);
            if (it == schemas.end())
            {
                if (!quiet.count(section) && warnedSections.insert(section).second)
                    _warnings.push_back("keys of " + section + " ignored: plugin not loaded");
                continue;
            }
            bool known = false;
            for (const auto& k : it->second)
                known = known || k.name == key;
            if (!known)
                _problems.push_back({full, "unknown key"});
        }
    }
    std::set<std::string> canonical;
    for (const auto& [section, keys] : schemas)
        for (const auto& k : keys)
            canonical.insert(canonicalEnv(section, k.name));
    canonical.insert("MONLIGHT_TLS_MODULE"); // not a configuration key: read by the SDK (Monlight/Tls.h)
    for (const auto& [name, value] : _env)
        if (name.rfind("MONLIGHT_", 0) == 0 && !canonical.count(name))
            _warnings.push_back("env " + name + " ignored: unknown MONLIGHT_ variable");
}

} // namespace Host
} // namespace Monlight
