#include "EntryAssembler.h"

#include <algorithm>

namespace Monlight
{
namespace LogViewer
{

namespace
{

std::string_view trimmed(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

bool startsWith(std::string_view s, std::string_view prefix)
{
    return s.substr(0, prefix.size()) == prefix;
}

} // namespace

EntryAssembler::EntryAssembler(std::string container, std::string containerId, Options options)
    : _container(std::move(container)), _containerId(std::move(containerId)), _opt(options)
{
}

bool EntryAssembler::startsTraceback(std::string_view line)
{
    return startsWith(trimmed(line), "Traceback (most recent call last)");
}

bool EntryAssembler::isContinuation(std::string_view line, bool& inTraceback)
{
    std::string_view t = trimmed(line);
    if (t.empty())
        return true;
    if (line.front() == ' ' || line.front() == '\t')
        return true;
    if (startsWith(t, "Traceback (most recent call last)"))
    {
        inTraceback = true;
        return true;
    }
    if (line == "During handling of the above exception, another exception occurred:" ||
        line == "The above exception was the direct cause of the following exception:")
    {
        inTraceback = true;
        return true;
    }
    if (startsWith(line, "Caused by:") || startsWith(line, "Suppressed:"))
        return true;
    if (inTraceback)
    {
        inTraceback = false;
        return true;
    }
    return false;
}

void EntryAssembler::addRecord(DockerRecord record, std::int64_t start, std::int64_t end, std::int64_t nowMs)
{
    _consumed = std::max(_consumed, end);
    StreamState& st = _streams[record.isStderr ? 1 : 0];
    bool partial = LineDecoder::isPartial(record);
    if (!st.hasPartial && !partial)
    {
        addLine(LineDecoder::cleanText(record.log, _opt.stripAnsi), record.isStderr, record.timeMs, start,
                nowMs);
        return;
    }
    if (!st.hasPartial)
    {
        st.hasPartial = true;
        st.partialStart = start;
        st.partialTime = record.timeMs;
        st.partial.clear();
    }
    st.partial += record.log;
    st.lastLineMs = nowMs;
    if (!partial || st.partial.size() >= _opt.maxEntryBytes)
        completePartial(st, nowMs);
}

void EntryAssembler::completePartial(StreamState& st, std::int64_t nowMs)
{
    if (!st.hasPartial)
        return;
    st.hasPartial = false;
    std::string text = LineDecoder::cleanText(st.partial, _opt.stripAnsi);
    st.partial.clear();
    st.partial.shrink_to_fit();
    addLine(std::move(text), &st == &_streams[1], st.partialTime, st.partialStart, nowMs);
}

void EntryAssembler::addRaw(std::string_view text, std::int64_t start, std::int64_t end, std::int64_t nowMs)
{
    _consumed = std::max(_consumed, end);
    StreamState& st = _streams[0];
    if (st.hasPending)
        completePending(st);
    if (text.empty())
        return;
    Slot slot;
    slot.done = true;
    slot.timestampMs = nowMs;
    slot.message = LineDecoder::cleanText(text, _opt.stripAnsi);
    slot.lines = 1;
    _slots[start] = std::move(slot);
}

void EntryAssembler::skip(std::int64_t, std::int64_t end)
{
    _consumed = std::max(_consumed, end);
}

void EntryAssembler::addLine(std::string text, bool isStderr, std::int64_t timeMs, std::int64_t start,
                             std::int64_t nowMs)
{
    StreamState& st = _streams[isStderr ? 1 : 0];
    st.lastLineMs = nowMs;
    if (text.size() > _opt.maxEntryBytes)
        text.resize(LineDecoder::utf8Cut(text, _opt.maxEntryBytes));
    if (_opt.multiline && st.hasPending)
    {
        Slot& pending = _slots[st.pendingStart];
        bool inTb = st.inTraceback;
        if (isContinuation(text, inTb) && pending.message.size() + 1 + text.size() <= _opt.maxEntryBytes)
        {
            st.inTraceback = inTb;
            pending.message += '\n';
            pending.message += text;
            ++pending.lines;
            if (pending.lines >= _opt.maxEntryLines || pending.message.size() >= _opt.maxEntryBytes)
                completePending(st);
            return;
        }
    }
    if (st.hasPending)
        completePending(st);
    Slot slot;
    slot.isStderr = isStderr;
    slot.timestampMs = timeMs;
    slot.lines = 1;
    if (!_opt.multiline)
    {
        slot.message = std::move(text);
        slot.done = true;
        _slots[start] = std::move(slot);
        return;
    }
    st.inTraceback = startsTraceback(text);
    slot.message = std::move(text);
    _slots[start] = std::move(slot);
    st.hasPending = true;
    st.pendingStart = start;
}

void EntryAssembler::completePending(StreamState& st)
{
    if (!st.hasPending)
        return;
    st.hasPending = false;
    st.inTraceback = false;
    auto it = _slots.find(st.pendingStart);
    if (it != _slots.end())
        it->second.done = true;
}

void EntryAssembler::flushIdle(std::int64_t nowMs)
{
    for (auto& st : _streams)
    {
        if (st.hasPartial && nowMs - st.lastLineMs >= _opt.flushMs)
            completePartial(st, nowMs);
        if (st.hasPending && nowMs - st.lastLineMs >= _opt.flushMs)
            completePending(st);
    }
}

void EntryAssembler::flushAll(std::int64_t nowMs)
{
    for (auto& st : _streams)
    {
        completePartial(st, nowMs);
        completePending(st);
    }
}

std::size_t EntryAssembler::takeReady(std::vector<LogEntry>& out, std::size_t max)
{
    std::int64_t limit = _consumed + 1;
    for (const auto& st : _streams)
    {
        if (st.hasPartial)
            limit = std::min(limit, st.partialStart);
    }
    std::size_t n = 0;
    auto it = _slots.begin();
    while (n < max && it != _slots.end() && it->second.done && it->first < limit)
    {
        LogEntry e;
        e.timestampMs = it->second.timestampMs;
        e.container = _container;
        e.containerId = _containerId;
        e.isStderr = it->second.isStderr;
        e.level = LevelDetector::detect(it->second.message, e.isStderr, _opt.stderrDefault);
        e.message = std::move(it->second.message);
        out.push_back(std::move(e));
        it = _slots.erase(it);
        ++n;
    }
    return n;
}

std::int64_t EntryAssembler::safePosition() const
{
    std::int64_t pos = _consumed;
    if (!_slots.empty())
        pos = std::min(pos, _slots.begin()->first);
    for (const auto& st : _streams)
    {
        if (st.hasPartial)
            pos = std::min(pos, st.partialStart);
    }
    return pos;
}

bool EntryAssembler::hasPending() const
{
    return _streams[0].hasPending || _streams[1].hasPending || _streams[0].hasPartial ||
           _streams[1].hasPartial;
}

std::int64_t EntryAssembler::nextFlushAt() const
{
    std::int64_t at = -1;
    for (const auto& st : _streams)
    {
        if (st.hasPending || st.hasPartial)
        {
            std::int64_t t = st.lastLineMs + _opt.flushMs;
            if (at < 0 || t < at)
                at = t;
        }
    }
    return at;
}

void EntryAssembler::reset(std::int64_t position)
{
    _slots.clear();
    for (auto& st : _streams)
        st = StreamState();
    _consumed = position;
}

} // namespace LogViewer
} // namespace Monlight
