#pragma once

#include "ConfigResolver.h"
#include "HostRuntime.h"
#include "Listener.h"
#include "PluginLoader.h"
#include <Poco/Util/ServerApplication.h>
#include <memory>
#include <string>
#include <vector>

namespace Monlight
{
namespace Host
{

/// `monlight-host`: command line (§0.2), configuration (§1), plugin lifecycle, listeners and graceful
/// shutdown (§0.17).
class HostApplication : public Poco::Util::ServerApplication
{
public:
    /// Blocks the termination signals in every thread, parses options (bad usage → 64) and runs.
    static int run(int argc, char** argv);

    HostApplication();
    ~HostApplication() override;

protected:
    void defineOptions(Poco::Util::OptionSet& options) override;
    void handleOption(const std::string& name, const std::string& value) override;
    int main(const std::vector<std::string>& args) override;

private:
    enum class Mode
    {
        Serve,
        CheckConfig,
        Healthcheck,
        Version,
        Help
    };

    /// Everything resolved before anything is created: plugins loaded, config validated.
    struct Prepared
    {
        std::vector<LoadedPlugin> plugins; ///< initialization order
        std::vector<std::string> order;    ///< `host.plugins` order, unlisted dependencies before their dependents
        PluginConfig host;
        std::map<std::string, PluginConfig> configs;
    };

    int prepare(Prepared& out, bool forHelp);
    bool loadConfigFile(std::string& error);
    int healthcheck();
    int serve(Prepared& prepared);
    void printHelp();
    /// The one stop path, for SIGTERM/SIGINT (`graceful`) and for a start that failed half-way: plugins that
    /// started are told they are stopping, listeners stop accepting, in-flight requests get up to
    /// `host.shutdown_grace_seconds` (graceful only; a second signal skips the wait), listeners close, timers stop,
    /// initialized plugins shut down in reverse order and every database drains and closes. Bounded to 10 s.
    void stop(std::vector<std::unique_ptr<Listener>>& listeners, bool graceful);
    void fatal(const std::string& line);
    static std::string usage();

    Mode _mode = Mode::Serve;
    std::string _configPath = "/etc/monlight/monlight.properties";
    bool _explicitConfig = false;
    std::string _configDir;
    Poco::AutoPtr<Poco::Util::AbstractConfiguration> _file;
    Poco::AutoPtr<Poco::Util::AbstractConfiguration> _values;
    PluginLoader _loader;
    std::unique_ptr<HostRuntime> _runtime;
};

} // namespace Host
} // namespace Monlight
