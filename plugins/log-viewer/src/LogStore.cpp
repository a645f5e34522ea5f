#include "LogStore.h"

#include "Monlight/HttpError.h"
#include "Monlight/Json.h"
#include "Monlight/Sql.h"
#include <algorithm>
#include <map>
#include <string_view>
#include <variant>

namespace Monlight
{
namespace LogViewer
{

namespace
{

using Bind = std::variant<std::int64_t, std::string>;

const char* const SELECT_COLUMNS =
    "e.id, e.timestamp, e.container, e.container_id, e.stream, e.level, e.message, e.trace_id, e.attributes";

void bindAll(Sql::Statement& st, const std::vector<Bind>& binds)
{
    int i = 1;
    for (const auto& b : binds)
    {
        if (std::holds_alternative<std::int64_t>(b))
            st.bind(i++, std::get<std::int64_t>(b));
        else
            st.bind(i++, std::get<std::string>(b));
    }
}

/// An empty text is stored as NULL.
std::optional<std::string_view> nullIfEmpty(const std::string& s)
{
    if (s.empty())
        return std::nullopt;
    return std::string_view(s);
}

/// Appends the container/level/stream/contains/time conditions (without the FTS MATCH).
void appendConditions(const LogFilter& f, std::string& where, std::vector<Bind>& binds)
{
    auto add = [&where](const std::string& cond)
    {
        where += where.empty() ? " WHERE " : " AND ";
        where += cond;
    };
    // Lists are bound as one JSON array parameter: the statement text does not depend on their length, so the
    // per-connection statement cache holds at most one text per combination of present conditions.
    if (!f.containers.empty())
    {
        Json::Writer w;
        w.beginArray();
        for (const auto& name : f.containers)
            w.value(name);
        w.endArray();
        add("e.container IN (SELECT value FROM json_each(?))");
        binds.emplace_back(w.take());
    }
    if (!f.levels.empty())
    {
        Json::Writer w;
        w.beginArray();
        for (auto l : f.levels)
            w.value(LevelDetector::name(l));
        w.endArray();
        add("e.level IN (SELECT value FROM json_each(?))");
        binds.emplace_back(w.take());
    }
    if (f.isStderr)
    {
        add("e.stream = ?");
        binds.emplace_back(std::string(*f.isStderr ? "stderr" : "stdout"));
    }
    if (f.contains && !f.contains->empty())
    {
        add("instr(lower(e.message), ?) > 0");
        binds.emplace_back(*f.contains);
    }
    if (f.traceId)
    {
        add("e.trace_id = ?");
        binds.emplace_back(*f.traceId);
    }
    if (f.host)
    {
        std::string hex = *f.host;
        bool isHex = hex.size() >= 8 && hex.size() <= 64;
        for (auto& ch : hex)
        {
            if (ch >= 'A' && ch <= 'F')
                ch = static_cast<char>(ch - 'A' + 'a');
            isHex = isHex && ((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f'));
        }
        if (isHex)
        {
            add("(e.container = ? OR substr(e.container_id, 1, ?) = ?)");
            binds.emplace_back(*f.host);
            binds.emplace_back(static_cast<std::int64_t>(hex.size()));
            binds.emplace_back(hex);
        }
        else
        {
            add("e.container = ?");
            binds.emplace_back(*f.host);
        }
    }
    if (f.fromApi)
    {
        add("(substr(e.container_id, 1, 4) = 'api:') = ?");
        binds.emplace_back(std::int64_t(*f.fromApi ? 1 : 0));
    }
    if (f.since)
    {
        add("e.timestamp >= ?");
        binds.emplace_back(*f.since);
    }
    if (f.until)
    {
        add("e.timestamp <= ?");
        binds.emplace_back(*f.until);
    }
}

/// The FROM clause of a filtered query, and its WHERE conditions appended to `where` and `binds`: the FTS table
/// joined to the entries when the filter has a MATCH expression, the entries alone otherwise.
/// With `ftsDrives` the FTS table is the outer loop (a CROSS JOIN keeps SQLite from reordering it).
std::string fromAndWhere(const LogFilter& f, std::string& where, std::vector<Bind>& binds, bool ftsDrives = false)
{
    std::string from = " FROM log_entries e";
    if (f.match)
    {
        from = ftsDrives ? " FROM log_entries_fts CROSS JOIN log_entries e ON e.id = log_entries_fts.rowid"
                         : " FROM log_entries_fts JOIN log_entries e ON e.id = log_entries_fts.rowid";
        where = " WHERE log_entries_fts MATCH ?";
        binds.emplace_back(*f.match);
    }
    appendConditions(f, where, binds);
    return from;
}

/// A canonical text of the filter's selection (not its page) for the count cache.
std::string filterKey(const LogFilter& f)
{
    std::string k;
    auto add = [&k](const std::string& s)
    {
        k += std::to_string(s.size());
        k += ':';
        k += s;
    };
    add(f.match.value_or("\x01"));
    for (const auto& c : f.containers)
        add(c);
    k += '|';
    for (auto l : f.levels)
        k += static_cast<char>('0' + static_cast<int>(l));
    k += f.isStderr ? (*f.isStderr ? 'E' : 'O') : '-';
    add(f.contains.value_or("\x01"));
    k += f.since ? std::to_string(*f.since) : "-";
    k += '|';
    k += f.until ? std::to_string(*f.until) : "-";
    k += '|';
    add(f.traceId.value_or("\x01"));
    k += f.fromApi ? (*f.fromApi ? 'A' : 'D') : '-';
    add(f.host.value_or("\x01"));
    return k;
}

LogEntry readEntry(const Sql::Statement& st)
{
    LogEntry e;
    std::string stream, level;
    st.columns(e.id, e.timestampMs, e.container, e.containerId, stream, level, e.message, e.traceId, e.attributes);
    e.isStderr = stream == "stderr";
    e.level = LevelDetector::parse(level).value_or(Level::Info);
    return e;
}

/// One step of a search statement; a statement SQLite refuses (a syntax error, an unknown FTS5 column, ...)
/// becomes the 400 of a bad search with SQLite's message verbatim; anything else (busy, I/O) stays a server error.
bool searchStep(Sql::Cached& st)
{
    try
    {
        return st.step();
    }
    catch (const Sql::SqlError& e)
    {
        if (e.kind() == Sql::SqlError::Kind::Query)
            throw HttpError(400, "Invalid search query: " + e.sqliteMessage());
        throw;
    }
}

} // namespace

LogStore::LogStore(std::shared_ptr<Database> db, std::shared_ptr<CountCache> counts)
    : _db(std::move(db)), _counts(std::move(counts))
{
}

Sql::Cached LogStore::filtered(Sql::Connection& c, const std::string& sql)
{
    StatementLru* lru;
    {
        std::lock_guard<std::mutex> lock(_lruMutex);
        lru = &_lru[&c]; // node-based map: the reference survives other insertions
    }
    auto it = lru->bySql.find(sql);
    if (it != lru->bySql.end())
    {
        lru->order.splice(lru->order.begin(), lru->order, it->second);
        lru->order.front().second->reset();
        return Sql::Cached(*lru->order.front().second);
    }
    auto st = std::make_unique<Sql::Statement>(c.handle(), sql);
    lru->order.emplace_front(sql, std::move(st));
    lru->bySql[sql] = lru->order.begin();
    while (lru->order.size() > FILTER_STATEMENTS_PER_CONNECTION)
    {
        lru->bySql.erase(lru->order.back().first);
        lru->order.pop_back();
    }
    return Sql::Cached(*lru->order.front().second);
}

void LogStore::insert(WriteTx& tx, std::vector<LogEntry>& entries, const std::vector<Cursor>& cursors)
{
    Sql::Connection& c = tx.db();
    if (!entries.empty())
    {
        auto ins =
            c.cached("INSERT INTO log_entries(timestamp, container, container_id, stream, level, "
                     "message, trace_id, attributes) VALUES(?, ?, ?, ?, ?, ?, ?, ?)");
        for (auto& e : entries)
        {
            ins.reset();
            ins.bindAll(e.timestampMs, e.container, e.containerId, e.isStderr ? "stderr" : "stdout",
                        LevelDetector::name(e.level), e.message, nullIfEmpty(e.traceId), nullIfEmpty(e.attributes))
                .run();
            e.id = c.lastInsertId();
        }
        // The newest timestamp of each block of ids, for newestMatches(): raised, never lowered (deleting rows
        // leaves an upper bound that still holds).
        auto up = c.cached("INSERT INTO log_ts_blocks(block, max_ts) VALUES(?, ?) "
                           "ON CONFLICT(block) DO UPDATE SET max_ts = max(max_ts, excluded.max_ts)");
        std::size_t i = 0;
        while (i < entries.size())
        {
            const std::int64_t block = entries[i].id >> TS_BLOCK_BITS;
            std::int64_t maxTs = entries[i].timestampMs;
            for (++i; i < entries.size() && (entries[i].id >> TS_BLOCK_BITS) == block; ++i)
                maxTs = std::max(maxTs, entries[i].timestampMs);
            up.reset();
            up.bindAll(block, maxTs).run();
        }
    }
    if (!cursors.empty())
    {
        auto up = c.cached(
            "INSERT INTO cursors(container_id, container_name, file_path, inode, position, updated_at) "
            "VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT(container_id) DO UPDATE SET container_name = "
            "excluded.container_name, "
            "file_path = excluded.file_path, inode = excluded.inode, position = excluded.position, "
            "updated_at = excluded.updated_at");
        for (const auto& cur : cursors)
        {
            up.reset();
            up.bindAll(cur.containerId, cur.containerName, cur.filePath, cur.inode, cur.position, cur.updatedAt).run();
        }
    }
}

std::int64_t LogStore::deleteBelowId(WriteTx& tx, std::int64_t idBelow)
{
    auto st = tx.db().cached("DELETE FROM log_entries WHERE id < ?");
    st.bind(1, idBelow);
    std::int64_t n = st.run();
    pruneTsBlocks(tx);
    return n;
}

void LogStore::pruneTsBlocks(WriteTx& tx)
{
    // Blocks wholly below the oldest remaining row bound nothing any more (an empty table keeps its blocks: the
    // bounds stay true and the next insert's ids are higher).
    auto st = tx.db().cached("DELETE FROM log_ts_blocks WHERE block < (SELECT min(id) FROM log_entries) >> ?");
    st.bind(1, std::int64_t(TS_BLOCK_BITS)).run();
}

std::int64_t LogStore::idAfterOldest(WriteTx& tx, std::int64_t n)
{
    auto st = tx.db().cached("SELECT id FROM log_entries ORDER BY id LIMIT 1 OFFSET ?");
    st.bind(1, n);
    std::int64_t id = st.step() ? st.getInt(0) : 0;
    if (id == 0)
    {
        // Fewer than n+1 rows: everything goes.
        auto mx = tx.db().cached("SELECT max(id) FROM log_entries");
        if (mx.step() && !mx.isNull(0))
            id = mx.getInt(0) + 1;
    }
    return id;
}

std::int64_t LogStore::deleteOlderThan(WriteTx& tx, std::int64_t cutoffMs, std::int64_t maxRows)
{
    auto st = tx.db().cached(
        "DELETE FROM log_entries WHERE id IN (SELECT id FROM log_entries WHERE timestamp < ? LIMIT ?)");
    st.bind(1, cutoffMs).bind(2, maxRows);
    std::int64_t n = st.run();
    pruneTsBlocks(tx);
    return n;
}

std::int64_t LogStore::deleteStaleCursors(WriteTx& tx, std::int64_t cutoffMs,
                                          const std::vector<std::string>& keep)
{
    std::vector<std::string> ids;
    {
        auto st = tx.db().cached("SELECT container_id FROM cursors WHERE updated_at < ?");
        st.bind(1, cutoffMs);
        while (st.step())
            ids.push_back(st.getText(0));
    }
    std::int64_t n = 0;
    for (const auto& id : ids)
    {
        if (std::find(keep.begin(), keep.end(), id) != keep.end())
            continue;
        auto del = tx.db().cached("DELETE FROM cursors WHERE container_id = ?");
        del.bind(1, id);
        n += del.run();
    }
    return n;
}

std::vector<LogStore::Cursor> LogStore::cursors()
{
    std::vector<Cursor> out;
    auto st = _db->reader().prepare(
        "SELECT container_id, container_name, file_path, inode, position, updated_at FROM cursors");
    while (st.step())
    {
        Cursor c;
        st.columns(c.containerId, c.containerName, c.filePath, c.inode, c.position, c.updatedAt);
        out.push_back(std::move(c));
    }
    return out;
}

std::int64_t LogStore::rowCount()
{
    return _db->reader().queryInt("SELECT count(*) FROM log_entries");
}

std::optional<std::int64_t> LogStore::newestTimestamp()
{
    auto st = _db->reader().prepare("SELECT max(timestamp) FROM log_entries");
    if (st.step() && !st.isNull(0))
        return st.getInt(0);
    return std::nullopt;
}

namespace
{

/// Appends the keyset condition of `f` (entries strictly older than `beforeId` in (timestamp, id) order).
void appendKeyset(Sql::Connection& c, const LogFilter& f, std::string& where, std::vector<Bind>& binds)
{
    if (!f.beforeId)
        return;
    std::optional<std::int64_t> ts = f.beforeTs;
    if (!ts)
    {
        auto st = c.cached("SELECT timestamp FROM log_entries WHERE id = ?");
        st.bind(1, *f.beforeId);
        if (st.step())
            ts = st.getInt(0);
    }
    where += where.empty() ? " WHERE " : " AND ";
    if (ts)
    {
        where += "(e.timestamp, e.id) < (?, ?)";
        binds.emplace_back(*ts);
    }
    else // the cursor entry is gone (retention): ids still order the rest well enough
        where += "e.id < ?";
    binds.emplace_back(*f.beforeId);
}

bool newerFirst(const LogEntry& a, const LogEntry& b)
{
    return a.timestampMs != b.timestampMs ? a.timestampMs > b.timestampMs : a.id > b.id;
}

} // namespace

std::vector<LogEntry> LogStore::newestMatches(Sql::Connection& c, const LogFilter& f)
{
    // Sorting every match by timestamp costs in proportion to the matches (a common word on a million lines:
    // hundreds of ms), while the FTS index yields matches by descending id for free. Ids follow time closely
    // but not exactly (a backlog or catch-up inserts old lines late), so the page is found in two exact steps:
    //  1. A = the newest `want` matches by id. If there are fewer, A is every match.
    //  2. Every match of the true page is at least as new as T, the oldest of A in (timestamp, id) order, and
    //     every match outside A has an id below R, A's smallest id. `log_ts_blocks` bounds the timestamps of
    //     each block of ids from above, so only blocks whose bound reaches T's timestamp can hold such a match:
    //     the matches in [first such block, R) newer than T are the only candidates left.
    // With lines inserted roughly in time order step 2 reads at most one block's matches.
    std::string where;
    std::vector<Bind> binds;
    const std::string from = fromAndWhere(f, where, binds, true);
    appendKeyset(c, f, where, binds);
    const std::int64_t want = f.offset + f.limit;
    std::vector<LogEntry> page;
    {
        auto st = filtered(c, std::string("SELECT ") + SELECT_COLUMNS + from + where +
                                  " ORDER BY log_entries_fts.rowid DESC LIMIT ?");
        bindAll(st, binds);
        st.bind(static_cast<int>(binds.size()) + 1, want);
        while (searchStep(st))
            page.push_back(readEntry(st));
    }
    if (static_cast<std::int64_t>(page.size()) == want && want > 0)
    {
        const LogEntry oldest = *std::min_element(page.begin(), page.end(),
                                                  [](const LogEntry& a, const LogEntry& b) { return newerFirst(b, a); });
        std::int64_t lowestId = page.back().id; // rows came by descending id
        std::int64_t firstBlock = lowestId >> TS_BLOCK_BITS;
        {
            auto st = c.cached("SELECT min(block) FROM log_ts_blocks WHERE max_ts >= ? AND block <= ?");
            st.bind(1, oldest.timestampMs).bind(2, lowestId >> TS_BLOCK_BITS);
            if (st.step() && !st.isNull(0))
                firstBlock = st.getInt(0);
        }
        const std::int64_t fromId = firstBlock << TS_BLOCK_BITS;
        if (fromId < lowestId)
        {
            auto st = filtered(c, std::string("SELECT ") + SELECT_COLUMNS + from + where +
                                      (where.empty() ? " WHERE " : " AND ") +
                                      "log_entries_fts.rowid >= ? AND log_entries_fts.rowid < ? AND "
                                      "(e.timestamp, e.id) > (?, ?) ORDER BY e.timestamp DESC, e.id DESC LIMIT ?");
            bindAll(st, binds);
            int n = static_cast<int>(binds.size());
            st.bind(n + 1, fromId).bind(n + 2, lowestId).bind(n + 3, oldest.timestampMs).bind(n + 4, oldest.id);
            st.bind(n + 5, want);
            while (searchStep(st))
                page.push_back(readEntry(st));
        }
    }
    std::sort(page.begin(), page.end(), newerFirst);
    if (static_cast<std::int64_t>(page.size()) > want)
        page.resize(static_cast<std::size_t>(want));
    page.erase(page.begin(), page.begin() + std::min<std::int64_t>(f.offset, static_cast<std::int64_t>(page.size())));
    return page;
}

LogStore::QueryResult LogStore::query(const LogFilter& f)
{
    Sql::Connection& c = _db->reader();
    QueryResult r;
    if (f.match)
        r.logs = newestMatches(c, f);
    else
    {
        std::string where;
        std::vector<Bind> binds;
        const std::string from = fromAndWhere(f, where, binds);
        appendKeyset(c, f, where, binds);
        // Newest first by time (not by ingest order: a backlog or a catch-up inserts old lines late), ties by
        // id. Without a MATCH the (timestamp, id) indexes deliver this order, so SQLite stops after the page.
        auto st = filtered(c, std::string("SELECT ") + SELECT_COLUMNS + from + where +
                                  " ORDER BY e.timestamp DESC, e.id DESC LIMIT ? OFFSET ?");
        bindAll(st, binds);
        int n = static_cast<int>(binds.size());
        st.bind(n + 1, f.limit).bind(n + 2, f.offset);
        while (searchStep(st))
            r.logs.push_back(readEntry(st));
    }
    if (f.offset == 0 && !f.beforeId && static_cast<std::int64_t>(r.logs.size()) < f.limit)
    {
        r.total = static_cast<std::int64_t>(r.logs.size()); // everything matching is on this page
        return r;
    }
    std::uint64_t generation = _counts ? _counts->generation() : 0;
    std::int64_t maxId = c.queryInt("SELECT max(id) FROM log_entries", 0);
    std::string key = filterKey(f);
    std::optional<CountCache::Hit> hit;
    if (_counts)
        hit = _counts->find(key, generation);
    if (hit && hit->upToId <= maxId)
        r.total = hit->count + (hit->upToId < maxId ? countMatches(f, hit->upToId, maxId) : 0);
    else
        r.total = countMatches(f, 0, maxId);
    if (_counts)
        _counts->store(key, generation, maxId, r.total);
    return r;
}

std::int64_t LogStore::countMatches(const LogFilter& f, std::int64_t aboveId, std::int64_t upToId)
{
    Sql::Connection& c = _db->reader();
    std::string where;
    std::vector<Bind> binds;
    std::string sql;
    bool ftsOnly = f.match && f.containers.empty() && f.levels.empty() && !f.isStderr && !f.since &&
                   !f.until && (!f.contains || f.contains->empty()) && !f.traceId && !f.fromApi && !f.host;
    if (ftsOnly)
    {
        // The index alone knows the answer (external content kept in step by triggers): no row lookups.
        sql =
            "SELECT count(*) FROM log_entries_fts WHERE log_entries_fts MATCH ? AND rowid > ? AND rowid <= ?";
        binds.emplace_back(*f.match);
    }
    else
    {
        const std::string from = fromAndWhere(f, where, binds);
        where += where.empty() ? " WHERE " : " AND ";
        where += "e.id > ? AND e.id <= ?";
        sql = "SELECT count(*)" + from + where;
    }
    binds.emplace_back(aboveId);
    binds.emplace_back(upToId);
    auto st = filtered(c, sql);
    bindAll(st, binds);
    std::int64_t n = 0;
    if (searchStep(st))
        n = st.getInt(0);
    return n;
}

std::vector<LogEntry> LogStore::recent(const LogFilter& f, std::optional<std::int64_t> afterId,
                                       std::int64_t limit)
{
    std::vector<LogEntry> out;
    if (limit <= 0)
        return out;
    Sql::Connection& c = _db->reader();
    LogFilter live = f;
    live.match.reset();
    live.since.reset();
    live.until.reset();
    std::string where;
    std::vector<Bind> binds;
    appendConditions(live, where, binds);
    if (afterId)
    {
        where += where.empty() ? " WHERE " : " AND ";
        where += "e.id > ?";
        binds.emplace_back(*afterId);
    }
    auto st = filtered(c, std::string("SELECT ") + SELECT_COLUMNS + " FROM log_entries e" + where +
                                         " ORDER BY e.id DESC LIMIT ?");
    bindAll(st, binds);
    st.bind(static_cast<int>(binds.size()) + 1, limit);
    while (st.step())
        out.push_back(readEntry(st));
    std::reverse(out.begin(), out.end());
    return out;
}

namespace
{
/// The live-tail selection of `f` (no FTS, no time range) with "id > ?" appended.
std::string liveWhere(const LogFilter& f, std::int64_t afterId, std::vector<Bind>& binds)
{
    LogFilter live = f;
    live.match.reset();
    live.since.reset();
    live.until.reset();
    std::string where;
    appendConditions(live, where, binds);
    where += where.empty() ? " WHERE " : " AND ";
    where += "e.id > ?";
    binds.emplace_back(afterId);
    return where;
}
} // namespace

std::int64_t LogStore::backlogStart(const LogFilter& f, std::optional<std::int64_t> afterId, std::int64_t limit)
{
    std::int64_t after = afterId.value_or(0);
    if (limit <= 0)
    {
        Sql::Connection& c = _db->reader();
        return std::max(after, c.queryInt("SELECT max(id) FROM log_entries", 0));
    }
    std::vector<Bind> binds;
    std::string where = liveWhere(f, after, binds);
    auto st =
        filtered(_db->reader(), "SELECT e.id FROM log_entries e" + where + " ORDER BY e.id DESC LIMIT 1 OFFSET ?");
    bindAll(st, binds);
    st.bind(static_cast<int>(binds.size()) + 1, limit - 1);
    std::int64_t start = after;
    if (st.step())
        start = std::max(after, st.getInt(0) - 1);
    return start;
}

std::vector<LogEntry> LogStore::page(const LogFilter& f, std::int64_t afterId, std::size_t maxBytes,
                                     std::int64_t maxRows)
{
    std::vector<LogEntry> out;
    std::vector<Bind> binds;
    std::string where = liveWhere(f, afterId, binds);
    auto st = filtered(_db->reader(), std::string("SELECT ") + SELECT_COLUMNS +
                                                     " FROM log_entries e" + where + " ORDER BY e.id LIMIT ?");
    bindAll(st, binds);
    st.bind(static_cast<int>(binds.size()) + 1, maxRows);
    std::size_t bytes = 0;
    while (bytes < maxBytes && st.step())
    {
        out.push_back(readEntry(st));
        bytes += out.back().message.size() + 128;
    }
    return out;
}

std::map<std::string, LogStore::ContainerStats> LogStore::containerStats()
{
    std::map<std::string, ContainerStats> out;
    auto st = _db->reader().cached(
        "SELECT container, count(*), max(timestamp) FROM log_entries GROUP BY container");
    while (st.step())
    {
        ContainerStats s;
        s.count = st.getInt(1);
        s.lastSeen = st.getOptInt(2);
        out[st.getText(0)] = s;
    }
    return out;
}

LogStore::Stats LogStore::stats()
{
    Stats s;
    Sql::Connection& c = _db->reader();
    {
        auto st = c.cached("SELECT count(*), min(timestamp), max(timestamp) FROM log_entries");
        if (st.step())
        {
            s.total = st.getInt(0);
            s.oldest = st.getOptInt(1);
            s.newest = st.getOptInt(2);
        }
    }
    {
        auto st = c.cached("SELECT level, count(*) FROM log_entries GROUP BY level");
        while (st.step())
            s.byLevel[st.getText(0)] = st.getInt(1);
    }
    {
        auto st = c.cached("SELECT container, count(*) FROM log_entries GROUP BY container");
        while (st.step())
            s.byContainer[st.getText(0)] = st.getInt(1);
    }
    return s;
}

std::future<void> LogStore::submitBatch(std::shared_ptr<IngestBatch> batch, std::shared_ptr<WriteSequence> sequence,
                                        Committed committed)
{
    return _db->submit(
        [batch, committed = std::move(committed)](WriteTx& tx)
        {
            insert(tx, batch->entries, batch->cursors);
            if (!batch->entries.empty() && committed)
                tx.afterCommit([committed, transaction = tx.transaction()] { committed(transaction); });
        },
        std::move(sequence));
}

std::int64_t LogStore::deleteOldest(std::int64_t n)
{
    std::int64_t deleted = 0;
    _db->write(
        [&](WriteTx& tx)
        {
            std::int64_t below = idAfterOldest(tx, n);
            deleted = below > 0 ? deleteBelowId(tx, below) : 0;
        });
    return deleted;
}

std::int64_t LogStore::deleteOlder(std::int64_t cutoffMs, std::int64_t maxRows)
{
    std::int64_t deleted = 0;
    _db->write([&](WriteTx& tx) { deleted = deleteOlderThan(tx, cutoffMs, maxRows); });
    return deleted;
}

void LogStore::cleanupCursors(std::int64_t cutoffMs, const std::vector<std::string>& keep)
{
    _db->write([&](WriteTx& tx) { deleteStaleCursors(tx, cutoffMs, keep); });
}

} // namespace LogViewer
} // namespace Monlight
