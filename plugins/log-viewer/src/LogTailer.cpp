#include "LogTailer.h"

#include "SteadyClock.h"
#include "LineDecoder.h"
#include "Monlight/Time.h"
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

namespace Monlight
{
namespace LogViewer
{

namespace
{

constexpr std::size_t READ_CHUNK = 65536;
constexpr std::size_t MAX_IN_FLIGHT = 4;        // batches committing while the tailer reads on
constexpr std::int64_t COLLECT_EVERY_MS = 20;   // how soon a commit in flight is noticed while idle
constexpr std::int64_t COALESCE_MS = 10;

} // namespace

LogTailer::LogTailer(Options options, Hooks hooks, std::vector<LogStore::Cursor> cursors,
                     Poco::Logger& logger)
    : _opt(std::move(options)), _hooks(std::move(hooks)), _filter(_opt.containers), _logger(logger),
      _batcher({_hooks.submit, _hooks.committed}, MAX_IN_FLIGHT, logger)
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
    if (!_inotify.open())
        _logger.warning("inotify unavailable (" + std::string(std::strerror(errno)) + "); polling every " +
                        std::to_string(_opt.pollIntervalMs) + " ms");
    discover(true);
    std::int64_t now = steadyMs();
    _nextPoll = now + _opt.pollIntervalMs;
    _nextRescan = now + _opt.rescanIntervalMs;
    beat();
    _alive = true;
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
    _alive = false;
    for (auto& [id, c] : _containers)
        c->file.close();
    _inotify.close();
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

void LogTailer::discover(bool initial)
{
    _inotify.watchSources(_opt.sources);
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
            _inotify.unwatchDir(info.id);
    }

    // Directories not (yet) complete containers: watch them so their config/log creation triggers a scan.
    if (_inotify.fd() >= 0)
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
                    _inotify.watchDir(id, dir);
            }
            ::closedir(d);
        }
    }
    updateWatched();
}

void LogTailer::attach(const ContainerInfo& info, bool initial)
{
    std::string why;
    std::int64_t size = 0;
    FollowedFile file = FollowedFile::open(info.dir, info.id + "-json.log", size, why);
    if (!file.valid())
    {
        if (!why.empty())
            warnPath(info.logPath, why);
        return; // retried at the next scan
    }
    auto c = std::make_unique<Container>();
    c->info = info;
    c->splitter = LineSplitter(0, _opt.maxLineBytes);
    c->assembler = std::make_unique<EntryAssembler>(info.name, info.id, _opt.assembler);
    c->file = std::move(file);
    std::int64_t pos = 0;
    bool skip = false;

    auto cur = _cursors.find(info.id);
    if (cur != _cursors.end())
    {
        const LogStore::Cursor& k = cur->second;
        c->committedInode = k.inode;
        c->committedPos = k.position;
        if (k.inode == c->file.inode())
            pos = k.position <= size ? k.position : 0;
        else
        {
            // Rotated while stopped: find the cursor's file among <log>.1 … <log>.N.
            FollowedFile old;
            std::int64_t oldSize = 0;
            const std::string base = info.id + "-json.log.";
            for (int n = 1; n <= _opt.maxRotated && !old.valid(); ++n)
            {
                std::string owhy;
                FollowedFile f = FollowedFile::open(info.dir, base + std::to_string(n), oldSize, owhy);
                if (!f.valid())
                {
                    if (owhy.empty())
                        break; // numbering ends
                    continue;
                }
                if (f.inode() == k.inode)
                    old = std::move(f);
            }
            if (old.valid())
            {
                // Finish the rotated file from the cursor; the rotation check then reads the newer rotated
                // files and opens the current one at 0.
                c->file = std::move(old);
                pos = k.position <= oldSize ? k.position : 0;
            }
            else
            {
                _logger.warning("log file of " + info.name +
                                " rotated while stopped; some lines may be missing");
                pos = 0;
            }
        }
        bool midLine = pos > 0 && c->file.byteBefore(pos) != '\n';
        c->splitter.reset(pos, midLine);
    }
    else
    {
        if (initial)
        {
            pos = LineSplitter::firstSightStart(size, _opt.tailBuffer);
            skip = LineSplitter::needsSkip(pos, c->file.byteBefore(pos));
        }
        c->splitter.reset(pos);
        if (skip)
            c->splitter.skipToNextLine();
    }
    c->assembler->reset(pos);
    _inotify.watchDir(info.id, info.dir);
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
    pushBatch(); // commits the container's final cursor while it is still known
    _inotify.unwatchDir(id);
    _logger.information("stopped watching container " + c.info.name);
    _containers.erase(it);
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

void LogTailer::takeReady(Container& c)
{
    std::vector<LogEntry>& entries = _batcher.current().entries;
    while (c.assembler->takeReady(entries, _opt.maxBatch - std::min(_opt.maxBatch, entries.size())) > 0)
    {
        if (entries.size() >= _opt.maxBatch)
            pushBatch();
    }
}

void LogTailer::dispatch(Container& c, const PhysicalLine& line, std::int64_t now)
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
        warnInvalid();
    }
}

void LogTailer::processLines(Container& c, std::int64_t now)
{
    PhysicalLine line;
    std::uint64_t lines = 0;
    while (c.splitter.next(line))
    {
        ++lines;
        dispatch(c, line, now);
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
        ssize_t n = c.file.readAt(buf, sizeof buf, c.splitter.appended());
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
        dispatch(c, line, now);
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
        if (c.file.replacedAt(c.info.logPath))
        {
            // Rotation: the old descriptor is read to its very end first (its last line counts as complete).
            readToEof(c);
            std::int64_t now = Time::nowMs();
            finishFile(c, now);
            // The new current file is opened before the rotated files are listed, so a rotation in between
            // shows it among them and nothing between the old and the new one is missed.
            std::string why;
            std::int64_t size = 0;
            FollowedFile current = FollowedFile::open(c.info.dir, c.info.id + "-json.log", size, why);
            if (!current.valid())
            {
                if (!why.empty())
                    warnPath(c.info.logPath, why);
                return; // retried at the next change or poll
            }
            readRotated(c, current.inode());
            c.file = std::move(current);
            c.splitter.reset(0);
            c.assembler->reset(0);
            _logger.debug("log file of " + c.info.name + " rotated");
            continue;
        }
        if (c.file.shrunkBelow(c.splitter.appended()))
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
    std::vector<FollowedFile> files; // .1, .2, ... (newest first)
    const std::string base = c.info.id + "-json.log.";
    for (int n = 1; n <= _opt.maxRotated; ++n)
    {
        std::string why;
        std::int64_t size = 0;
        FollowedFile f = FollowedFile::open(c.info.dir, base + std::to_string(n), size, why);
        if (!f.valid())
        {
            if (why.empty())
                break; // numbering ends
            warnPath(c.info.dir + "/" + base + std::to_string(n), why);
            continue;
        }
        files.push_back(std::move(f));
    }
    std::size_t end = files.size(); // first index not to read: the finished file or an older one
    for (std::size_t i = 0; i < files.size(); ++i)
    {
        if (files[i].inode() == c.file.inode())
        {
            end = i;
            break;
        }
    }
    // When the finished file is gone (rotated beyond the kept count, or overwritten by the rename), every rotated
    // file is newer than it under Docker's scheme; as a guard, one last modified before it is not (re)read.
    const bool finishedFound = end < files.size();
    std::size_t begin = 0; // the new current file (and anything newer) when it was rotated meanwhile
    for (std::size_t i = 0; i < end; ++i)
    {
        if (files[i].inode() == currentInode)
            begin = i + 1;
    }
    FollowedFile finished = std::move(c.file);
    for (std::size_t i = end; i-- > begin && !_stop.load();)
    {
        if (!finishedFound && files[i].modifiedBefore(finished))
            continue;
        c.file = std::move(files[i]);
        c.splitter.reset(0);
        c.assembler->reset(0);
        _logger.debug("log file of " + c.info.name + " rotated twice or more: reading a rotated file");
        readToEof(c);
        finishFile(c, Time::nowMs());
    }
    c.file = std::move(finished);
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
    std::int64_t since = _batcher.commitSince();
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

void LogTailer::pushBatch()
{
    std::int64_t now = Time::nowMs();
    IngestBatch& batch = _batcher.current();
    for (auto& [id, c] : _containers)
    {
        std::int64_t pos = c->assembler->safePosition();
        if (pos == c->committedPos && c->file.inode() == c->committedInode)
            continue;
        LogStore::Cursor k;
        k.containerId = id;
        k.containerName = c->info.name;
        k.filePath = c->info.logPath;
        k.inode = c->file.inode();
        k.position = pos;
        k.updatedAt = now;
        c->committedInode = c->file.inode();
        c->committedPos = pos;
        _cursors[id] = k;
        batch.cursors.push_back(std::move(k));
    }
    _batcher.push(_stop);
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
    InotifyWatch::Changes changes;
    _inotify.read(changes);
    if (changes.rescan)
        _rescanSoon = true;
    if (changes.all)
    {
        for (auto& [id, c] : _containers)
            c->dirty = true;
    }
    for (const auto& id : changes.ids)
    {
        auto c = _containers.find(id);
        if (c == _containers.end())
            _rescanSoon = true; // an incomplete container directory got its files
        else
            c->second->dirty = true;
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
            // Commits in flight are collected soon after they end (pruning, stall detection); a failed one is
            // submitted again when its retry is due.
            std::int64_t due = _batcher.nextDue();
            if (due >= 0)
                deadline = std::min(deadline, due == 0 ? now + COLLECT_EVERY_MS : due);
            int timeout = static_cast<int>(std::clamp<std::int64_t>(deadline - now, 0, 1000));
            struct pollfd fds[2];
            int nfds = 0;
            if (_inotify.fd() >= 0)
                fds[nfds++] = {_inotify.fd(), POLLIN, 0};
            if (_wake[0] >= 0)
                fds[nfds++] = {_wake[0], POLLIN, 0};
            int rc = ::poll(fds, static_cast<nfds_t>(nfds), timeout);
            if (_stop.load())
                break;
            // Lines read in this cycle count as arrived when the change was seen, so the coalescing delay is
            // part of their multiline flush window rather than added to it.
            _cycleMs = Time::nowMs();
            if (rc > 0 && _inotify.fd() >= 0 && (fds[0].revents & POLLIN))
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
            pushBatch();
            _batcher.collect();
        }
        // Shutdown (§0.17 step 4): pending multiline entries are stored with their cursors.
        flushAllPending();
        pushBatch();
    }
    catch (const Poco::Exception& e)
    {
        _logger.error("log tailer stopped: " + e.displayText());
    }
    catch (const std::exception& e)
    {
        _logger.error("log tailer stopped: " + std::string(e.what()));
    }
    try
    {
        _batcher.drain(); // batches handed over are committed before the tailer ends
    }
    catch (const std::exception& e)
    {
        _logger.error("log batches not committed at shutdown: " + std::string(e.what()));
    }
    if (!_stop.load())
        _alive = false;
}

} // namespace LogViewer
} // namespace Monlight
