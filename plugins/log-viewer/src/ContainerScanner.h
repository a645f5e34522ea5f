#pragma once

#include <optional>
#include <string>
#include <vector>

namespace Monlight
{
namespace LogViewer
{

/// A Docker container found under `log_sources` (§3.6).
struct ContainerInfo
{
    std::string id;      ///< directory name
    std::string name;    ///< `Name` of config.v2.json without the leading `/`
    std::string dir;     ///< `<log_sources>/<id>`
    std::string logPath; ///< `<dir>/<id>-json.log`
};

/// Container discovery on the Docker containers directory (§3.6).
class ContainerScanner
{
public:
    /// Every sub-directory with a readable, parsable config.v2.json and a `-json.log` file. Others are
    /// skipped (they are retried at the next scan). Never throws; a missing `sources` directory yields
    /// nothing.
    static std::vector<ContainerInfo> scan(const std::string& sources);

    /// The container name of `<dir>/config.v2.json` (at most 4 MiB read), or nothing.
    static std::optional<std::string> readName(const std::string& dir);
};

} // namespace LogViewer
} // namespace Monlight
