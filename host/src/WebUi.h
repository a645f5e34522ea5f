#pragma once

#include "HostRuntime.h"
#include <map>
#include <string>
#include <string_view>

namespace Monlight
{
namespace Host
{

/// Serves a plugin's embedded `web/` files as its UI (§6.1): `web/index.html` at `/`, `web/static/*` at
/// `/static/*` with ETag/304 and a day of caching, and the extra pages listed in `web/routes.txt`
/// (`<pattern> <file>` per line). `__ASSET_VERSION__` in HTML becomes a hash of the assets.
class WebUi
{
public:
    /// Adds the UI routes to `plugin`; does nothing when the files hold no `web/index.html`. The host's own
    /// `host/web/static/*` files (shared UI code) are served too, unless the plugin has a file of the same name.
    static void mount(PluginRuntime& plugin, const std::map<std::string, std::string_view>& files);
    /// Content type for a file name by extension.
    static std::string contentType(const std::string& name);
};

} // namespace Host
} // namespace Monlight
