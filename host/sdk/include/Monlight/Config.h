#pragma once

#include "Monlight/Version.h"
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace Monlight
{

enum class ConfigType
{
    String,
    Int,
    Bool,
    List,
    Bytes,
    Listen,
    Level,
    Enum
};

/// One declared configuration key: the single place its type, default, range and env name live. Values come from
/// `MONLIGHT_<SECTION>_<KEY>`, then `<PREFIX>_<ENV>`, then the bare `<ENV>` when unambiguous, then the file, then
/// the default (an empty environment variable counts as unset).
/// The schema feeds validation, `--help` and the docs.
struct MONLIGHT_API ConfigKey
{
    std::string name; ///< without the section prefix (`api_key`)
    ConfigType type = ConfigType::String;
    std::string defaultValue;
    std::string description;
    std::int64_t min = std::numeric_limits<std::int64_t>::min();
    std::int64_t max = std::numeric_limits<std::int64_t>::max();
    std::vector<std::string> choices; ///< for Enum (compared case-insensitively)
    bool required = false;
    bool secret = false;         ///< never logged; `change-me` values refused
    std::string envName;         ///< short env name (`API_KEY`), empty if none
    bool envPrefixedOnly = false; ///< only `<PREFIX>_<env>` applies, never the bare name

    static ConfigKey string(const std::string& name, const std::string& dflt, const std::string& description);
    static ConfigKey integer(const std::string& name, std::int64_t dflt, std::int64_t min, std::int64_t max,
                             const std::string& description);
    static ConfigKey boolean(const std::string& name, bool dflt, const std::string& description);
    static ConfigKey list(const std::string& name, const std::string& dflt, const std::string& description);
    static ConfigKey bytes(const std::string& name, std::int64_t dflt, std::int64_t min, std::int64_t max,
                           const std::string& description);
    static ConfigKey choice(const std::string& name, const std::string& dflt, std::vector<std::string> choices,
                            const std::string& description);
    static ConfigKey listen(const std::string& name, const std::string& dflt, const std::string& description);
    static ConfigKey level(const std::string& name, const std::string& dflt, const std::string& description);

    ConfigKey& env(const std::string& shortName)
    {
        envName = shortName;
        return *this;
    }
    ConfigKey& isRequired()
    {
        required = true;
        return *this;
    }
    ConfigKey& isSecret()
    {
        secret = true;
        return *this;
    }

    /// Checks `value` against type and range. Returns an empty string if valid, else the reason
    /// (`invalid value "abc": expected an integer from 1 to 168`).
    std::string validate(const std::string& value) const;
    /// Human description of the type for `--help` (`int 1-168`).
    std::string typeName() const;
};

/// The resolved, validated values of one section (`error-tracker.*`), keyed by short name. Getters parse values
/// that were validated at startup; an undeclared key throws Poco::NotFoundException.
class MONLIGHT_API PluginConfig
{
public:
    PluginConfig() = default;
    PluginConfig(std::string section, std::map<std::string, std::string> values);

    const std::string& section() const { return _section; }
    bool has(const std::string& key) const;
    const std::string& getString(const std::string& key) const;
    std::int64_t getInt(const std::string& key) const;
    bool getBool(const std::string& key) const;
    /// Comma-separated list: items trimmed, empty items dropped.
    std::vector<std::string> getList(const std::string& key) const;
    const std::map<std::string, std::string>& values() const { return _values; }

private:
    std::string _section;
    std::map<std::string, std::string> _values;
};

/// Parsing helpers shared by host and plugins.
namespace ConfigValue
{
MONLIGHT_API bool parseBool(const std::string& v, bool& out);
MONLIGHT_API bool parseInt(const std::string& v, std::int64_t& out);
MONLIGHT_API std::vector<std::string> splitList(const std::string& v, char sep = ',');
MONLIGHT_API std::string trim(const std::string& v);
/// Listen syntax: `HOST:PORT`, `[IPV6]:PORT`, `:PORT`, `PORT` (the last two mean `0.0.0.0:PORT`). Empty → false
/// with host/port untouched.
MONLIGHT_API bool parseListen(const std::string& v, std::string& host, int& port);
} // namespace ConfigValue

} // namespace Monlight
