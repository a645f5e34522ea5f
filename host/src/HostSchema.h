#pragma once

#include "Monlight/Config.h"
#include "Monlight/Plugin.h"
#include <vector>

namespace Monlight
{
namespace Host
{

/// The `host.*` keys (§1.4).
/// Default workers of a plugin's listener (`<plugin>.max_threads`) and of the combined one (`host.max_threads`).
/// Poco 1.11 gives every open connection its own worker, so this is also how many keep-alive clients (SDK
/// connection pools, browsers, wrk) a listener serves at once before connections queue and start taking turns.
constexpr int LISTENER_THREADS = 32;
constexpr int COMBINED_LISTENER_THREADS = 64;

std::vector<ConfigKey> hostSchema();

/// The §1.5 keys every service plugin has, with the plugin's defaults.
std::vector<ConfigKey> serviceKeys(const ServiceDefaults& defaults);

/// Full schema of a plugin: its own keys plus the service keys when it is a service.
std::vector<ConfigKey> pluginSchema(const PluginInfo& info);


} // namespace Host
} // namespace Monlight
