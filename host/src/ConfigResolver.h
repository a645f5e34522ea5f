#pragma once

#include "Monlight/Config.h"
#include <Poco/AutoPtr.h>
#include <Poco/Util/AbstractConfiguration.h>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace Monlight
{
namespace Host
{

/// One configuration problem: the fully qualified key and the reason (§0.2 line format).
struct ConfigProblem
{
    std::string key;
    std::string reason;
};

/// Resolves each declared key from environment, properties file and default with the §1.2 precedence and
/// validates it (§1.3). Collects every problem instead of stopping at the first.
class ConfigResolver
{
public:
    /// `file` holds only the properties file (may be null: no config file); `values` is what values are read
    /// from, so that `${...}` references can reach other layers (`${system.env.X}`). `configPath` is for messages.
    ConfigResolver(Poco::AutoPtr<Poco::Util::AbstractConfiguration> file,
                   Poco::AutoPtr<Poco::Util::AbstractConfiguration> values, std::map<std::string, std::string> env,
                   std::string configPath);

    /// Resolves section `section` against `schema`. `envPrefix` enables rule 2 (`ERROR_TRACKER_`);
    /// `ambiguous` maps short env names that rule 3 must ignore to the warning to print (once each).
    PluginConfig resolve(const std::string& section, const std::vector<ConfigKey>& schema,
                         const std::string& envPrefix, const std::map<std::string, std::string>& ambiguous);

    /// Reports file keys under `host.` or a loaded section that no schema declares (error), keys of sections
    /// that are not loaded (warning), and unknown MONLIGHT_* variables (warning).
    /// Sections in `quiet` (listed plugins that failed to load) get no warning.
    void checkUnknown(const std::map<std::string, std::vector<ConfigKey>>& schemas,
                      const std::set<std::string>& quiet = {});

    void addProblem(const std::string& key, const std::string& reason) { _problems.push_back({key, reason}); }
    void addWarning(const std::string& text) { _warnings.push_back(text); }
    const std::vector<ConfigProblem>& problems() const { return _problems; }
    const std::vector<std::string>& warnings() const { return _warnings; }

    /// `MONLIGHT_` + section upper-cased (`-` → `_`) + `_` + key upper-cased.
    static std::string canonicalEnv(const std::string& section, const std::string& key);
    /// The process environment.
    static std::map<std::string, std::string> processEnv();

private:
    std::string envValue(const std::string& name) const;
    void collectFileKeys(const std::string& root, std::vector<std::string>& out) const;

    Poco::AutoPtr<Poco::Util::AbstractConfiguration> _file;
    Poco::AutoPtr<Poco::Util::AbstractConfiguration> _values;
    std::map<std::string, std::string> _env;
    std::string _configPath;
    std::vector<ConfigProblem> _problems;
    std::vector<std::string> _warnings;
    std::set<std::string> _warnedAmbiguous;
};

} // namespace Host
} // namespace Monlight
