#pragma once

#include "Monlight/Plugin.h"
#include <Poco/ClassLoader.h>
#include <map>
#include <string_view>
#include <memory>
#include <string>
#include <vector>

namespace Monlight
{
namespace Host
{

/// A plugin library found, checked and instantiated.
struct LoadedPlugin
{
    std::string name;
    std::string path;
    Plugin* plugin = nullptr; ///< created once, never deleted (lives until the process exits)
    PluginInfo info;
    /// The plugin's embedded `sql/` and `web/` files (null when the library exports none).
    const std::map<std::string, std::string_view>* files = nullptr;
};

/// Finds `<name>.so` on the plugin path, checks the build signature before creating anything, creates the
/// plugin through Poco::ClassLoader and reads its info. Libraries are never unloaded.
class PluginLoader
{
public:
    PluginLoader();
    ~PluginLoader();

    /// First `<dir>/<name>.so` over `dirs`, or empty when absent.
    static std::string find(const std::string& name, const std::vector<std::string>& dirs);

    /// Loads the library at `path`. Throws StartupError 70 (`plugin error: <name>: ...`) for a dlopen failure,
    /// a missing manifest or signature, a signature mismatch, or a declared name that differs from `name`.
    LoadedPlugin load(const std::string& name, const std::string& path);

    /// Reads the signature symbol of a library without creating anything (for tests and diagnostics).
    static std::string signatureOf(const std::string& path);

    /// Orders plugins so that every plugin comes after its dependencies, keeping the given
    /// order otherwise. Throws StartupError 78 for a missing dependency and 70 for a cycle, naming both plugins.
    static std::vector<std::string> order(const std::vector<std::string>& names,
                                          const std::map<std::string, std::vector<std::string>>& deps);

private:
    std::unique_ptr<Poco::ClassLoader<Plugin>> _loader;
};

} // namespace Host
} // namespace Monlight
