// The common plugin: registers the auth, rate-limit and CORS services every other plugin relies on.
#include "KeyAuthenticator.h"
#include "OriginAllowList.h"
#include "RateLimiter.h"
#include "Monlight/Plugin.h"

namespace Monlight
{
namespace Common
{

class CommonPlugin : public Plugin
{
public:
    PluginInfo info() const override
    {
        PluginInfo i;
        i.name = "common";
        i.version = MONLIGHT_VERSION;
        i.description = "Authentication, rate limiting and CORS shared by every plugin";
        i.dependencies.clear(); // the provider of the services the SDK's default dependency stands for
        return i;
    }

    void initialize(PluginContext& context) override
    {
        _context = &context;
        context.services().add("auth", std::make_shared<KeyAuthenticator>());
        context.services().add("ratelimit", std::make_shared<RateLimiter>());
        context.services().add("cors", std::make_shared<CorsFactory>());
    }

    void shutdown() override
    {
        if (!_context)
            return;
        for (const char* name : {"cors", "ratelimit", "auth"})
            _context->services().remove(name);
        _context = nullptr;
    }

private:
    PluginContext* _context = nullptr;
};

} // namespace Common
} // namespace Monlight

MONLIGHT_PLUGIN(Monlight::Common::CommonPlugin)
