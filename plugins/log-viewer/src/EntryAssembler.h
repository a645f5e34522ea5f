#pragma once

#include "LevelDetector.h"
#include "LineDecoder.h"
#include "LogEntry.h"
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace Monlight
{
namespace LogViewer
{

/// Turns the decoded lines of one container file into entries (§3.8 partial records, §3.9 multiline), keeps
/// them in file order and knows the byte position that may be committed with them (§3.7 position semantics):
/// entries are released only up to the first one that is still pending, so the committed prefix of the file
/// is always contiguous and a restart at the cursor neither duplicates nor skips a line.
class EntryAssembler
{
public:
    struct Options
    {
        bool multiline = true;
        std::int64_t flushMs = 50;
        std::size_t maxEntryBytes = 1048576;
        std::size_t maxEntryLines = 1000;
        bool stripAnsi = true;
        Level stderrDefault = Level::Error;
    };

    EntryAssembler(std::string container, std::string containerId, Options options);

    /// A decoded json-file record read from bytes [start, end).
    void addRecord(DockerRecord record, std::int64_t start, std::int64_t end, std::int64_t nowMs);
    /// A raw chunk of an over-long line (stdout, ingest time, its own entry).
    void addRaw(std::string_view text, std::int64_t start, std::int64_t end, std::int64_t nowMs);
    /// Bytes [start, end) that produced nothing (an invalid line): only advances the position.
    void skip(std::int64_t start, std::int64_t end);

    /// Stores pending entries whose stream got no line for `flushMs` (and all of them when flushMs is 0).
    void flushIdle(std::int64_t nowMs);
    /// Stores every pending entry and joins unfinished partial records (rotation, shutdown).
    void flushAll(std::int64_t nowMs);

    /// Moves at most `max` entries that are ready (in file order) to `out`. Returns how many.
    std::size_t takeReady(std::vector<LogEntry>& out, std::size_t max = static_cast<std::size_t>(-1));
    /// The position to persist after takeReady(): start of the first unreleased entry, else the consumed end.
    std::int64_t safePosition() const;
    /// True when something is pending (flush timer needed).
    bool hasPending() const;
    /// Earliest time at which flushIdle() has work, or -1.
    std::int64_t nextFlushAt() const;

    /// Resets all state to an empty assembler positioned at `position`.
    void reset(std::int64_t position);

    void rename(const std::string& container) { _container = container; }
    const std::string& container() const { return _container; }

    /// §3.9 isContinuation; may set/clear `inTraceback` as described there.
    static bool isContinuation(std::string_view line, bool& inTraceback);
    /// True when `line` (trimmed) starts a Python traceback.
    static bool startsTraceback(std::string_view line);

private:
    struct Slot
    {
        bool done = false;
        bool isStderr = false;
        std::int64_t timestampMs = 0;
        std::string message;
        std::size_t lines = 0;
    };
    struct StreamState
    {
        bool hasPending = false;
        std::int64_t pendingStart = 0; // key of the pending slot
        bool inTraceback = false;
        std::int64_t lastLineMs = 0;
        bool hasPartial = false;
        std::int64_t partialStart = 0;
        std::int64_t partialTime = 0;
        std::string partial;
    };

    void addLine(std::string text, bool isStderr, std::int64_t timeMs, std::int64_t start,
                 std::int64_t nowMs);
    void completePending(StreamState& st);
    void completePartial(StreamState& st, std::int64_t nowMs);

    std::string _container;
    std::string _containerId;
    Options _opt;
    std::map<std::int64_t, Slot> _slots; // by start offset
    StreamState _streams[2];             // stdout, stderr
    std::int64_t _consumed = 0;
};

} // namespace LogViewer
} // namespace Monlight
