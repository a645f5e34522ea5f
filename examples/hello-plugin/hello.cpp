// hello: the smallest useful Monlight plugin. It has its own listener (`hello.listen`), an API key
// (`hello.api_key`, env MONLIGHT_HELLO_API_KEY or HELLO_API_KEY) and one route:
//   GET /api/hello[?name=...]  (X-API-Key)  → {"hello":"<name>","greeting":"<hello.greeting>"}
// `GET /health` and `GET /metrics` are provided by the host, and so is the page in web/ (embedded by
// monlight_add_external_plugin, like sql/ migrations, which PluginContext::openDatabase() would apply).
#include "Monlight/Json.h"
#include "Monlight/Plugin.h"

namespace
{

class HelloPlugin : public Monlight::Plugin
{
public:
    Monlight::PluginInfo info() const override
    {
        Monlight::PluginInfo i;
        i.name = "hello";
        i.version = "1.0.0";
        i.description = "Example drop-in plugin: greets API clients";
        i.service = true;
        i.defaults.listen = ""; // reachable on the combined listener unless hello.listen is set
        i.defaults.databasePath = "hello.db";
        i.defaults.maxBodySize = 4096;
        i.defaults.rateLimit = 60;
        i.defaults.envPrefix = "HELLO";
        i.config.push_back(Monlight::ConfigKey::string("api_key", "", "API key(s) of the hello plugin")
                               .isRequired()
                               .isSecret()
                               .env("API_KEY"));
        i.config.push_back(Monlight::ConfigKey::string("greeting", "Hello", "Greeting returned by /api/hello"));
        return i;
    }

    void initialize(Monlight::PluginContext& ctx) override
    {
        std::string greeting = ctx.config().getString("greeting");
        // One statement per route: method, path, who may call it, then the handler. API-key routes are limited
        // per key by `hello.rate_limit` and bodies by `hello.max_body_size` unless the route says otherwise.
        ctx.router().add(Monlight::Route::get("/api/hello")
                             .auth(Monlight::AuthPolicy::ApiKey)
                             .handle([greeting](Monlight::Request& req, Monlight::Response& resp) {
                                 std::string name = req.query().get("name").value_or("world");
                                 Monlight::Json::Writer w;
                                 w.beginObject().field("hello", name).field("greeting", greeting).endObject();
                                 resp.json(200, w.str());
                             }));
        ctx.logger().information("hello plugin ready");
    }

    void shutdown() override {}
};

} // namespace

MONLIGHT_PLUGIN(HelloPlugin)
