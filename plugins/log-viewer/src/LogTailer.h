#pragma once

#include "Batcher.h"
#include "ContainerFilter.h"
#include "ContainerScanner.h"
#include "EntryAssembler.h"
#include "FollowedFile.h"
#include "InotifyWatch.h"
#include "LineSplitter.h"
#include "LogEntry.h"
#include "LogStore.h"
#include <Poco/Logger.h>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace Monlight
{
namespace LogViewer
{

/// The Docker log tailer (§3.6, §3.7, §3.13): discovers containers, follows their json-file logs with inotify
/// (InotifyWatch) and polling, reads each log as a FollowedFile (rotation, truncation), decodes and assembles
/// entries and hands them with byte-exact cursors to the Batcher. One thread: commits stay in flight on the
/// database writer while it reads on (Database::submit); batches are committed in order.
class LogTailer
{
public:
    struct Options
    {
        std::string sources = "/var/lib/docker/containers";
        std::vector<std::string> containers; ///< patterns of §3.6
        std::int64_t pollIntervalMs = 2000;
        std::int64_t rescanIntervalMs = 30000;
        std::int64_t tailBuffer = 65536;
        std::size_t maxLineBytes = 262144;
        std::size_t maxBatch = 1000;
        /// Rotated files `<log>.1` … `<log>.N` looked at for a rotation.
        int maxRotated = 32;
        EntryAssembler::Options assembler;
    };

    struct Hooks
    {
        /// Queues a batch for commit (Batcher::Hooks::submit); on failure the batch is submitted again.
        std::function<std::future<void>(std::shared_ptr<IngestBatch>, std::shared_ptr<WriteSequence>)> submit;
        /// After each committed batch, on the tailer's thread (pruning).
        std::function<void()> committed;
        /// Physical lines consumed.
        std::function<void(std::uint64_t)> linesConsumed;
        /// One invalid json-file line skipped.
        std::function<void()> invalidLine;
    };

    LogTailer(Options options, Hooks hooks, std::vector<LogStore::Cursor> cursors, Poco::Logger& logger);
    ~LogTailer();
    LogTailer(const LogTailer&) = delete;
    LogTailer& operator=(const LogTailer&) = delete;

    /// Initial scan, then starts the tailer thread.
    void start();
    /// Stops reading, stores pending multiline entries with their cursors, waits for the last commit.
    /// Idempotent.
    void stop();

    /// Containers currently tailed.
    std::size_t watchedCount() const { return _watchedCount.load(); }
    /// Names of the containers currently tailed.
    std::vector<std::string> watchedNames() const;
    /// Ids of the containers currently tailed.
    std::vector<std::string> watchedIds() const;
    /// The tailer thread running (health).
    bool alive() const { return _alive.load(); }
    /// Why the tailer is stuck (health): the reader made no progress, or a batch has not committed, for
    /// `stallMs` or longer. Nothing when it works.
    std::optional<std::string> stalled(std::int64_t stallMs) const;

private:
    struct Container
    {
        ContainerInfo info;
        FollowedFile file;
        LineSplitter splitter;
        std::unique_ptr<EntryAssembler> assembler;
        std::int64_t committedInode = -1;
        std::int64_t committedPos = -1;
        bool dirty = true;
    };

    void run();
    void discover(bool initial);
    void attach(const ContainerInfo& info, bool initial);
    void detach(const std::string& id);
    void readContainer(Container& c);
    bool readToEof(Container& c);
    void dispatch(Container& c, const PhysicalLine& line, std::int64_t now);
    void processLines(Container& c, std::int64_t now);
    void finishFile(Container& c, std::int64_t now);
    void takeReady(Container& c);
    void pushBatch();
    void flushAllPending();
    void handleInotify();
    void warnInvalid();
    void warnPath(const std::string& path, const std::string& why);
    void beat();
    void readRotated(Container& c, std::int64_t currentInode);
    void updateWatched();

    Options _opt;
    Hooks _hooks;
    ContainerFilter _filter;
    Poco::Logger& _logger;

    std::map<std::string, LogStore::Cursor> _cursors; // last committed (or loaded) per container id
    std::map<std::string, std::unique_ptr<Container>> _containers;
    Batcher _batcher;
    std::int64_t _nextPoll = 0, _nextRescan = 0;
    bool _rescanSoon = false;

    InotifyWatch _inotify;
    int _wake[2] = {-1, -1};

    std::int64_t _cycleMs = 0; // wall time at which the current read cycle's changes were seen
    std::int64_t _invalidWarnAt = 0;
    std::uint64_t _invalidSuppressed = 0;
    std::map<std::string, std::int64_t> _pathWarnAt; // path → steady ms before which it is not warned again

    std::atomic<std::int64_t> _beat{0}; // steady ms of the reader's last progress

    std::thread _thread;
    std::atomic<bool> _stop{false}, _alive{false}, _started{false};
    std::atomic<std::size_t> _watchedCount{0};
    mutable std::mutex _namesMutex;
    std::vector<std::string> _watchedNames, _watchedIds;
};

} // namespace LogViewer
} // namespace Monlight
