#include "LogRoutes.h"

#include "EntryFormat.h"
#include "FilterParser.h"
#include "Monlight/HttpError.h"
#include "Monlight/Json.h"
#include "Monlight/Text.h"
#include "Monlight/Time.h"
#include <algorithm>
#include <set>

namespace Monlight
{
namespace LogViewer
{

LogRoutes::LogRoutes(std::shared_ptr<Database> db, SseHub& hub,
                     std::function<std::vector<std::string>()> watched, std::shared_ptr<CountCache> counts)
    : LogRoutes(std::make_shared<LogStore>(std::move(db), std::move(counts)), hub, std::move(watched))
{
}

LogRoutes::LogRoutes(std::shared_ptr<LogStoreApi> store, SseHub& hub,
                     std::function<std::vector<std::string>()> watched)
    : _store(std::move(store)), _sqlite(dynamic_cast<LogStore*>(_store.get())),
      _pg(dynamic_cast<PgLogStore*>(_store.get())), _hub(hub), _watched(std::move(watched))
{
}

void LogRoutes::registerRoutes(Router& router)
{
    router.add(Route::get("/api/logs").auth(AuthPolicy::ApiKey).handle([this](Request& q, Response& r) { logs(q, r); }));
    router.add(Route::get("/api/logs/containers").auth(AuthPolicy::ApiKey).handle(
        [this](Request& q, Response& r) { containers(q, r); }));
    router.add(Route::get("/api/containers").auth(AuthPolicy::ApiKey).handle(
        [this](Request& q, Response& r) { containers(q, r); }));
    router.add(Route::get("/api/logs/stats").auth(AuthPolicy::ApiKey).handle(
        [this](Request& q, Response& r) { stats(q, r); }));
    router.add(Route::get("/api/stats").auth(AuthPolicy::ApiKey).handle([this](Request& q, Response& r) { stats(q, r); }));
    // EventSource cannot send headers: the key may come as ?api_key=.
    router.add(Route::get("/api/logs/tail").auth(AuthPolicy::ApiKey).queryKey().handle(
        [this](Request& q, Response& r) { tail(q, r); }));
}

void LogRoutes::registerIngest(Router& router, LogIngestor& ingestor, std::size_t bodyCap)
{
    LogIngestor* in = &ingestor;
    router.add(Route::post("/api/logs").auth(AuthPolicy::ApiKey).bodyCap(bodyCap).handle(
        [in](Request& q, Response& s) { s.json(202, LogIngestor::replyJson(in->ingest(q.body()))); }));
}

void LogRoutes::logs(Request& req, Response& res)
{
    LogFilter f = FilterParser::parseQuery(req.query(), Time::nowMs());
    LogStore::QueryResult r = _store->query(f);
    Json::Writer w;
    w.beginObject().key("logs").beginArray();
    for (const auto& e : r.logs)
        EntryFormat::write(w, e);
    w.endArray().field("total", r.total).field("limit", f.limit).field("offset", f.offset).endObject();
    res.json(200, w.str());
}

void LogRoutes::containers(Request&, Response& res)
{
    auto stats = _store->containerStats();
    std::vector<std::string> watched = _watched ? _watched() : std::vector<std::string>();
    std::set<std::string> watchedSet(watched.begin(), watched.end());
    std::set<std::string> names(watchedSet);
    for (const auto& [name, s] : stats)
        names.insert(name);
    Json::Writer w;
    w.beginObject().key("containers").beginArray();
    for (const auto& name : names)
    {
        auto it = stats.find(name);
        w.beginObject()
            .field("name", name)
            .field("log_count", it == stats.end() ? std::int64_t(0) : it->second.count);
        w.key("last_seen");
        w.value(Time::formatMs(it == stats.end() ? std::nullopt : it->second.lastSeen));
        w.field("watched", watchedSet.count(name) > 0).endObject();
    }
    w.endArray().endObject();
    res.json(200, w.str());
}

void LogRoutes::stats(Request&, Response& res)
{
    LogStore::Stats s = _store->stats();
    Json::Writer w;
    w.beginObject().field("total_logs", s.total).key("oldest_log");
    w.value(Time::formatMs(s.oldest));
    w.key("newest_log");
    w.value(Time::formatMs(s.newest));
    w.key("by_level").beginObject();
    for (const auto& [level, n] : s.byLevel)
        w.field(level, n);
    w.endObject().key("by_container").beginObject();
    for (const auto& [name, n] : s.byContainer)
        w.field(name, n);
    w.endObject().endObject();
    res.json(200, w.str());
}

void LogRoutes::tail(Request& req, Response& res)
{
    if (_pg)
        return pgTail(req, res, *_pg);
    const QueryParams& q = req.query();
    LogFilter f = FilterParser::parseTail(q);
    std::int64_t backlog = 0;
    if (auto b = q.get("backlog"))
        backlog = std::min<std::int64_t>(Text::parseDigits(*b).value_or(0), 500);
    std::optional<std::int64_t> lastEventId;
    if (req.hasHeader("Last-Event-ID"))
        lastEventId = Text::parseDigits(req.header("Last-Event-ID"));
    if (!lastEventId)
    {
        if (auto p = q.get("last_event_id"))
            lastEventId = Text::parseDigits(*p);
    }

    auto stream = _hub.open(f);
    if (!stream)
        throw HttpError(503, "Too many SSE connections").header("Retry-After", "5");

    std::string initial;
    std::int64_t lastSent = 0;
    SseStream::Backlog source;
    try
    {
        initial = "HTTP/1.1 200 OK\r\n" + res.headBlock() +
                  "Content-Type: text/event-stream; charset=utf-8\r\n"
                  "Cache-Control: no-cache\r\n"
                  "Connection: close\r\n"
                  "X-Accel-Buffering: no\r\n\r\n";
        if (req.method() == "HEAD")
        {
            Poco::Net::StreamSocket socket = res.detach();
            socket.sendBytes(initial.data(), static_cast<int>(initial.size()));
            socket.shutdown();
            socket.close();
            _hub.abandon(stream);
            return;
        }
        initial += "retry: 3000\n\n";
        // Subscribed first, backlog second: the stream thread reads the backlog page by page and skips live
        // entries it already sent. A resume gets the newest 1000 entries after its id.
        std::int64_t limit = 0;
        std::optional<std::int64_t> after;
        if (lastEventId)
        {
            after = lastEventId;
            lastSent = *lastEventId;
            limit = 1000;
        }
        else if (backlog > 0)
            limit = backlog;
        if (limit > 0)
        {
            LogStore* store = _sqlite;
            source.start = [store, f, after, limit] { return store->backlogStart(f, after, limit); };
            source.page = [store, f](std::int64_t afterId, std::size_t maxBytes)
            { return store->page(f, afterId, maxBytes, 500); };
        }
    }
    catch (...)
    {
        _hub.abandon(stream);
        throw;
    }
    Poco::Net::StreamSocket socket;
    try
    {
        socket = res.detach();
    }
    catch (...)
    {
        _hub.abandon(stream);
        throw;
    }
    stream->start(std::move(socket), std::move(initial), lastSent, std::move(source));
}

void LogRoutes::pgTail(Request& req, Response& res, PgLogStore& pg)
{
    // Several hosts write: the stream reads the rows itself, after a position per ingester (PgLogStore.h), woken
    // by commits here and by the watcher for other hosts' commits. Its event ids are positions: a resume by
    // Last-Event-ID continues exactly after the last event seen, whichever host it reconnects to.
    const QueryParams& q = req.query();
    LogFilter f = FilterParser::parseTail(q);
    std::int64_t backlog = 0;
    if (auto b = q.get("backlog"))
        backlog = std::min<std::int64_t>(Text::parseDigits(*b).value_or(0), 500);
    std::optional<std::string> lastEventId;
    if (req.hasHeader("Last-Event-ID"))
        lastEventId = req.header("Last-Event-ID");
    else if (auto p = q.get("last_event_id"))
        lastEventId = *p;
    // An id that is not a position is ignored (a fresh tail), as a non-numeric one on SQLite; `0` (the start)
    // resumes before every row.
    std::optional<TailPosition> resume;
    if (lastEventId)
    {
        if (*lastEventId == "0")
            resume = TailPosition();
        else
            resume = TailPosition::parse(*lastEventId);
    }

    auto stream = _hub.open(f);
    if (!stream)
        throw HttpError(503, "Too many SSE connections").header("Retry-After", "5");
    std::string initial;
    try
    {
        initial = "HTTP/1.1 200 OK\r\n" + res.headBlock() +
                  "Content-Type: text/event-stream; charset=utf-8\r\n"
                  "Cache-Control: no-cache\r\n"
                  "Connection: close\r\n"
                  "X-Accel-Buffering: no\r\n\r\n";
        if (req.method() == "HEAD")
        {
            Poco::Net::StreamSocket socket = res.detach();
            socket.sendBytes(initial.data(), static_cast<int>(initial.size()));
            socket.shutdown();
            socket.close();
            _hub.abandon(stream);
            return;
        }
        initial += "retry: 3000\n\n";
        auto pos = std::make_shared<TailPosition>();
        if (resume)
            *pos = *resume;
        else
        {
            // The backlog's events carry the start position: a resume from one of them continues at the start.
            std::vector<LogEntry> first = pg.tailStart(f, backlog, *pos);
            const std::string id = pos->format();
            for (const auto& e : first)
            {
                std::string frame = EntryFormat::sseFrame(e);
                frame.replace(4, std::to_string(e.id).size(), id); // "id: <id>" → "id: <position>"
                initial += frame;
            }
        }
        PgLogStore* store = &pg;
        SseStream::Pull pull = [store, f, pos](bool& more)
        {
            constexpr std::int64_t PAGE = 200;
            std::vector<std::string> ids;
            std::vector<LogEntry> page = store->tailPage(f, *pos, PAGE, 256 * 1024, ids);
            std::string out;
            for (std::size_t i = 0; i < page.size(); ++i)
            {
                std::string frame = EntryFormat::sseFrame(page[i]);
                frame.replace(4, std::to_string(page[i].id).size(), ids[i]);
                out += frame;
            }
            more = !page.empty();
            return out;
        };
        Poco::Net::StreamSocket socket = res.detach();
        stream->startPull(std::move(socket), std::move(initial), std::move(pull), 5000); // woken sooner by the watcher
    }
    catch (...)
    {
        _hub.abandon(stream);
        throw;
    }
}

} // namespace LogViewer
} // namespace Monlight
