#include "PluginSet.h"

#include "HostSchema.h"
#include "Monlight/HttpError.h"
#include <Poco/Path.h>
#include <algorithm>
#include <functional>
#include <iostream>
#include <set>
#include <unistd.h>

namespace Monlight
{
namespace Host
{

bool validPluginName(const std::string& name)
{
    // ^[a-z][a-z0-9-]{1,31}$ without a regular expression: compiling one at startup mapped most of libpcre
    // (about 180 KiB of the idle host's RSS, PERFORMANCE.md P8).
    if (name.size() < 2 || name.size() > 32 || name == "host" || name[0] < 'a' || name[0] > 'z')
        return false;
    return std::all_of(name.begin() + 1, name.end(),
                       [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

std::vector<std::string> pluginDirs(const std::string& pluginPath, const std::string& configDir)
{
    std::vector<std::string> dirs;
    for (auto d : ConfigValue::splitList(pluginPath, ':'))
    {
        // $ORIGIN: the executable's directory, so an installed tree finds its own plugins wherever it lives.
        if (d.compare(0, 7, "$ORIGIN") == 0)
        {
            char exe[4096];
            ssize_t n = ::readlink("/proc/self/exe", exe, sizeof exe - 1);
            if (n > 0)
                d = Poco::Path(std::string(exe, static_cast<std::size_t>(n))).parent().toString() + d.substr(7);
        }
        Poco::Path p(d);
        dirs.push_back(p.isAbsolute() ? d : Poco::Path(Poco::Path(configDir).makeDirectory(), d).toString());
    }
    return dirs;
}

PluginSet PluginSet::load(PluginLoader& loader, const PluginConfig& host, const std::string& configDir,
                          ConfigResolver& resolver)
{
    PluginSet set;
    std::vector<std::string>& listed = set.listed;
    for (const auto& n : host.getList("plugins"))
    {
        if (!validPluginName(n))
            resolver.addProblem("host.plugins", "invalid plugin name \"" + n + "\"");
        else if (std::find(listed.begin(), listed.end(), n) != listed.end())
            resolver.addProblem("host.plugins", "plugin " + n + " listed twice");
        else
            listed.push_back(n);
    }
    const std::string pathValue = host.getString("plugin_path");
    const std::vector<std::string> dirs = pluginDirs(pathValue, configDir);
    std::set<std::string> seen;
    std::function<void(const std::string&, bool)> add = [&](const std::string& n, bool isListed) {
        if (!seen.insert(n).second)
            return;
        std::string file = PluginLoader::find(n, dirs);
        if (file.empty())
        {
            if (isListed)
                resolver.addProblem("host.plugins",
                                    "plugin " + n + " not found on host.plugin_path (" + pathValue + ")");
            return; // an unlisted dependency found nowhere is reported by PluginLoader::order()
        }
        try
        {
            set.loaded[n] = loader.load(n, file);
        }
        catch (const StartupError& e)
        {
            set.errors.push_back(e);
            return;
        }
        for (const auto& d : set.loaded[n].info.dependencies)
            if (validPluginName(d) && std::find(listed.begin(), listed.end(), d) == listed.end())
                add(d, false);
        set.order.push_back(n);
    };
    for (const auto& n : listed)
        add(n, true);

    std::map<std::string, std::vector<std::string>> deps;
    for (const auto& [n, lp] : set.loaded)
        deps[n] = lp.info.dependencies;
    try
    {
        set.initOrder = PluginLoader::order(set.order, deps);
    }
    catch (const StartupError& e)
    {
        if (e.exitCode() == 78)
            resolver.addProblem("host.plugins", e.message().substr(e.message().find(": ") + 2));
        else
            set.errors.push_back(e);
    }
    return set;
}

ConfigKey declaredListenKey(PluginLoader& loader, const std::string& name, const std::vector<std::string>& dirs)
{
    ConfigKey key = ConfigKey::listen("listen", "", "");
    std::string file = validPluginName(name) ? PluginLoader::find(name, dirs) : "";
    if (file.empty())
        return key;
    try
    {
        for (const auto& k : pluginSchema(loader.load(name, file).info))
            if (k.name == "listen")
                key = k;
    }
    catch (const StartupError& e)
    {
        std::cerr << "monlight-host: warning: " << e.line() << std::endl;
    }
    return key;
}

} // namespace Host
} // namespace Monlight
