#pragma once

#include "ConfigResolver.h"
#include "PluginSet.h"
#include <map>
#include <string>

namespace Monlight
{
namespace Host
{

/// The checks made before anything is created (`--check-config` makes exactly these). Each adds its problems to
/// the resolver, one per key, so that every problem of a configuration is reported at once.
namespace StartupValidation
{

/// Resolves and validates the configuration of every plugin of `plugins` (schema, then the plugin's own
/// validateConfig()), in `host.plugins` order; an empty `log_level` takes `host.log_level`. Then reports unknown
/// keys and variables.
std::map<std::string, PluginConfig> resolvePlugins(ConfigResolver& resolver, const PluginConfig& host,
                                                   const PluginSet& plugins);

/// Duplicate listen addresses, and no listener at all unless `requireOne` is false.
void checkListeners(ConfigResolver& resolver, const PluginConfig& host, const std::vector<std::string>& order,
                    const std::map<std::string, PluginConfig>& configs, bool requireOne);

/// Every `host.trusted_proxies` entry is an IP or a CIDR.
void checkTrustedProxies(ConfigResolver& resolver, const PluginConfig& host);

/// `host.storage = postgresql` has a `host.postgresql_dsn` that libpq parses (libpq is loaded for it).
void checkStorage(ConfigResolver& resolver, const PluginConfig& host);

/// `host.data_dir` is a directory, or could be created. Otherwise returns the exit-73 line.
std::string checkDataDir(const PluginConfig& host);

} // namespace StartupValidation
} // namespace Host
} // namespace Monlight
