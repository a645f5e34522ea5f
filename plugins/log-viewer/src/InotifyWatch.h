#pragma once

#include <map>
#include <string>
#include <vector>

namespace Monlight
{
namespace LogViewer
{

/// The tailer's inotify instance (§3.7): a watch on the sources directory (containers appear and go) and one on
/// each container directory (its log changes, rotates, its config is rewritten). Without inotify the tailer
/// polls; every call is then a no-op.
class InotifyWatch
{
public:
    /// What a read() saw.
    struct Changes
    {
        bool rescan = false;             ///< containers may have appeared, gone or been renamed
        bool all = false;                ///< events were lost: every container may have changed
        std::vector<std::string> ids;    ///< container directories with events (not necessarily tailed yet)
    };

    InotifyWatch() = default;
    ~InotifyWatch();
    InotifyWatch(const InotifyWatch&) = delete;
    InotifyWatch& operator=(const InotifyWatch&) = delete;

    /// Creates the instance; false (and errno set) when inotify is unavailable.
    bool open();
    void close();
    /// The descriptor to poll for POLLIN (-1 when unavailable).
    int fd() const { return _fd; }

    /// Watches the sources directory (once; retried on every call until it succeeds).
    void watchSources(const std::string& dir);
    /// Watches container directory `dir` under `id` (once).
    void watchDir(const std::string& id, const std::string& dir);
    void unwatchDir(const std::string& id);

    /// Reads every pending event without blocking and adds what it means to `out`.
    void read(Changes& out);

private:
    int _fd = -1;
    int _sources = -1;
    std::map<int, std::string> _ids;   // wd -> container id
    std::map<std::string, int> _byId;  // container id -> wd
};

} // namespace LogViewer
} // namespace Monlight
