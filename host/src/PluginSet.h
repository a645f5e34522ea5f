#pragma once

#include "ConfigResolver.h"
#include "PluginLoader.h"
#include "Monlight/HttpError.h"
#include <map>
#include <string>
#include <vector>

namespace Monlight
{
namespace Host
{

/// The plugins a configuration asks for, loaded and ordered. The host knows no plugin by name: it loads the
/// plugins listed in `host.plugins`, each preceded by the dependencies it declares that are not listed but are
/// found on the plugin path (recursively), and initializes them dependencies first.
struct PluginSet
{
    std::vector<std::string> listed;    ///< valid names of `host.plugins`, loaded or not
    std::map<std::string, LoadedPlugin> loaded;
    std::vector<std::string> order;     ///< `host.plugins` order, unlisted dependencies before their dependents
    std::vector<std::string> initOrder; ///< every plugin after its dependencies
    std::vector<StartupError> errors;   ///< plugins that could not be loaded, or a dependency cycle (exit 70)

    /// Loads and orders the plugins of `host` (`plugins`, `plugin_path`). Configuration problems (invalid or
    /// repeated names, a listed plugin or a dependency found nowhere) are added to `resolver` under
    /// `host.plugins`.
    static PluginSet load(PluginLoader& loader, const PluginConfig& host, const std::string& configDir,
                          ConfigResolver& resolver);
};

/// `[a-z][a-z0-9-]{1,31}` and not `host`.
bool validPluginName(const std::string& name);

/// `plugin_path` as absolute directories: `$ORIGIN` is the directory of the executable, relative entries are
/// relative to `configDir`.
std::vector<std::string> pluginDirs(const std::string& pluginPath, const std::string& configDir);

/// The `listen` key plugin `name` declares (with its default), or an empty-default one when the plugin is not
/// found or cannot be loaded (the reason is written to stderr as a warning).
ConfigKey declaredListenKey(PluginLoader& loader, const std::string& name, const std::vector<std::string>& dirs);

} // namespace Host
} // namespace Monlight
