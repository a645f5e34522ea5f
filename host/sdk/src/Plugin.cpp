#include "Monlight/Plugin.h"

namespace Monlight
{

PluginContext::~PluginContext() = default;
Plugin::~Plugin() = default;

void Plugin::validateConfig(const PluginConfig&, const std::vector<std::string>&,
                            std::vector<std::pair<std::string, std::string>>&) const
{
}

void Plugin::start() {}

void Plugin::stopping() {}

Health Plugin::health(Json::Writer&)
{
    return {};
}

} // namespace Monlight
