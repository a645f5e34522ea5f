#include "LogTailer.h"

#include "LineDecoder.h"
#include "Monlight/Time.h"
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

namespace Monlight
{
namespace LogViewer
{

namespace
{

constexpr std::size_t READ_CHUNK = 65536;
constexpr std::size_t MAX_QUEUED_BATCHES = 4;
constexpr std::int64_t COALESCE_MS = 10;

std::int64_t steadyMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

} // namespace

LogTailer::LogTailer(Options options, Hooks hooks, std::vector<LogStore::Cursor> cursors,
                     Poco::Logger& logger)
    : _opt(std::move(options)), _hooks(std::move(hooks)), _filter(_opt.containers), _logger(logger)
{
    for (auto& c : cursors)
    {
        std::string id = c.containerId;
        _cursors[id] = std::move(c);
    }
}

LogTailer::~LogTailer()
{
    stop();
}

void LogTailer::start()
{
    if (_started.exchange(true))
        return;
    if (::pipe2(_wake, O_CLOEXEC | O_NONBLOCK) != 0)
        _wake[0] = _wake[1] = -1;
    _inotify = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (_inotify < 0)
        _logger.warning("inotify unavailable (" + std::string(std::strerror(errno)) + "); polling every " +
                        std::to_string(_opt.pollIntervalMs) + " ms");
    discover(true);
    std::int64_t now = steadyMs();
    _nextPoll = now + _opt.pollIntervalMs;
    _nextRescan = now + _opt.rescanIntervalMs;
    beat();
    _alive = true;
    _committer = std::thread([this] { commitLoop(); });
    _thread = std::thread([this] { run(); });
}

void LogTailer::stop()
{
    if (!_started.load() || _stop.exchange(true))
        return;
    if (_wake[1] >= 0)
    {
        char b = 1;
        [[maybe_unused]] auto n = ::write(_wake[1], &b, 1);
    }
    if (_thread.joinable())
        _thread.join();
    if (_committer.joinable())
        _committer.join();
    _alive = false;
    for (auto& [id, c] : _containers)
    {
        if (c->fd >= 0)
            ::close(c->fd);
        c->fd = -1;
    }
    if (_inotify >= 0)
        ::close(_inotify);
    _inotify = -1;
    for (int& fd : _wake)
    {
        if (fd >= 0)
            ::close(fd);
        fd = -1;
    }
}

std::vector<std::string> LogTailer::watchedNames() const
{
    std::lock_guard<std::mutex> lock(_namesMutex);
    return _watchedNames;
}

std::vector<std::string> LogTailer::watchedIds() const
{
    std::lock_guard<std::mutex> lock(_namesMutex);
    return _watchedIds;
}

void LogTailer::updateWatched()
{
    std::vector<std::string> names, ids;
    for (const auto& [id, c] : _containers)
    {
        names.push_back(c->info.name);
        ids.push_back(id);
    }
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    std::lock_guard<std::mutex> lock(_namesMutex);
    _watchedNames = std::move(names);
    _watchedIds = std::move(ids);
    _watchedCount = _containers.size();
}

// ---------------------------------------------------------------------------------------------------------------
// Discovery

void LogTailer::watchDir(const std::string& id, const std::string& dir)
{
    if (_inotify < 0 || _watchByIds.count(id))
        return;
    int wd = ::inotify_add_watch(_inotify, dir.c_str(),
                                 IN_DONT_FOLLOW | IN_ONLYDIR | IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE |
                                     IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF);
    if (wd < 0)
        return;
    _watchIds[wd] = id;
    _watchByIds[id] = wd;
}

void LogTailer::unwatchDir(const std::string& id)
{
    auto it = _watchByIds.find(id);
    if (it == _watchByIds.end())
        return;
    if (_inotify >= 0)
        ::inotify_rm_watch(_inotify, it->second);
    _watchIds.erase(it->second);
    _watchByIds.erase(it);
}

void LogTailer::discover(bool initial)
{
    if (_inotify >= 0 && _sourcesWatch < 0)
    {
        _sourcesWatch = ::inotify_add_watch(_inotify, _opt.sources.c_str(),
                                            IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ONLYDIR);
    }
    std::vector<std::string> skipped;
    std::vector<ContainerInfo> found = ContainerScanner::scan(_opt.sources, &skipped);
    for (const auto& what : skipped)
        warnPath(what, "");
    std::map<std::string, const ContainerInfo*> byId;
    for (const auto& c : found)
        byId[c.id] = &c;

    // Gone or no longer selected.
    std::vector<std::string> gone;
    for (const auto& [id, c] : _containers)
    {
        auto it = byId.find(id);
        if (it == byId.end() || !_filter.watches(it->second->name))
            gone.push_back(id);
    }
    for (const auto& id : gone)
        detach(id);

    for (const auto& info : found)
    {
        bool selected = _filter.watches(info.name);
        auto it = _containers.find(info.id);
        if (it != _containers.end())
        {
            if (it->second->info.name != info.name)
            {
                it->second->info.name = info.name;
                it->second->assembler->rename(info.name);
            }
            continue;
        }
        if (selected)
            attach(info, initial);
        else
            unwatchDir(info.id);
    }

    // Directories not (yet) complete containers: watch them so their config/log creation triggers a scan.
    if (_inotify >= 0)
    {
        if (DIR* d = ::opendir(_opt.sources.c_str()))
        {
            while (dirent* ent = ::readdir(d))
            {
                std::string id = ent->d_name;
                if (id == "." || id == ".." || byId.count(id))
                    continue;
                std::string dir = _opt.sources + "/" + id;
                struct stat st;
                if (::lstat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
                    watchDir(id, dir);
            }
            ::closedir(d);
        }
    }
    updateWatched();
}

void LogTailer::attach(const ContainerInfo& info, bool initial)
{
    struct stat st;
    std::string why;
    int fd = ContainerScanner::openRegular(info.dir, info.id + "-json.log", st, why);
    if (fd < 0)
    {
        if (!why.empty())
            warnPath(info.logPath, why);
        return; // retried at the next scan
    }
    auto c = std::make_unique<Container>();
    c->info = info;
    c->splitter = LineSplitter(0, _opt.maxLineBytes);
    c->assembler = std::make_unique<EntryAssembler>(info.name, info.id, _opt.assembler);
    c->fd = fd;
    c->inode = static_cast<std::int64_t>(st.st_ino);
    std::int64_t size = static_cast<std::int64_t>(st.st_size);
    std::int64_t pos = 0;
    bool skip = false;

    auto byteBefore = [](int f, std::int64_t p)
    {
        char b = '\n';
        if (p > 0 && ::pread(f, &b, 1, p - 1) != 1)
            b = '\n';
        return b;
    };

    auto cur = _cursors.find(info.id);
    if (cur != _cursors.end())
    {
        const LogStore::Cursor& k = cur->second;
        c->committedInode = k.inode;
        c->committedPos = k.position;
        if (k.inode == c->inode)
            pos = k.position <= size ? k.position : 0;
        else
        {
            // Rotated while stopped: find the cursor's file among <log>.1 … <log>.N.
            int old = -1;
            struct stat ost;
            const std::string base = info.id + "-json.log.";
            for (int n = 1; n <= _opt.maxRotated && old < 0; ++n)
            {
                std::string owhy;
                int f = ContainerScanner::openRegular(info.dir, base + std::to_string(n), ost, owhy);
                if (f < 0)
                {
                    if (owhy.empty())
                        break; // numbering ends
                    continue;
                }
                if (static_cast<std::int64_t>(ost.st_ino) == k.inode)
                    old = f;
                else
                    ::close(f);
            }
            if (old >= 0)
            {
                // Finish the rotated file from the cursor; the rotation check then reads the newer rotated
                // files and opens the current one at 0.
                ::close(fd);
                c->fd = old;
                c->inode = k.inode;
                pos = k.position <= ost.st_size ? k.position : 0;
                fd = old;
            }
            else
            {
                _logger.warning("log file of " + info.name +
                                " rotated while stopped; some lines may be missing");
                pos = 0;
            }
        }
        bool midLine = pos > 0 && byteBefore(fd, pos) != '\n';
        c->splitter.reset(pos, midLine);
    }
    else
    {
        if (initial)
        {
            pos = LineSplitter::firstSightStart(size, _opt.tailBuffer);
            skip = LineSplitter::needsSkip(pos, byteBefore(fd, pos));
        }
        c->splitter.reset(pos);
        if (skip)
            c->splitter.skipToNextLine();
    }
    c->assembler->reset(pos);
    watchDir(info.id, info.dir);
    _logger.information("watching container " + info.name + " (" + info.id.substr(0, 12) + ") from byte " +
                        std::to_string(pos));
    _containers[info.id] = std::move(c);
}

void LogTailer::detach(const std::string& id)
{
    auto it = _containers.find(id);
    if (it == _containers.end())
        return;
    Container& c = *it->second;
    std::int64_t now = Time::nowMs();
    c.assembler->flushAll(now);
    takeReady(c);
    pushBatch(true); // commits the container's final cursor while it is still known
    if (c.fd >= 0)
        ::close(c.fd);
    unwatchDir(id);
    _logger.information("stopped watching container " + c.info.name);
    _containers.erase(it);
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

void LogTailer::takeReady(Container& c)
{
    while (c.assembler->takeReady(_batch.entries,
                                  _opt.maxBatch - std::min(_opt.maxBatch, _batch.entries.size())) > 0)
    {
        if (_batch.entries.size() >= _opt.maxBatch)
            pushBatch(false);
    }
}

void LogTailer::processLines(Container& c, std::int64_t now)
{
    PhysicalLine line;
    std::uint64_t lines = 0;
    while (c.splitter.next(line))
    {
        ++lines;
        if (line.raw)
            c.assembler->addRaw(line.text, line.start, line.end, now);
        else if (auto rec = LineDecoder::decode(line.text, now))
            c.assembler->addRecord(std::move(*rec), line.start, line.end, now);
        else
        {
            c.assembler->skip(line.start, line.end);
            if (_hooks.invalidLine)
                _hooks.invalidLine();
            warnInvalid();
        }
    }
    // Bytes the splitter consumed without handing out a line (the cut first line) still advance the position.
    c.assembler->skip(c.splitter.consumed(), c.splitter.consumed());
    if (lines && _hooks.linesConsumed)
        _hooks.linesConsumed(lines);
    takeReady(c);
}

bool LogTailer::readToEof(Container& c)
{
    char buf[READ_CHUNK];
    bool any = false;
    for (;;)
    {
        ssize_t n = ::pread(c.fd, buf, sizeof buf, c.splitter.appended());
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        any = true;
        beat();
        c.splitter.append(buf, static_cast<std::size_t>(n));
        processLines(c, _cycleMs > 0 ? _cycleMs : Time::nowMs());
        if (_stop.load())
            break;
    }
    return any;
}

void LogTailer::finishFile(Container& c, std::int64_t now)
{
    PhysicalLine line;
    if (c.splitter.finish(line))
    {
        if (line.raw)
            c.assembler->addRaw(line.text, line.start, line.end, now);
        else if (auto rec = LineDecoder::decode(line.text, now))
            c.assembler->addRecord(std::move(*rec), line.start, line.end, now);
        else
        {
            c.assembler->skip(line.start, line.end);
            if (_hooks.invalidLine)
                _hooks.invalidLine();
        }
        if (_hooks.linesConsumed)
            _hooks.linesConsumed(1);
    }
    c.assembler->flushAll(now);
    takeReady(c);
}

void LogTailer::readContainer(Container& c)
{
    c.dirty = false;
    for (int round = 0; round < 8 && !_stop.load(); ++round)
    {
        readToEof(c);
        struct stat path;
        if (::lstat(c.info.logPath.c_str(), &path) == 0 && static_cast<std::int64_t>(path.st_ino) != c.inode)
        {
            // Rotation: the old descriptor is read to its very end first (its last line counts as complete).
            readToEof(c);
            std::int64_t now = Time::nowMs();
            finishFile(c, now);
            // The new current file is opened before the rotated files are listed, so a rotation in between
            // shows it among them and nothing between the old and the new one is missed.
            struct stat st;
            std::string why;
            int fd = ContainerScanner::openRegular(c.info.dir, c.info.id + "-json.log", st, why);
            if (fd < 0)
            {
                if (!why.empty())
                    warnPath(c.info.logPath, why);
                return; // retried at the next change or poll
            }
            readRotated(c, static_cast<std::int64_t>(st.st_ino));
            ::close(c.fd);
            c.fd = fd;
            c.inode = static_cast<std::int64_t>(st.st_ino);
            c.splitter.reset(0);
            c.assembler->reset(0);
            _logger.debug("log file of " + c.info.name + " rotated");
            continue;
        }
        struct stat own;
        if (::fstat(c.fd, &own) == 0 && own.st_size < c.splitter.appended())
        {
            // Truncation: same file, shorter than what was read. Continue at 0.
            std::int64_t now = Time::nowMs();
            c.assembler->flushAll(now);
            takeReady(c);
            c.splitter.reset(0);
            c.assembler->reset(0);
            _logger.debug("log file of " + c.info.name + " truncated");
            continue;
        }
        break;
    }
}

void LogTailer::readRotated(Container& c, std::int64_t currentInode)
{
    // <log>.1 is the newest rotated file. Those newer than the one just finished (found by inode; all of them
    // when it is gone) and older than the new current file were never read: read them, oldest first.
    struct Rotated
    {
        int fd;
        std::int64_t inode;
        struct timespec mtime;
    };
    std::vector<Rotated> files; // .1, .2, ... (newest first)
    const std::string base = c.info.id + "-json.log.";
    for (int n = 1; n <= _opt.maxRotated; ++n)
    {
        struct stat st;
        std::string why;
        int fd = ContainerScanner::openRegular(c.info.dir, base + std::to_string(n), st, why);
        if (fd < 0)
        {
            if (why.empty())
                break; // numbering ends
            warnPath(c.info.dir + "/" + base + std::to_string(n), why);
            continue;
        }
        files.push_back({fd, static_cast<std::int64_t>(st.st_ino), st.st_mtim});
    }
    std::size_t end = files.size(); // first index not to read: the finished file or an older one
    for (std::size_t i = 0; i < files.size(); ++i)
    {
        if (files[i].inode == c.inode)
        {
            end = i;
            break;
        }
    }
    // When the finished file is gone (rotated beyond the kept count, or overwritten by the rename), every rotated
    // file is newer than it under Docker's scheme; as a guard, one last modified before it is not (re)read.
    struct stat own;
    bool finishedFound = end < files.size();
    bool haveOwn = !finishedFound && ::fstat(c.fd, &own) == 0;
    auto olderThanFinished = [&](const Rotated& r)
    {
        return haveOwn && (r.mtime.tv_sec < own.st_mtim.tv_sec ||
                           (r.mtime.tv_sec == own.st_mtim.tv_sec && r.mtime.tv_nsec < own.st_mtim.tv_nsec));
    };
    std::size_t begin = 0; // the new current file (and anything newer) when it was rotated meanwhile
    for (std::size_t i = 0; i < end; ++i)
    {
        if (files[i].inode == currentInode)
            begin = i + 1;
    }
    const int oldFd = c.fd;
    for (std::size_t i = end; i-- > begin && !_stop.load();)
    {
        if (olderThanFinished(files[i]))
            continue;
        c.fd = files[i].fd;
        c.inode = files[i].inode;
        c.splitter.reset(0);
        c.assembler->reset(0);
        _logger.debug("log file of " + c.info.name + " rotated twice or more: reading a rotated file");
        readToEof(c);
        finishFile(c, Time::nowMs());
    }
    c.fd = oldFd;
    for (auto& f : files)
        ::close(f.fd);
}

void LogTailer::warnPath(const std::string& path, const std::string& why)
{
    std::int64_t now = steadyMs();
    auto it = _pathWarnAt.find(path);
    if (it != _pathWarnAt.end() && now < it->second)
        return;
    if (_pathWarnAt.size() > 1000)
        _pathWarnAt.clear();
    _pathWarnAt[path] = now + 600000;
    _logger.warning("not tailing " + path + (why.empty() ? std::string() : ": " + why) +
                    " (warned again in 10 minutes at the earliest)");
}

void LogTailer::beat()
{
    _beat = steadyMs();
}

std::optional<std::string> LogTailer::stalled(std::int64_t stallMs) const
{
    if (!_alive.load())
        return std::nullopt;
    std::int64_t now = steadyMs();
    std::int64_t since = _commitSince.load();
    if (since > 0 && now - since >= stallMs)
        return "log batch not committed for " + std::to_string((now - since) / 1000) + " s (database stuck?)";
    std::int64_t beat = _beat.load();
    if (beat > 0 && now - beat >= stallMs)
        return "log tailer stalled for " + std::to_string((now - beat) / 1000) + " s";
    return std::nullopt;
}

void LogTailer::warnInvalid()
{
    std::int64_t now = steadyMs();
    if (now < _invalidWarnAt)
    {
        ++_invalidSuppressed;
        return;
    }
    if (_invalidSuppressed > 0)
        _logger.warning("invalid json-file line skipped (" + std::to_string(_invalidSuppressed) +
                        " similar warnings suppressed)");
    else
        _logger.warning("invalid json-file line skipped");
    _invalidSuppressed = 0;
    _invalidWarnAt = now + 60000;
}

// ---------------------------------------------------------------------------------------------------------------
// Batches

void LogTailer::pushBatch(bool force)
{
    std::int64_t now = Time::nowMs();
    for (auto& [id, c] : _containers)
    {
        std::int64_t pos = c->assembler->safePosition();
        if (pos == c->committedPos && c->inode == c->committedInode)
            continue;
        LogStore::Cursor k;
        k.containerId = id;
        k.containerName = c->info.name;
        k.filePath = c->info.logPath;
        k.inode = c->inode;
        k.position = pos;
        k.updatedAt = now;
        c->committedInode = c->inode;
        c->committedPos = pos;
        _cursors[id] = k;
        _batch.cursors.push_back(std::move(k));
    }
    if (_batch.entries.empty() && _batch.cursors.empty())
        return;
    (void)force;
    IngestBatch batch;
    std::swap(batch, _batch);
    std::unique_lock<std::mutex> lock(_queueMutex);
    _queueCv.wait(lock, [this] { return _queue.size() < MAX_QUEUED_BATCHES; });
    _queue.push_back(std::move(batch));
    _queueCv.notify_all();
}

void LogTailer::commitLoop()
{
    for (;;)
    {
        IngestBatch batch;
        {
            std::unique_lock<std::mutex> lock(_queueMutex);
            _queueCv.wait(lock, [this] { return !_queue.empty() || _producerDone; });
            if (_queue.empty())
                break;
            batch = std::move(_queue.front());
        }
        int attempts = 0;
        _commitSince = steadyMs();
        for (;;)
        {
            try
            {
                _hooks.commit(batch);
                break;
            }
            catch (const Poco::Exception& e)
            {
                ++attempts;
                if (attempts == 1 || attempts % 60 == 0)
                    _logger.error("log batch commit failed (retrying): " + e.displayText());
            }
            catch (const std::exception& e)
            {
                ++attempts;
                if (attempts == 1 || attempts % 60 == 0)
                    _logger.error("log batch commit failed (retrying): " + std::string(e.what()));
            }
            bool done;
            {
                std::lock_guard<std::mutex> lock(_queueMutex);
                done = _producerDone;
            }
            if (done && attempts >= 3)
                break; // shutting down and the database refuses: give up, the cursor is not advanced
            std::this_thread::sleep_for(std::chrono::milliseconds(done ? 200 : 1000));
        }
        _commitSince = 0;
        {
            std::lock_guard<std::mutex> lock(_queueMutex);
            _queue.pop_front();
        }
        _queueCv.notify_all();
    }
}

void LogTailer::flushAllPending()
{
    std::int64_t now = Time::nowMs();
    for (auto& [id, c] : _containers)
    {
        c->assembler->flushAll(now);
        takeReady(*c);
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Main loop

void LogTailer::handleInotify()
{
    alignas(struct inotify_event) char buf[16384];
    for (;;)
    {
        ssize_t n = ::read(_inotify, buf, sizeof buf);
        if (n <= 0)
            break;
        for (char* p = buf; p < buf + n;)
        {
            auto* ev = reinterpret_cast<struct inotify_event*>(p);
            p += sizeof(struct inotify_event) + ev->len;
            if (ev->mask & IN_Q_OVERFLOW)
            {
                for (auto& [id, c] : _containers)
                    c->dirty = true;
                _rescanSoon = true;
                continue;
            }
            if (ev->wd == _sourcesWatch)
            {
                _rescanSoon = true;
                continue;
            }
            if (ev->mask & IN_IGNORED)
            {
                auto w = _watchIds.find(ev->wd);
                if (w != _watchIds.end())
                {
                    _watchByIds.erase(w->second);
                    _watchIds.erase(w);
                }
                _rescanSoon = true;
                continue;
            }
            auto w = _watchIds.find(ev->wd);
            if (w == _watchIds.end())
                continue;
            auto c = _containers.find(w->second);
            if (c == _containers.end())
            {
                _rescanSoon = true; // an incomplete container directory got its files
                continue;
            }
            std::string name = ev->len ? std::string(ev->name) : std::string();
            if (name == "config.v2.json" || (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)))
                _rescanSoon = true;
            c->second->dirty = true;
        }
    }
}

void LogTailer::run()
{
    try
    {
        while (!_stop.load())
        {
            beat();
            std::int64_t now = steadyMs();
            std::int64_t wallNow = Time::nowMs();
            std::int64_t deadline = std::min(_nextPoll, _nextRescan);
            for (auto& [id, c] : _containers)
            {
                std::int64_t at = c->assembler->nextFlushAt();
                if (at >= 0)
                    deadline = std::min(deadline, now + std::max<std::int64_t>(0, at - wallNow));
            }
            int timeout = static_cast<int>(std::clamp<std::int64_t>(deadline - now, 0, 1000));
            struct pollfd fds[2];
            int nfds = 0;
            if (_inotify >= 0)
                fds[nfds++] = {_inotify, POLLIN, 0};
            if (_wake[0] >= 0)
                fds[nfds++] = {_wake[0], POLLIN, 0};
            int rc = ::poll(fds, static_cast<nfds_t>(nfds), timeout);
            if (_stop.load())
                break;
            // Lines read in this cycle count as arrived when the change was seen, so the coalescing delay is
            // part of their multiline flush window rather than added to it.
            _cycleMs = Time::nowMs();
            if (rc > 0 && _inotify >= 0 && (fds[0].revents & POLLIN))
            {
                // Coalesce bursts of events (§3.7: 10 ms).
                ::poll(nullptr, 0, static_cast<int>(COALESCE_MS));
                handleInotify();
            }
            now = steadyMs();
            if (_rescanSoon || now >= _nextRescan)
            {
                _rescanSoon = false;
                _nextRescan = now + _opt.rescanIntervalMs;
                discover(false);
            }
            if (now >= _nextPoll)
            {
                _nextPoll = now + _opt.pollIntervalMs;
                for (auto& [id, c] : _containers)
                    c->dirty = true;
            }
            for (auto& [id, c] : _containers)
            {
                if (c->dirty)
                    readContainer(*c);
            }
            wallNow = Time::nowMs();
            for (auto& [id, c] : _containers)
            {
                if (c->assembler->hasPending())
                {
                    c->assembler->flushIdle(wallNow);
                    takeReady(*c);
                }
            }
            pushBatch(false);
        }
        // Shutdown (§0.17 step 4): pending multiline entries are stored with their cursors.
        flushAllPending();
        pushBatch(true);
    }
    catch (const Poco::Exception& e)
    {
        _logger.error("log tailer stopped: " + e.displayText());
    }
    catch (const std::exception& e)
    {
        _logger.error("log tailer stopped: " + std::string(e.what()));
    }
    {
        std::lock_guard<std::mutex> lock(_queueMutex);
        _producerDone = true;
    }
    _queueCv.notify_all();
    if (!_stop.load())
        _alive = false;
}

} // namespace LogViewer
} // namespace Monlight
