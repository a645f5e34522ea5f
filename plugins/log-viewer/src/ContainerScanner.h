#pragma once

#include <optional>
#include <sys/stat.h>
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
    /// Symbolic links are never followed (neither a container directory nor a log file may be one); a log path
    /// that is not a regular file is skipped and, with `skipped`, reported as "<path>: <reason>".
    static std::vector<ContainerInfo> scan(const std::string& sources,
                                           std::vector<std::string>* skipped = nullptr);

    /// The container name of `<dir>/config.v2.json` (at most 4 MiB read; a regular file, not a link), or
    /// nothing.
    static std::optional<std::string> readName(const std::string& dir);

    /// Opens `<dir>/<name>` for reading without following a link in either component and without blocking
    /// (O_NOFOLLOW|O_NONBLOCK); only a regular file is accepted. Returns the descriptor (with `st` filled), or
    /// -1 with `why` set ("" when the file does not exist).
    static int openRegular(const std::string& dir, const std::string& name, struct stat& st, std::string& why);
};

} // namespace LogViewer
} // namespace Monlight
