#include "StartupValidation.h"

#include "Monlight/PgDatabase.h"

#include "HostSchema.h"
#include "TrustedProxies.h"
#include <Poco/Path.h>
#include <cerrno>
#include <cstring>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

namespace Monlight
{
namespace Host
{
namespace StartupValidation
{

namespace
{
/// A bare env name (`API_KEY`) declared by several loaded plugins is ignored, with a warning naming the prefixed
/// names to use instead.
std::map<std::string, std::string> ambiguousEnvNames(const PluginSet& plugins)
{
    std::map<std::string, std::vector<std::string>> owners;
    for (const auto& n : plugins.order)
        for (const auto& k : pluginSchema(plugins.loaded.at(n).info))
            if (!k.envName.empty() && !k.envPrefixedOnly)
                owners[k.envName].push_back(n);
    std::map<std::string, std::string> ambiguous;
    for (const auto& [env, ps] : owners)
    {
        if (ps.size() < 2)
            continue;
        std::string who, use;
        for (const auto& p : ps)
        {
            who += (who.empty() ? "" : ", ") + p;
            std::string prefix = plugins.loaded.at(p).info.defaults.envPrefix;
            use += (use.empty() ? "" : ", ") + (prefix.empty() ? p : prefix) + "_" + env;
        }
        ambiguous[env] = "env " + env + " ignored: ambiguous between " + who + "; use " + use;
    }
    return ambiguous;
}
} // namespace

std::map<std::string, PluginConfig> resolvePlugins(ConfigResolver& resolver, const PluginConfig& host,
                                                   const PluginSet& plugins)
{
    std::map<std::string, PluginConfig> configs;
    const auto ambiguous = ambiguousEnvNames(plugins);
    std::map<std::string, std::vector<ConfigKey>> schemas;
    schemas["host"] = hostSchema();
    std::string hostLevel = host.has("log_level") ? host.getString("log_level") : "info";
    for (const auto& n : plugins.order)
    {
        const auto& lp = plugins.loaded.at(n);
        auto schema = pluginSchema(lp.info);
        schemas[n] = schema;
        PluginConfig pc = resolver.resolve(n, schema, lp.info.defaults.envPrefix, ambiguous);
        auto values = pc.values();
        if (values.count("log_level") && values["log_level"].empty())
            values["log_level"] = hostLevel;
        pc = PluginConfig(n, values);
        std::vector<std::pair<std::string, std::string>> problems;
        try
        {
            lp.plugin->validateConfig(pc, plugins.order, problems);
        }
        catch (const std::exception& e)
        {
            problems.emplace_back("", std::string("validation failed: ") + e.what());
        }
        for (const auto& p : problems)
            resolver.addProblem(p.first.empty() ? n : n + "." + p.first, p.second);
        configs[n] = pc;
    }
    // Listed plugins that could not be loaded get no "keys ignored" warning (their error says enough).
    std::set<std::string> quiet(plugins.listed.begin(), plugins.listed.end());
    quiet.insert(plugins.order.begin(), plugins.order.end());
    resolver.checkUnknown(schemas, quiet);
    return configs;
}

void checkListeners(ConfigResolver& resolver, const PluginConfig& host, const std::vector<std::string>& order,
                    const std::map<std::string, PluginConfig>& configs, bool requireOne)
{
    std::map<std::string, std::string> byAddress;
    int listenerCount = 0;
    auto claim = [&](const std::string& key, const std::string& value) {
        if (value.empty())
            return;
        ++listenerCount; // an invalid value is reported on its own key, not again as "no listener"
        std::string h;
        int port;
        if (!ConfigValue::parseListen(value, h, port))
            return;
        std::string addr = h + ":" + std::to_string(port);
        auto it = byAddress.find(addr);
        if (it != byAddress.end() && port != 0)
            resolver.addProblem(key, "duplicate listener: " + value + " is also used by " + it->second);
        else
            byAddress[addr] = key;
    };
    if (host.has("listen"))
        claim("host.listen", host.getString("listen"));
    for (const auto& n : order)
    {
        auto it = configs.find(n);
        if (it != configs.end() && it->second.has("listen"))
            claim(n + ".listen", it->second.getString("listen"));
    }
    if (listenerCount == 0 && requireOne)
        resolver.addProblem("host.listen", "no listener configured (set host.listen or a plugin's listen)");
}

void checkTrustedProxies(ConfigResolver& resolver, const PluginConfig& host)
{
    if (!host.has("trusted_proxies"))
        return;
    try
    {
        TrustedProxies tp(host.getList("trusted_proxies"));
    }
    catch (const Poco::Exception& e)
    {
        resolver.addProblem("host.trusted_proxies", "invalid entry \"" + e.message() + "\": expected an IP or CIDR");
    }
}

void checkStorage(ConfigResolver& resolver, const PluginConfig& host)
{
    if (!host.has("storage") || host.getString("storage") != "postgresql")
        return;
    std::string dsn = host.has("postgresql_dsn") ? host.getString("postgresql_dsn") : "";
    if (dsn.empty())
    {
        resolver.addProblem("host.postgresql_dsn", "required when host.storage = postgresql");
        return;
    }
    std::string why = Pg::PgDatabase::checkDsn(dsn);
    if (!why.empty())
        resolver.addProblem("host.postgresql_dsn", why);
}

std::string checkDataDir(const PluginConfig& host)
{
    std::string dataDir = host.getString("data_dir");
    Poco::Path dp(dataDir);
    dp.makeAbsolute();
    std::string probe = dp.toString();
    while (true)
    {
        struct stat st;
        if (::stat(probe.c_str(), &st) == 0)
        {
            if (!S_ISDIR(st.st_mode))
                return "monlight-host: database error: " + dataDir + ": cannot create directory: " + probe +
                       " is not a directory";
            if (::access(probe.c_str(), W_OK | X_OK) != 0 && probe != dp.toString())
                return "monlight-host: database error: " + dataDir + ": cannot create directory: " +
                       std::strerror(errno);
            return "";
        }
        Poco::Path parent(probe);
        parent.makeParent();
        std::string next = parent.toString();
        if (next.size() > 1 && next.back() == '/')
            next.pop_back();
        if (next == probe || next.empty())
            return "";
        probe = next;
    }
}

} // namespace StartupValidation
} // namespace Host
} // namespace Monlight
