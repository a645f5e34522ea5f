#include "InotifyWatch.h"

#include <sys/inotify.h>
#include <unistd.h>

namespace Monlight
{
namespace LogViewer
{

InotifyWatch::~InotifyWatch()
{
    close();
}

bool InotifyWatch::open()
{
    if (_fd < 0)
        _fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    return _fd >= 0;
}

void InotifyWatch::close()
{
    if (_fd >= 0)
        ::close(_fd);
    _fd = -1;
    _sources = -1;
    _ids.clear();
    _byId.clear();
}

void InotifyWatch::watchSources(const std::string& dir)
{
    if (_fd >= 0 && _sources < 0)
        _sources = ::inotify_add_watch(_fd, dir.c_str(), IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ONLYDIR);
}

void InotifyWatch::watchDir(const std::string& id, const std::string& dir)
{
    if (_fd < 0 || _byId.count(id))
        return;
    int wd = ::inotify_add_watch(_fd, dir.c_str(),
                                 IN_DONT_FOLLOW | IN_ONLYDIR | IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
                                     IN_DELETE | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF);
    if (wd < 0)
        return;
    _ids[wd] = id;
    _byId[id] = wd;
}

void InotifyWatch::unwatchDir(const std::string& id)
{
    auto it = _byId.find(id);
    if (it == _byId.end())
        return;
    if (_fd >= 0)
        ::inotify_rm_watch(_fd, it->second);
    _ids.erase(it->second);
    _byId.erase(it);
}

void InotifyWatch::read(Changes& out)
{
    if (_fd < 0)
        return;
    alignas(struct inotify_event) char buf[16384];
    for (;;)
    {
        ssize_t n = ::read(_fd, buf, sizeof buf);
        if (n <= 0)
            break;
        for (char* p = buf; p < buf + n;)
        {
            auto* ev = reinterpret_cast<struct inotify_event*>(p);
            p += sizeof(struct inotify_event) + ev->len;
            if (ev->mask & IN_Q_OVERFLOW)
            {
                out.all = true;
                out.rescan = true;
                continue;
            }
            if (ev->wd == _sources)
            {
                out.rescan = true;
                continue;
            }
            auto w = _ids.find(ev->wd);
            if (ev->mask & IN_IGNORED)
            {
                if (w != _ids.end())
                {
                    _byId.erase(w->second);
                    _ids.erase(w);
                }
                out.rescan = true;
                continue;
            }
            if (w == _ids.end())
                continue;
            if ((ev->len && std::string(ev->name) == "config.v2.json") || (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)))
                out.rescan = true;
            if (out.ids.empty() || out.ids.back() != w->second)
                out.ids.push_back(w->second);
        }
    }
}

} // namespace LogViewer
} // namespace Monlight
