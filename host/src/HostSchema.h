#pragma once

#include "Monlight/Config.h"
#include "Monlight/Plugin.h"
#include <vector>

namespace Monlight
{
namespace Host
{

/// The `host.*` keys (§1.4).
std::vector<ConfigKey> hostSchema();

/// The §1.5 keys every service plugin has, with the plugin's defaults.
std::vector<ConfigKey> serviceKeys(const ServiceDefaults& defaults);

/// Full schema of a plugin: its own keys plus the service keys when it is a service.
std::vector<ConfigKey> pluginSchema(const PluginInfo& info);


} // namespace Host
} // namespace Monlight
