#include "SqliteErrorStore.h"

#include "Monlight/Json.h"
#include "Monlight/Time.h"
#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string_view>

namespace Monlight
{
namespace ErrorTracker
{

namespace
{

constexpr std::int64_t HOUR_MS = 3600 * 1000;

const char* const GROUP_COLUMNS =
    "id, fingerprint, project, environment, exception_type, message, traceback, "
    "source, count, first_seen, last_seen, resolved, resolved_at";

/// An occurrence's traceback as stored (migration 005): `prefix` and `suffix` characters shared with the start and
/// the end of its group's traceback, and the text between them.
struct TracebackDelta
{
    std::int64_t prefix = 0, suffix = 0;
    std::string_view middle;
};

/// The longest start and end `tb` shares with `group` (not overlapping in either, cut at character boundaries).
TracebackDelta tracebackDelta(std::string_view group, std::string_view tb)
{
    auto continuation = [](char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; };
    const std::size_t n = std::min(group.size(), tb.size());
    std::size_t p = 0;
    while (p < n && group[p] == tb[p])
        ++p;
    // Equal bytes before p are whole characters in both once p starts a character of tb (or is its end).
    while (p > 0 && p < tb.size() && continuation(tb[p]))
        --p;
    std::size_t s = 0;
    while (s < n - p && group[group.size() - 1 - s] == tb[tb.size() - 1 - s])
        ++s;
    while (s > 0 && continuation(tb[tb.size() - s]))
        --s;
    TracebackDelta d;
    d.prefix = static_cast<std::int64_t>(Json::codePoints(tb.substr(0, p)));
    d.suffix = static_cast<std::int64_t>(Json::codePoints(tb.substr(tb.size() - s)));
    d.middle = tb.substr(p, tb.size() - p - s);
    return d;
}

/// An occurrence's whole traceback from `o` (error_occurrences) and `e` (its group), see TracebackDelta.
#define OCCURRENCE_TRACEBACK                                                                                       \
    "CASE WHEN o.traceback_prefix + o.traceback_suffix = 0 THEN o.traceback ELSE "                                 \
    "substr(e.traceback, 1, o.traceback_prefix) || o.traceback || "                                                \
    "substr(e.traceback, length(e.traceback) - o.traceback_suffix + 1) END"

ErrorGroup readGroup(Sql::Statement& st)
{
    ErrorGroup g;
    st.columns(g.id, g.fingerprint, g.project, g.environment, g.exceptionType, g.message, g.traceback, g.source,
               g.count, g.firstSeen, g.lastSeen, g.resolved, g.resolvedAt);
    return g;
}

/// WHERE clause of the list query; parameters are bound in the same order by bindFilter().
std::string whereClause(const ErrorFilter& f)
{
    std::string w = " WHERE 1";
    if (f.project)
        w += " AND project = ?";
    if (f.environment)
        w += " AND environment = ?";
    if (f.resolved)
        w += " AND resolved = ?";
    if (f.fts)
        w += " AND id IN (SELECT rowid FROM errors_fts WHERE errors_fts MATCH ?)";
    if (f.source)
        w += " AND source = ?";
    if (f.sessionId)
        w += " AND id IN (SELECT error_id FROM error_occurrences WHERE session_id = ?)";
    if (f.since)
        w += " AND last_seen >= ?";
    if (f.until)
        w += " AND last_seen <= ?";
    return w;
}

int bindFilter(Sql::Statement& st, const ErrorFilter& f)
{
    int i = 1;
    if (f.project)
        st.bind(i++, *f.project);
    if (f.environment)
        st.bind(i++, *f.environment);
    if (f.resolved)
        st.bind(i++, static_cast<std::int64_t>(*f.resolved ? 1 : 0));
    if (f.fts)
        st.bind(i++, *f.fts);
    if (f.source)
        st.bind(i++, *f.source);
    if (f.sessionId)
        st.bind(i++, *f.sessionId);
    if (f.since)
        st.bind(i++, *f.since);
    if (f.until)
        st.bind(i++, *f.until);
    return i;
}

} // namespace

SqliteErrorStore::SqliteErrorStore(std::shared_ptr<Database> db) : _db(std::move(db)) {}

/// Reports waiting for the writer. The first report that finds no open drain submits one writer item for the drain;
/// every report that joins before the writer runs it is stored by that item, in one savepoint, and released by
/// its commit. One writer item per drain instead of per report: one savepoint (and one flush of FTS5's pending
/// terms) per drain, and the handlers park on the drain, not on one promise each.
struct SqliteErrorStore::Drain
{
    struct Entry
    {
        const ErrorReport* report;
        const std::string* fingerprint;
        int maxOccurrences;
        IngestResult result;
        std::exception_ptr error;
    };
    std::vector<Entry*> entries;
    std::mutex mutex;
    std::condition_variable cv;
    bool finished = false;
    std::exception_ptr error; ///< the drain as a whole failed (queue full, shutdown, failed commit)
};

IngestResult SqliteErrorStore::ingest(const ErrorReport& r, const std::string& fingerprint, int maxOccurrences)
{
    Drain::Entry entry{&r, &fingerprint, maxOccurrences, {}, nullptr};
    std::shared_ptr<Drain> drain;
    bool submit = false;
    {
        std::lock_guard<std::mutex> lock(_drainMutex);
        if (!_openDrain)
        {
            _openDrain = std::make_shared<Drain>();
            submit = true;
        }
        drain = _openDrain;
        drain->entries.push_back(&entry);
    }
    if (submit)
    {
        std::exception_ptr failed;
        try
        {
            _db->write([this, drain](WriteTx& tx) { runDrain(tx, *drain); });
        }
        catch (...)
        {
            failed = std::current_exception();
        }
        {
            // A drain that never reached the writer (queue full, stopping) must not take more entries.
            std::lock_guard<std::mutex> lock(_drainMutex);
            if (_openDrain == drain)
                _openDrain.reset();
        }
        {
            std::lock_guard<std::mutex> lock(drain->mutex);
            drain->error = failed;
            drain->finished = true;
        }
        drain->cv.notify_all();
    }
    else
    {
        std::unique_lock<std::mutex> lock(drain->mutex);
        drain->cv.wait(lock, [&] { return drain->finished; });
    }
    if (drain->error)
        std::rethrow_exception(drain->error);
    if (entry.error)
        std::rethrow_exception(entry.error);
    return entry.result;
}

void SqliteErrorStore::runDrain(WriteTx& tx, Drain& drain)
{
    {
        // From here on, new reports open the next drain.
        std::lock_guard<std::mutex> lock(_drainMutex);
        if (_openDrain.get() == &drain)
            _openDrain.reset();
    }
    Sql::Connection& c = tx.db();
    for (Drain::Entry* e : drain.entries)
    {
        e->error = nullptr;
        e->result = IngestResult();
    }
    // Fast path: every report of the drain in one go. A failing report rolls the drain back and the slow path
    // gives each report its own savepoint, so that one bad report cannot fail the others.
    NewGroups newGroups;
    c.cached("SAVEPOINT drain").run();
    try
    {
        for (Drain::Entry* e : drain.entries)
            e->result = storeOne(c, *e->report, *e->fingerprint, e->maxOccurrences, newGroups);
        indexNewGroups(c, newGroups);
        c.cached("RELEASE drain").run();
        return;
    }
    catch (...)
    {
        newGroups.clear();
        c.cached("ROLLBACK TO drain").run();
        c.cached("RELEASE drain").run();
    }
    for (Drain::Entry* e : drain.entries)
    {
        e->result = IngestResult();
        c.cached("SAVEPOINT report").run();
        try
        {
            e->result = storeOne(c, *e->report, *e->fingerprint, e->maxOccurrences, newGroups);
            indexNewGroups(c, newGroups);
            c.cached("RELEASE report").run();
        }
        catch (...)
        {
            newGroups.clear();
            e->error = std::current_exception();
            c.cached("ROLLBACK TO report").run();
            c.cached("RELEASE report").run();
        }
    }
}

void SqliteErrorStore::indexNewGroups(Sql::Connection& c, NewGroups& newGroups)
{
    // (migration 2 replaced the insert trigger, see sql/002_lean_duplicates.sql)
    for (const auto& [id, r] : newGroups)
    {
        auto fts = c.cached("INSERT INTO errors_fts (rowid, exception_type, message, traceback) VALUES (?,?,?,?)");
        fts.bindAll(id, r->exceptionType, r->message, r->traceback).run();
    }
    newGroups.clear();
}

IngestResult SqliteErrorStore::storeOne(Sql::Connection& c, const ErrorReport& r, const std::string& fingerprint,
                                        int maxOccurrences, NewGroups& newGroups)
{
    IngestResult result;
    std::int64_t now = Time::nowMs();
    auto find = c.cached("SELECT id, resolved, count, traceback FROM errors WHERE fingerprint = ?1 AND "
                         "environment = ?2");
    find.bind(1, fingerprint).bind(2, r.environment);
    std::int64_t id = 0;
    std::int64_t count = 1;
    // What the occurrence shares with its group's traceback (migration 005): a new group's first occurrence, all.
    TracebackDelta delta;
    if (!find.step())
    {
        find.reset();
        auto ins = c.cached(
            "INSERT INTO errors (fingerprint, project, environment, exception_type, message, "
            "traceback, "
            "source, count, first_seen, last_seen, resolved) VALUES (?,?,?,?,?,?,?,1,?,?,0)");
        ins.bindAll(fingerprint, r.project, r.environment, r.exceptionType, r.message, r.traceback,
                    r.fromBrowser() ? "browser" : "server", now, now)
            .run();
        id = c.lastInsertId();
        newGroups.emplace_back(id, &r); // its full-text row: indexNewGroups()
        delta.prefix = static_cast<std::int64_t>(Json::codePoints(r.traceback));
        result.status = IngestResult::Status::Created;
        ErrorGroup& g = result.group;
        g.id = id;
        g.fingerprint = fingerprint;
        g.project = r.project;
        g.environment = r.environment;
        g.exceptionType = r.exceptionType;
        g.message = r.message;
        g.traceback = r.traceback;
        g.source = r.fromBrowser() ? "browser" : "server";
        g.count = 1;
        g.firstSeen = g.lastSeen = now;
    }
    else
    {
        id = find.getInt(0);
        bool resolved = find.getInt(1) != 0;
        count = find.getInt(2);
        const std::string groupTraceback = find.getText(3);
        find.reset();
        delta = tracebackDelta(groupTraceback, r.traceback);
        if (r.eventId)
        {
            // §11.5: the same event reported again is acknowledged and not stored.
            auto seen = c.cached("SELECT 1 FROM error_event_ids WHERE error_id = ? AND event_id = ?");
            seen.bind(1, id).bind(2, *r.eventId);
            bool duplicate = seen.step();
            seen.reset();
            if (duplicate)
            {
                result.status = IngestResult::Status::Incremented;
                result.group.id = id;
                result.group.fingerprint = fingerprint;
                result.group.count = count;
                result.deduplicated = true;
                return result;
            }
        }
        ++count;
        if (resolved)
        {
            auto up = c.cached("UPDATE errors SET resolved = 0, resolved_at = NULL, "
                               "count = count + 1, last_seen = ? WHERE id = ?");
            up.bind(1, now).bind(2, id);
            up.run();
            auto sel = c.cached(std::string("SELECT ") + GROUP_COLUMNS + " FROM errors WHERE id = ?");
            sel.bind(1, id);
            if (sel.step())
                result.group = readGroup(sel);
            result.status = IngestResult::Status::Reopened;
        }
        else
        {
            auto up = c.cached("UPDATE errors SET count = count + 1, last_seen = ? WHERE id = ?");
            up.bind(1, now).bind(2, id);
            up.run();
            result.status = IngestResult::Status::Incremented;
            result.group.id = id;
            result.group.fingerprint = fingerprint;
        }
        result.group.count = count;
    }

    auto occ =
        c.cached("INSERT INTO error_occurrences (error_id, timestamp, request_url, request_method, "
                 "request_headers, user_id, session_id, extra, traceback, event_id, traceback_prefix, "
                 "traceback_suffix) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
    occ.bindAll(id, now, r.requestUrl, r.requestMethod, r.requestHeaders, r.userId, r.sessionId, r.extra,
                delta.middle, r.eventId, delta.prefix, delta.suffix)
        .run();

    if (r.eventId)
    {
        // The ring of remembered event ids: this report takes slot count % EVENT_ID_RING, replacing the
        // event id of the report EVENT_ID_RING reports earlier.
        auto remember = c.cached(
            "INSERT OR REPLACE INTO error_event_ids (error_id, event_id, slot) VALUES (?,?,?)");
        remember.bind(1, id).bind(2, *r.eventId).bind(3, count % EVENT_ID_RING);
        remember.run();
    }

    auto hourly = c.cached("INSERT INTO error_hourly (error_id, hour, count) VALUES (?, ?, 1) "
                           "ON CONFLICT(error_id, hour) DO UPDATE SET count = count + 1");
    hourly.bind(1, id).bind(2, now - now % HOUR_MS);
    hourly.run();

    if (result.status != IngestResult::Status::Created)
    {
        // Everything at or below the (max+1)-th newest id goes; the index (error_id, id) serves both.
        auto trim =
            c.cached("DELETE FROM error_occurrences WHERE error_id = ?1 AND id <= (SELECT id FROM "
                     "error_occurrences WHERE error_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)");
        trim.bind(1, id).bind(2, static_cast<std::int64_t>(maxOccurrences));
        trim.run();
    }
    return result;
}

std::vector<ErrorGroup> SqliteErrorStore::list(const ErrorFilter& f, std::int64_t& total)
{
    std::vector<ErrorGroup> out;
    total = 0;
    if (f.matchNothing)
        return out;
    Sql::Connection& c = _db->reader();
    std::string where = whereClause(f);
    {
        auto cnt = c.cached("SELECT count(*) FROM errors" + where);
        bindFilter(cnt, f);
        if (cnt.step())
            total = cnt.getInt(0);
    }
    std::string order = f.sort == "count" ? "count" : (f.sort == "first_seen" ? "first_seen" : "last_seen");
    auto st =
        c.cached("SELECT id, fingerprint, project, environment, exception_type, "
                 "substr(message, 1, 1000), "
                 // the ends of the traceback, enough for the list's culprit line (issue 15), not all of it
                 "CASE WHEN length(traceback) <= 4000 THEN traceback "
                 "ELSE substr(traceback, 1, 2000) || char(10) || substr(traceback, -2000) END, "
                 "source, count, first_seen, last_seen, resolved, "
                 "resolved_at FROM errors" +
                 where + " ORDER BY " + order + " DESC, id DESC LIMIT ? OFFSET ?");
    int i = bindFilter(st, f);
    st.bind(i, f.limit).bind(i + 1, f.offset);
    while (st.step())
        out.push_back(readGroup(st));
    return out;
}

std::optional<ErrorGroup> SqliteErrorStore::find(std::int64_t id)
{
    Sql::Connection& c = _db->reader();
    auto st = c.cached(std::string("SELECT ") + GROUP_COLUMNS + " FROM errors WHERE id = ?");
    st.bind(1, id);
    std::optional<ErrorGroup> g;
    if (st.step())
        g = readGroup(st);
    return g;
}

std::vector<ErrorOccurrence> SqliteErrorStore::occurrences(std::int64_t id)
{
    Sql::Connection& c = _db->reader();
    auto st =
        c.cached("SELECT o.id, o.timestamp, o.request_url, o.request_method, o.request_headers, o.user_id, "
                 "o.session_id, o.extra, " OCCURRENCE_TRACEBACK " "
                 "FROM error_occurrences o JOIN errors e ON e.id = o.error_id WHERE o.error_id = ? "
                 "ORDER BY o.id DESC");
    st.bind(1, id);
    std::vector<ErrorOccurrence> out;
    while (st.step())
    {
        ErrorOccurrence o;
        st.columns(o.id, o.timestamp, o.requestUrl, o.requestMethod, o.requestHeaders, o.userId, o.sessionId,
                   o.extra, o.traceback);
        out.push_back(std::move(o));
    }
    return out;
}

bool SqliteErrorStore::resolve(std::int64_t id, std::int64_t nowMs)
{
    return _db->writeResult<bool>(
        [&](WriteTx& tx)
        {
            auto up = tx.db().cached(
                "UPDATE errors SET resolved = 1, resolved_at = ? WHERE id = ? AND resolved = 0");
            up.bind(1, nowMs).bind(2, id);
            if (up.run() > 0)
                return true;
            auto ex = tx.db().cached("SELECT 1 FROM errors WHERE id = ?");
            ex.bind(1, id);
            bool exists = ex.step();
            return exists;
        });
}

bool SqliteErrorStore::unresolve(std::int64_t id)
{
    return _db->writeResult<bool>(
        [&](WriteTx& tx)
        {
            auto up =
                tx.db().cached("UPDATE errors SET resolved = 0, resolved_at = NULL WHERE id = ?");
            up.bind(1, id);
            return up.run() > 0;
        });
}

std::vector<std::string> SqliteErrorStore::projects()
{
    auto st = _db->reader().cached("SELECT DISTINCT project FROM errors ORDER BY project");
    std::vector<std::string> out;
    while (st.step())
        out.push_back(st.getText(0));
    return out;
}

std::vector<std::string> SqliteErrorStore::environments(const std::optional<std::string>& project)
{
    Sql::Connection& c = _db->reader();
    auto st =
        project ? c.cached("SELECT DISTINCT environment FROM errors WHERE project = ? ORDER BY environment")
                : c.cached("SELECT DISTINCT environment FROM errors ORDER BY environment");
    if (project)
        st.bind(1, *project);
    std::vector<std::string> out;
    while (st.step())
        out.push_back(st.getText(0));
    return out;
}

std::map<std::int64_t, std::map<std::int64_t, std::int64_t>> SqliteErrorStore::hourly(const std::vector<std::int64_t>& ids,
                                                                                std::int64_t fromHourMs)
{
    std::map<std::int64_t, std::map<std::int64_t, std::int64_t>> out;
    if (ids.empty())
        return out;
    std::string list = "[";
    for (std::size_t i = 0; i < ids.size(); ++i)
        list += (i ? "," : "") + std::to_string(ids[i]);
    list += "]";
    auto st = _db->reader().cached("SELECT error_id, hour, count FROM error_hourly "
                                   "WHERE error_id IN (SELECT value FROM json_each(?)) AND hour >= ?");
    st.bind(1, list).bind(2, fromHourMs);
    while (st.step())
        out[st.getInt(0)][st.getInt(1)] = st.getInt(2);
    return out;
}

std::int64_t SqliteErrorStore::deleteResolvedBefore(std::int64_t cutoffMs, int batch)
{
    std::int64_t total = 0;
    for (;;)
    {
        int n = _db->writeResult<int>(
            [&](WriteTx& tx)
            {
                auto del = tx.db().cached("DELETE FROM errors WHERE id IN (SELECT id FROM errors "
                                                     "WHERE resolved = 1 AND resolved_at < ? "
                                                     "LIMIT ?)");
                del.bind(1, cutoffMs).bind(2, static_cast<std::int64_t>(batch));
                return del.run();
            });
        total += n;
        if (n < batch)
            break;
    }
    return total;
}

std::optional<std::int64_t> SqliteErrorStore::lastAlertAt(std::int64_t id)
{
    auto st = _db->reader().cached("SELECT last_alert_at FROM errors WHERE id = ?");
    st.bind(1, id);
    std::optional<std::int64_t> v;
    if (st.step())
        v = st.getOptInt(0);
    return v;
}

void SqliteErrorStore::setLastAlertAt(std::int64_t id, std::int64_t ms)
{
    _db->write(
        [&](WriteTx& tx)
        {
            auto up = tx.db().cached("UPDATE errors SET last_alert_at = ? WHERE id = ?");
            up.bind(1, ms).bind(2, id);
            up.run();
        });
}

// ---- bulk resolve / reopen (issue 15) ----

ErrorStore::BulkResult SqliteErrorStore::setResolvedBulk(const std::vector<std::int64_t>& ids,
                                                         const ErrorFilter* filter, bool resolved,
                                                         std::int64_t nowMs, std::int64_t cap)
{
    BulkResult out;
    if (filter && filter->matchNothing)
        return out;
    return _db->writeResult<BulkResult>(
        [&](WriteTx& tx)
        {
            Sql::Connection& c = tx.db();
            const std::int64_t other = resolved ? 0 : 1;
            std::string list; // the ids to change, as a JSON array for json_each()
            if (filter)
            {
                const std::string where = whereClause(*filter);
                auto count = c.cached("SELECT count(*) FROM errors" + where);
                bindFilter(count, *filter);
                if (count.step())
                    out.matched = count.getInt(0);
                count.reset();
                auto todo = c.cached("SELECT count(*) FROM errors" + where + " AND resolved = ?");
                int n = bindFilter(todo, *filter);
                todo.bind(n, other);
                std::int64_t toChange = 0;
                if (todo.step())
                    toChange = todo.getInt(0);
                todo.reset();
                auto pick = c.cached("SELECT id FROM errors" + where +
                                     " AND resolved = ? ORDER BY last_seen DESC, id DESC LIMIT ?");
                n = bindFilter(pick, *filter);
                pick.bind(n, other).bind(n + 1, cap);
                list = "[";
                std::int64_t picked = 0;
                while (pick.step())
                {
                    list += (picked ? "," : "") + std::to_string(pick.getInt(0));
                    ++picked;
                }
                list += "]";
                out.remaining = toChange - picked;
            }
            else
            {
                list = "[";
                for (std::size_t i = 0; i < ids.size(); ++i)
                    list += (i ? "," : "") + std::to_string(ids[i]);
                list += "]";
                auto count =
                    c.cached("SELECT count(*) FROM errors WHERE id IN (SELECT value FROM json_each(?))");
                count.bind(1, list);
                if (count.step())
                    out.matched = count.getInt(0);
                count.reset();
            }
            auto up = resolved
                          ? c.cached("UPDATE errors SET resolved = 1, resolved_at = ? "
                                     "WHERE id IN (SELECT value FROM json_each(?)) AND resolved = 0")
                          : c.cached("UPDATE errors SET resolved = 0, resolved_at = NULL "
                                     "WHERE id IN (SELECT value FROM json_each(?)) AND resolved = 1");
            if (resolved)
                up.bind(1, nowMs).bind(2, list);
            else
                up.bind(1, list);
            out.updated = up.run();
            return out;
        });
}

} // namespace ErrorTracker
} // namespace Monlight
