#include "PgErrorStore.h"

#include "Monlight/Time.h"
#include <algorithm>
#include <tuple>

namespace Monlight
{
namespace ErrorTracker
{

namespace
{

// Every table is named with its schema: the pool is shared by the plugins of the host.
#define ET "error_tracker."

const std::string GROUP_COLUMNS = "id, fingerprint, project, environment, exception_type, message, traceback, "
                                  "source, count, first_seen, last_seen, resolved, resolved_at";

ErrorGroup readGroup(const Pg::Result& r, int row)
{
    ErrorGroup g;
    r.columns(row, g.id, g.fingerprint, g.project, g.environment, g.exceptionType, g.message, g.traceback, g.source,
              g.count, g.firstSeen, g.lastSeen, g.resolved, g.resolvedAt);
    return g;
}

/// WHERE clause of the list query with its parameters, from `$<first>` on.
std::string whereClause(const ErrorFilter& f, std::vector<Pg::Param>& params)
{
    std::string w = " WHERE true";
    auto add = [&](const std::string& sql, Pg::Param p) {
        params.push_back(std::move(p));
        std::string n = "$" + std::to_string(params.size());
        std::string out = sql;
        out.replace(out.find('?'), 1, n);
        w += out;
    };
    if (f.project)
        add(" AND project = ?", *f.project);
    if (f.environment)
        add(" AND environment = ?", *f.environment);
    if (f.resolved)
        add(" AND resolved = ?::boolean", *f.resolved);
    if (f.tsQuery)
        add(" AND tsv @@ to_tsquery('simple', ?)", *f.tsQuery);
    if (f.source)
        add(" AND source = ?", *f.source);
    if (f.sessionId)
        add(" AND id IN (SELECT error_id FROM " ET "error_occurrences WHERE session_id = ?)", *f.sessionId);
    if (f.since)
        add(" AND last_seen >= ?::bigint", *f.since);
    if (f.until)
        add(" AND last_seen <= ?::bigint", *f.until);
    return w;
}

} // namespace

std::shared_ptr<PgErrorStore> PgErrorStore::open(std::shared_ptr<Pg::PgDatabase> db,
                                                 const std::vector<std::string>& migrations)
{
    db->migrate(SCHEMA, migrations, "error-tracker");
    return std::make_shared<PgErrorStore>(std::move(db));
}

PgErrorStore::PgErrorStore(std::shared_ptr<Pg::PgDatabase> db) : _db(std::move(db)) {}

IngestResult PgErrorStore::ingest(const ErrorReport& r, const std::string& fingerprint, int maxOccurrences)
{
    // Group commit without a thread of its own: the first caller to find no commit running stores everything
    // waiting (up to MAX_BATCH, oldest first) in one transaction while later callers queue behind it; each caller
    // returns once the transaction holding its report committed. A transaction per report would pay a WAL flush
    // and two more round trips each.
    Pending me{&r, &fingerprint, maxOccurrences, {}, nullptr};
    std::unique_lock<std::mutex> lock(_batchMutex);
    _waiting.push_back(&me);
    while (!me.done)
    {
        if (_committing)
        {
            _batchDone.wait(lock);
            continue;
        }
        _committing = true;
        std::vector<Pending*> batch;
        while (!_waiting.empty() && batch.size() < MAX_BATCH)
        {
            batch.push_back(_waiting.front());
            _waiting.pop_front();
        }
        lock.unlock();
        commitBatch(batch);
        lock.lock();
        for (auto* p : batch)
            p->done = true;
        _committing = false;
        _batchDone.notify_all(); // the reports stored, and the next leader among those still waiting
    }
    lock.unlock();
    if (me.error)
        std::rethrow_exception(me.error);
    return me.result;
}

void PgErrorStore::commitBatch(std::vector<Pending*>& batch)
{
    // Every host locks the groups of a batch in the same order (by fingerprint and environment), so two hosts'
    // batches that share groups wait for each other instead of deadlocking.
    std::vector<Pending*> ordered(batch);
    std::stable_sort(ordered.begin(), ordered.end(),
                     [](const Pending* a, const Pending* b)
                     {
                         return std::tie(*a->fingerprint, a->report->environment) <
                                std::tie(*b->fingerprint, b->report->environment);
                     });
    try
    {
        _db->transaction(
            [&](Pg::Session& s)
            {
                for (auto* p : ordered)
                    p->result = storeOne(s, *p->report, *p->fingerprint, p->maxOccurrences);
            });
        return;
    }
    catch (const Pg::Error&)
    {
        if (batch.size() == 1)
        {
            batch[0]->error = std::current_exception();
            return;
        }
        // The server refused a statement and rolled the batch back: store each report on its own, so that one
        // report's failure is only its own.
    }
    catch (...)
    {
        // Unavailable (the outcome of COMMIT unknown), busy, stopping: every report of the batch gets the error.
        for (auto* p : batch)
            p->error = std::current_exception();
        return;
    }
    for (auto* p : ordered)
    {
        try
        {
            p->result = _db->transactionResult<IngestResult>(
                [&](Pg::Session& s) { return storeOne(s, *p->report, *p->fingerprint, p->maxOccurrences); });
        }
        catch (...)
        {
            p->error = std::current_exception();
        }
    }
}

IngestResult PgErrorStore::storeOne(Pg::Session& s, const ErrorReport& r, const std::string& fingerprint,
                                    int maxOccurrences)
{
    // Every step is in ingest_report() (sql/postgresql/002_ingest_function.sql): one round trip per report.
    IngestResult result;
    const std::int64_t now = Time::nowMs();
    const std::string source = r.fromBrowser() ? "browser" : "server";
    Pg::Result out = s.exec(
        "SELECT o_status, o_id, o_count, o_deduplicated FROM " ET "ingest_report($1, $2, $3, $4, $5, $6, $7, "
        "$8::bigint, $9, $10, $11, $12, $13, $14, $15, $16::bigint, $17::bigint)",
        {fingerprint, r.project, r.environment, r.exceptionType, r.message, r.traceback, source, now, r.requestUrl,
         r.requestMethod, r.requestHeaders, r.userId, r.sessionId, r.extra, r.eventId,
         static_cast<std::int64_t>(maxOccurrences), EVENT_ID_RING});
    if (out.rows() != 1)
        throw Poco::IllegalStateException("ingest_report returned no row");
    std::string status = out.text(0, 0);
    std::int64_t id = out.integer(0, 1);
    std::int64_t count = out.integer(0, 2);
    result.deduplicated = out.boolean(0, 3);
    if (status == "created")
    {
        result.status = IngestResult::Status::Created;
        ErrorGroup& g = result.group;
        g.id = id;
        g.fingerprint = fingerprint;
        g.project = r.project;
        g.environment = r.environment;
        g.exceptionType = r.exceptionType;
        g.message = r.message;
        g.traceback = r.traceback;
        g.source = source;
        g.count = 1;
        g.firstSeen = g.lastSeen = now;
        return result;
    }
    if (status == "reopened")
    {
        // the alert needs the whole group (this transaction still holds its row)
        Pg::Result g = s.exec("SELECT " + GROUP_COLUMNS + " FROM " ET "errors WHERE id = $1::bigint", {id});
        if (g.rows() == 1)
            result.group = readGroup(g, 0);
        result.status = IngestResult::Status::Reopened;
    }
    else
    {
        result.status = IngestResult::Status::Incremented;
        result.group.id = id;
        result.group.fingerprint = fingerprint;
    }
    result.group.count = count;
    return result;
}

std::vector<ErrorGroup> PgErrorStore::list(const ErrorFilter& f, std::int64_t& total)
{
    std::vector<ErrorGroup> out;
    total = 0;
    if (f.matchNothing)
        return out;
    std::vector<Pg::Param> params;
    std::string where = whereClause(f, params);
    std::string order = f.sort == "count" ? "count" : (f.sort == "first_seen" ? "first_seen" : "last_seen");
    std::vector<Pg::Param> page = params;
    page.emplace_back(f.limit);
    page.emplace_back(f.offset);
    _db->transaction([&](Pg::Session& s) {
        out.clear();
        total = s.exec("SELECT count(*) FROM " ET "errors" + where, params).integer(0, 0);
        Pg::Result rows = s.exec(
            "SELECT id, fingerprint, project, environment, exception_type, left(message, 1000), "
            // the ends of the traceback, enough for the list's culprit line, not all of it
            "CASE WHEN length(traceback) <= 4000 THEN traceback "
            "ELSE left(traceback, 2000) || chr(10) || right(traceback, 2000) END, "
            "source, count, first_seen, last_seen, resolved, resolved_at FROM " ET "errors" +
                where + " ORDER BY " + order + " DESC, id DESC LIMIT $" + std::to_string(params.size() + 1) +
                "::bigint OFFSET $" + std::to_string(params.size() + 2) + "::bigint",
            page);
        for (int i = 0; i < rows.rows(); ++i)
            out.push_back(readGroup(rows, i));
    });
    return out;
}

std::optional<ErrorGroup> PgErrorStore::find(std::int64_t id)
{
    std::optional<ErrorGroup> g;
    _db->read([&](Pg::Session& s) {
        Pg::Result r = s.exec("SELECT " + GROUP_COLUMNS + " FROM " ET "errors WHERE id = $1::bigint", {id});
        g.reset();
        if (r.rows() > 0)
            g = readGroup(r, 0);
    });
    return g;
}

std::vector<ErrorOccurrence> PgErrorStore::occurrences(std::int64_t id)
{
    std::vector<ErrorOccurrence> out;
    _db->read([&](Pg::Session& s) {
        Pg::Result r = s.exec("SELECT id, timestamp, request_url, request_method, request_headers, user_id, "
                              "session_id, extra, traceback FROM " ET "error_occurrences WHERE error_id = $1::bigint "
                              "ORDER BY id DESC",
                              {id});
        out.clear();
        for (int i = 0; i < r.rows(); ++i)
        {
            ErrorOccurrence o;
            r.columns(i, o.id, o.timestamp, o.requestUrl, o.requestMethod, o.requestHeaders, o.userId, o.sessionId,
                      o.extra, o.traceback);
            out.push_back(std::move(o));
        }
    });
    return out;
}

bool PgErrorStore::resolve(std::int64_t id, std::int64_t nowMs)
{
    return _db->transactionResult<bool>([&](Pg::Session& s) {
        if (s.exec("UPDATE " ET "errors SET resolved = true, resolved_at = $1::bigint WHERE id = $2::bigint AND "
                   "NOT resolved",
                   {nowMs, id})
                .affected() > 0)
            return true;
        return s.exec("SELECT 1 FROM " ET "errors WHERE id = $1::bigint", {id}).rows() > 0;
    });
}

bool PgErrorStore::unresolve(std::int64_t id)
{
    return _db->transactionResult<bool>([&](Pg::Session& s) {
        return s.exec("UPDATE " ET "errors SET resolved = false, resolved_at = NULL WHERE id = $1::bigint", {id})
                   .affected() > 0;
    });
}

std::vector<std::string> PgErrorStore::projects()
{
    std::vector<std::string> out;
    _db->read([&](Pg::Session& s) {
        // COLLATE "C": byte order, as SQLite sorts
        Pg::Result r = s.exec("SELECT DISTINCT project COLLATE \"C\" AS p FROM " ET "errors ORDER BY p");
        out.clear();
        for (int i = 0; i < r.rows(); ++i)
            out.push_back(r.text(i, 0));
    });
    return out;
}

std::vector<std::string> PgErrorStore::environments(const std::optional<std::string>& project)
{
    std::vector<std::string> out;
    _db->read([&](Pg::Session& s) {
        Pg::Result r =
            project ? s.exec("SELECT DISTINCT environment COLLATE \"C\" AS e FROM " ET
                             "errors WHERE project = $1 ORDER BY e",
                             {*project})
                    : s.exec("SELECT DISTINCT environment COLLATE \"C\" AS e FROM " ET "errors ORDER BY e");
        out.clear();
        for (int i = 0; i < r.rows(); ++i)
            out.push_back(r.text(i, 0));
    });
    return out;
}

std::map<std::int64_t, std::map<std::int64_t, std::int64_t>> PgErrorStore::hourly(const std::vector<std::int64_t>& ids,
                                                                                  std::int64_t fromHourMs)
{
    std::map<std::int64_t, std::map<std::int64_t, std::int64_t>> out;
    if (ids.empty())
        return out;
    std::string list = "{";
    for (std::size_t i = 0; i < ids.size(); ++i)
        list += (i ? "," : "") + std::to_string(ids[i]);
    list += "}";
    _db->read([&](Pg::Session& s) {
        Pg::Result r = s.exec("SELECT error_id, hour, count FROM " ET "error_hourly WHERE error_id = ANY($1::bigint[]) "
                              "AND hour >= $2::bigint",
                              {list, fromHourMs});
        out.clear();
        for (int i = 0; i < r.rows(); ++i)
            out[r.integer(i, 0)][r.integer(i, 1)] = r.integer(i, 2);
    });
    return out;
}

std::int64_t PgErrorStore::deleteResolvedBefore(std::int64_t cutoffMs, int batch)
{
    // Every host's daily job calls this; the first one of the day (the database's clock) claims the day and
    // deletes, the others find it claimed and delete nothing.
    const bool claimed = _db->transactionResult<bool>([&](Pg::Session& s) {
        return s
                   .exec("UPDATE " ET "jobs SET last_run_day = floor(extract(epoch FROM now()) / 86400) WHERE name = "
                         "'retention' AND last_run_day < floor(extract(epoch FROM now()) / 86400)")
                   .affected() > 0;
    });
    std::int64_t total = 0;
    while (claimed)
    {
        std::int64_t n = _db->transactionResult<std::int64_t>([&](Pg::Session& s) {
            return s
                .exec("DELETE FROM " ET "errors WHERE id IN (SELECT id FROM " ET "errors WHERE resolved AND "
                      "resolved_at < $1::bigint LIMIT $2::bigint)",
                      {cutoffMs, static_cast<std::int64_t>(batch)})
                .affected();
        });
        total += n;
        if (n < batch)
            break;
    }
    return total;
}

std::optional<std::int64_t> PgErrorStore::lastAlertAt(std::int64_t id)
{
    std::optional<std::int64_t> v;
    _db->read([&](Pg::Session& s) {
        Pg::Result r = s.exec("SELECT last_alert_at FROM " ET "errors WHERE id = $1::bigint", {id});
        v.reset();
        if (r.rows() > 0)
            v = r.optInteger(0, 0);
    });
    return v;
}

void PgErrorStore::setLastAlertAt(std::int64_t id, std::int64_t ms)
{
    _db->transaction([&](Pg::Session& s) {
        s.exec("UPDATE " ET "errors SET last_alert_at = $1::bigint WHERE id = $2::bigint", {ms, id});
    });
}

ErrorStore::BulkResult PgErrorStore::setResolvedBulk(const std::vector<std::int64_t>& ids, const ErrorFilter* filter,
                                                     bool resolved, std::int64_t nowMs, std::int64_t cap)
{
    BulkResult out;
    if (filter && filter->matchNothing)
        return out;
    return _db->transactionResult<BulkResult>([&](Pg::Session& s) {
        BulkResult r;
        std::string list = "{"; // the ids to change, as a bigint[] literal
        if (filter)
        {
            std::vector<Pg::Param> params;
            const std::string where = whereClause(*filter, params);
            r.matched = s.exec("SELECT count(*) FROM " ET "errors" + where, params).integer(0, 0);
            std::vector<Pg::Param> other = params;
            other.emplace_back(!resolved);
            const std::string inOther =
                where + " AND resolved = $" + std::to_string(other.size()) + "::boolean";
            const std::int64_t toChange =
                s.exec("SELECT count(*) FROM " ET "errors" + inOther, other).integer(0, 0);
            std::vector<Pg::Param> pickParams = other;
            pickParams.emplace_back(cap);
            // FOR UPDATE: a concurrent bulk call on another host waits instead of counting the same groups twice
            Pg::Result pick = s.exec("SELECT id FROM " ET "errors" + inOther +
                                         " ORDER BY last_seen DESC, id DESC LIMIT $" +
                                         std::to_string(pickParams.size()) + "::bigint FOR UPDATE",
                                     pickParams);
            for (int i = 0; i < pick.rows(); ++i)
                list += (i ? "," : "") + std::to_string(pick.integer(i, 0));
            r.remaining = toChange - pick.rows();
        }
        else
        {
            for (std::size_t i = 0; i < ids.size(); ++i)
                list += (i ? "," : "") + std::to_string(ids[i]);
        }
        list += "}";
        if (!filter)
            r.matched =
                s.exec("SELECT count(*) FROM " ET "errors WHERE id = ANY($1::bigint[])", {list}).integer(0, 0);
        if (resolved)
            r.updated = s.exec("UPDATE " ET "errors SET resolved = true, resolved_at = $1::bigint "
                               "WHERE id = ANY($2::bigint[]) AND NOT resolved",
                               {nowMs, list})
                            .affected();
        else
            r.updated = s.exec("UPDATE " ET "errors SET resolved = false, resolved_at = NULL "
                               "WHERE id = ANY($1::bigint[]) AND resolved",
                               {list})
                            .affected();
        return r;
    });
}

#undef ET

} // namespace ErrorTracker
} // namespace Monlight
