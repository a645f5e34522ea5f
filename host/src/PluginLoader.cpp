#include "PluginLoader.h"

#include "Monlight/HttpError.h"
#include <Poco/File.h>
#include <Poco/Manifest.h>
#include <Poco/SharedLibrary.h>
#include <functional>
#include <set>

namespace Monlight
{
namespace Host
{

PluginLoader::PluginLoader() : _loader(std::make_unique<Poco::ClassLoader<Plugin>>()) {}

PluginLoader::~PluginLoader()
{
    // Plugin objects are never deleted: after shutdown() the process exits, and a plugin's destructor would run
    // code of a library that must stay loaded until then. Poco's ClassLoader would unload every library (and
    // delete nothing) in its destructor, so it is deliberately leaked.
    (void)_loader.release();
}

std::string PluginLoader::find(const std::string& name, const std::vector<std::string>& dirs)
{
    for (const auto& dir : dirs)
    {
        std::string path = dir + "/" + name + ".so";
        if (Poco::File(path).exists()) // stat(); false for any failure, never throws
            return path;
    }
    return {};
}

std::string PluginLoader::signatureOf(const std::string& path)
{
    Poco::SharedLibrary lib(path);
    if (!lib.hasSymbol("monlightPluginSignature"))
        return {};
    auto fn = reinterpret_cast<const char* (*)()>(lib.getSymbol("monlightPluginSignature"));
    return fn();
}

LoadedPlugin PluginLoader::load(const std::string& name, const std::string& path)
{
    std::string signature;
    using FilesFn = const std::map<std::string, std::string_view>* (*)();
    FilesFn filesFn = nullptr;
    try
    {
        // Opened first with plain dlopen: no plugin object is created before its signature is checked.
        Poco::SharedLibrary lib(path);
        if (!lib.hasSymbol("monlightPluginSignature") || !lib.hasSymbol("pocoBuildManifest"))
            throw StartupError(70, "plugin error", name,
                               "not a monlight plugin: " + path + " has no manifest (use MONLIGHT_PLUGIN)");
        auto fn = reinterpret_cast<const char* (*)()>(lib.getSymbol("monlightPluginSignature"));
        signature = fn();
        if (lib.hasSymbol("monlightEmbeddedFiles"))
            filesFn = reinterpret_cast<FilesFn>(lib.getSymbol("monlightEmbeddedFiles"));
    }
    catch (const StartupError&)
    {
        throw;
    }
    catch (const Poco::Exception& e)
    {
        throw StartupError(70, "plugin error", name, "cannot load " + path + ": " + e.message());
    }
    if (signature != MONLIGHT_BUILD_SIGNATURE)
        throw StartupError(70, "plugin error", name,
                           "not binary compatible: expected " + std::string(MONLIGHT_BUILD_SIGNATURE) + ", got " +
                               signature);
    LoadedPlugin lp;
    lp.name = name;
    lp.path = path;
    lp.files = filesFn ? filesFn() : nullptr;
    try
    {
        _loader->loadLibrary(path);
        const auto* manifest = _loader->findManifest(path);
        if (!manifest || manifest->size() != 1)
            throw StartupError(70, "plugin error", name, "the manifest must export exactly one plugin class");
        // Created through the manifest of this very library (class names may repeat across plugins).
        lp.plugin = manifest->begin()->create();
        lp.info = lp.plugin->info();
    }
    catch (const StartupError&)
    {
        throw;
    }
    catch (const Poco::Exception& e)
    {
        throw StartupError(70, "plugin error", name, "cannot load " + path + ": " + e.displayText());
    }
    catch (const std::exception& e)
    {
        throw StartupError(70, "plugin error", name, std::string("cannot create plugin: ") + e.what());
    }
    if (lp.info.name != name)
        throw StartupError(70, "plugin error", name,
                           "declares the name \"" + lp.info.name + "\"; the file must be named " + lp.info.name +
                               ".so");
    return lp;
}

std::vector<std::string> PluginLoader::order(const std::vector<std::string>& names,
                                             const std::map<std::string, std::vector<std::string>>& deps)
{
    std::set<std::string> present(names.begin(), names.end());
    for (const auto& n : names)
    {
        auto it = deps.find(n);
        if (it == deps.end())
            continue;
        for (const auto& d : it->second)
            if (!present.count(d))
                throw StartupError(78, "config error", "host.plugins",
                                   "plugin " + n + " depends on " + d + ", which is not loaded");
    }
    std::vector<std::string> out;
    std::map<std::string, int> state; // 0 new, 1 visiting, 2 done
    std::vector<std::string> stack;
    std::function<void(const std::string&)> visit = [&](const std::string& n) {
        if (state[n] == 2)
            return;
        if (state[n] == 1)
        {
            throw StartupError(70, "plugin error", n,
                               "dependency cycle between " + stack.back() + " and " + n);
        }
        state[n] = 1;
        stack.push_back(n);
        auto it = deps.find(n);
        if (it != deps.end())
            for (const auto& d : it->second)
                visit(d);
        stack.pop_back();
        state[n] = 2;
        out.push_back(n);
    };
    for (const auto& n : names)
        visit(n);
    return out;
}

} // namespace Host
} // namespace Monlight
