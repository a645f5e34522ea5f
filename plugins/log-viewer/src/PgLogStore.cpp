#include "PgLogStore.h"

#include "LevelDetector.h"
#include "Monlight/HttpError.h"
#include "Monlight/Json.h"
#include "Monlight/Time.h"
#include <Poco/Exception.h>
#include <algorithm>
#include <queue>
#include <set>

namespace Monlight
{
namespace LogViewer
{

namespace
{

// Every table is named with its schema: the pool is shared by the plugins of the host.
#define LV "log_viewer."

const char* const SCHEMA = "log_viewer";
const char* const SELECT_COLUMNS = "e.id, e.timestamp, e.container, e.container_id, e.stream, e.level, e.message, "
                                   "e.trace_id, e.attributes";
constexpr int ENTRY_COLUMNS = 9;

/// Advisory lock keys (transaction-scoped): one host at a time trims the ring buffer or runs retention.
constexpr std::int64_t TRIM_LOCK = 0x4c56'0001; // "LV" 1
constexpr std::int64_t REGISTER_LOCK = 0x4c56'0002;

/// The FTS text of a row split into runs of letters and digits, as the SQLite store's unicode61 tokenizer does.
const char* const TSV_EXPR =
    "to_tsvector('simple', regexp_replace(x.m || coalesce(' ' || (SELECT string_agg(key || ' ' || value, ' ') "
    "FROM jsonb_each_text(x.a::jsonb)), '') || coalesce(' ' || x.t, ''), '[^[:alnum:]]+', ' ', 'g'))";

/// NUL cannot be stored in PostgreSQL text (and jsonb refuses \u0000): U+FFFD, as Pg::Param does.
std::string clean(const std::string& s)
{
    if (s.find('\0') == std::string::npos)
        return s;
    std::string out;
    out.reserve(s.size() + 8);
    for (char c : s)
    {
        if (c == '\0')
            out += "\xEF\xBF\xBD";
        else
            out += c;
    }
    return out;
}

LogEntry readEntry(const Pg::Result& r, int row, int col = 0)
{
    LogEntry e;
    e.id = r.integer(row, col);
    e.timestampMs = r.integer(row, col + 1);
    e.container = r.text(row, col + 2);
    e.containerId = r.text(row, col + 3);
    e.isStderr = r.text(row, col + 4) == "stderr";
    e.level = LevelDetector::parse(r.text(row, col + 5)).value_or(Level::Info);
    e.message = r.text(row, col + 6);
    e.traceId = r.text(row, col + 7);
    e.attributes = r.text(row, col + 8);
    return e;
}

/// Conditions of a filter with their `$n` parameters.
class Where
{
public:
    explicit Where(std::vector<Pg::Param>& params) : _params(params) {}

    /// Appends `cond` with each `?` replaced by the next parameter.
    void add(std::string cond, std::vector<Pg::Param> ps = {})
    {
        for (auto& p : ps)
        {
            _params.push_back(std::move(p));
            auto at = cond.find('?');
            cond.replace(at, 1, "$" + std::to_string(_params.size()));
        }
        _sql += _sql.empty() ? " WHERE " : " AND ";
        _sql += cond;
    }
    const std::string& sql() const { return _sql; }

private:
    std::vector<Pg::Param>& _params;
    std::string _sql;
};

std::string jsonList(const std::vector<std::string>& items)
{
    Json::Writer w;
    w.beginArray();
    for (const auto& s : items)
        w.value(s);
    w.endArray();
    return w.take();
}

/// The container/level/stream/contains/trace/host/source/time conditions (and the search when `withMatch`).
void appendConditions(const LogFilter& f, Where& w, bool withMatch)
{
    if (withMatch && f.match)
        w.add("e.tsv @@ to_tsquery('simple', ?)", {PgLogStore::toTsQuery(*f.match)});
    if (!f.containers.empty())
        w.add("e.container IN (SELECT jsonb_array_elements_text(?::jsonb))", {jsonList(f.containers)});
    if (!f.levels.empty())
    {
        std::vector<std::string> names;
        for (auto l : f.levels)
            names.emplace_back(LevelDetector::name(l));
        w.add("e.level IN (SELECT jsonb_array_elements_text(?::jsonb))", {jsonList(names)});
    }
    if (f.isStderr)
        w.add("e.stream = ?", {std::string(*f.isStderr ? "stderr" : "stdout")});
    if (f.contains && !f.contains->empty())
        // ASCII-only lower-casing, as SQLite's lower() and the live tail's matcher
        w.add("strpos(translate(e.message, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz'), ?) > 0",
              {*f.contains});
    if (f.traceId)
        w.add("e.trace_id = ?", {*f.traceId});
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
            w.add("(e.container = ? OR left(e.container_id, ?::int) = ?)",
                  {*f.host, static_cast<std::int64_t>(hex.size()), hex});
        else
            w.add("e.container = ?", {*f.host});
    }
    if (f.fromApi)
        w.add("(left(e.container_id, 4) = 'api:') = ?::boolean", {*f.fromApi});
    if (f.since)
        w.add("e.timestamp >= ?::bigint", {*f.since});
    if (f.until)
        w.add("e.timestamp <= ?::bigint", {*f.until});
}

/// The live-tail part of a filter (no search, no time range).
LogFilter liveFilter(const LogFilter& f)
{
    LogFilter live = f;
    live.match.reset();
    live.since.reset();
    live.until.reset();
    live.host.reset();
    return live;
}

// ---------------------------------------------------------------------------------------------------------------
// FTS5 expressions as tsqueries

/// A tsquery operand no row matches: rows' lexemes carry the default weight D, never A.
const char* const NEVER = "'a':A";

[[noreturn]] void badSearch(const std::string& why)
{
    throw HttpError(400, "Invalid search query: " + why);
}

/// A recursive-descent reading of FTS5's query syntax (phrases, prefixes, AND/OR/NOT, parentheses, NEAR, the
/// `message:` column filter) producing the equivalent tsquery text; errors carry FTS5's own messages.
class FtsTranslator
{
public:
    explicit FtsTranslator(const std::string& q) : _q(q) { next(); }

    std::string translate()
    {
        if (_tok.kind == Kind::End)
            badSearch("fts5: syntax error near \"\"");
        std::string out = orExpr();
        if (_tok.kind != Kind::End)
            syntaxError();
        return out;
    }

private:
    enum class Kind
    {
        End,
        Word,   // bareword
        String, // "quoted"
        LParen,
        RParen,
        Colon,
        Star,
        Plus,
        Caret,
        Comma,
        Minus,
        LBrace,
        RBrace,
    };
    struct Token
    {
        Kind kind = Kind::End;
        std::string text;
    };

    static bool barewordChar(unsigned char c)
    {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
               c >= 0x80 || c == 0x1a;
    }

    void next()
    {
        while (_pos < _q.size() && (_q[_pos] == ' ' || _q[_pos] == '\t' || _q[_pos] == '\n' || _q[_pos] == '\r'))
            ++_pos;
        _tok = Token();
        if (_pos >= _q.size())
            return;
        const char c = _q[_pos];
        auto single = [&](Kind k)
        {
            _tok.kind = k;
            _tok.text = std::string(1, c);
            ++_pos;
        };
        switch (c)
        {
        case '(': return single(Kind::LParen);
        case ')': return single(Kind::RParen);
        case ':': return single(Kind::Colon);
        case '*': return single(Kind::Star);
        case '+': return single(Kind::Plus);
        case '^': return single(Kind::Caret);
        case ',': return single(Kind::Comma);
        case '-': return single(Kind::Minus);
        case '{': return single(Kind::LBrace);
        case '}': return single(Kind::RBrace);
        default: break;
        }
        if (c == '"')
        {
            std::string text;
            std::size_t i = _pos + 1;
            for (;;)
            {
                if (i >= _q.size())
                    badSearch("fts5: syntax error near \"" + _q.substr(_pos) + "\"");
                if (_q[i] == '"')
                {
                    if (i + 1 < _q.size() && _q[i + 1] == '"')
                    {
                        text += '"';
                        i += 2;
                        continue;
                    }
                    break;
                }
                text += _q[i++];
            }
            _pos = i + 1;
            _tok.kind = Kind::String;
            _tok.text = std::move(text);
            return;
        }
        if (barewordChar(static_cast<unsigned char>(c)))
        {
            std::size_t i = _pos;
            while (i < _q.size() && barewordChar(static_cast<unsigned char>(_q[i])))
                ++i;
            _tok.kind = Kind::Word;
            _tok.text = _q.substr(_pos, i - _pos);
            _pos = i;
            return;
        }
        // FTS5 names the offending character (one UTF-8 sequence is never reached here: bytes >= 0x80 are words)
        badSearch("fts5: syntax error near \"" + std::string(1, c) + "\"");
    }

    [[noreturn]] void syntaxError()
    {
        badSearch("fts5: syntax error near \"" + _tok.text + "\"");
    }

    bool isKeyword(const char* k) const { return _tok.kind == Kind::Word && _tok.text == k; }

    /// Whether the current token can begin an operand (an implicit AND).
    bool startsOperand() const
    {
        if (_tok.kind == Kind::Word)
            return !isKeyword("AND") && !isKeyword("OR") && !isKeyword("NOT");
        return _tok.kind == Kind::String || _tok.kind == Kind::LParen || _tok.kind == Kind::Caret ||
               _tok.kind == Kind::Minus || _tok.kind == Kind::LBrace;
    }

    std::string orExpr()
    {
        std::string left = andExpr();
        while (isKeyword("OR"))
        {
            next();
            left = "(" + left + " | " + andExpr() + ")";
        }
        return left;
    }

    std::string andExpr()
    {
        std::string left = notExpr();
        for (;;)
        {
            if (isKeyword("AND"))
                next();
            else if (!startsOperand())
                break;
            left = "(" + left + " & " + notExpr() + ")";
        }
        return left;
    }

    std::string notExpr()
    {
        std::string left = primary();
        while (isKeyword("NOT"))
        {
            next();
            left = "(" + left + " & !" + primary() + ")";
        }
        return left;
    }

    /// Lower-cased runs of letters and digits of `text`.
    static std::vector<std::string> tokens(const std::string& text)
    {
        std::vector<std::string> out;
        std::string cur;
        for (unsigned char c : text)
        {
            bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
            if (alnum)
                cur += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
            else if (!cur.empty())
            {
                out.push_back(std::move(cur));
                cur.clear();
            }
        }
        if (!cur.empty())
            out.push_back(std::move(cur));
        return out;
    }

    static std::string lexeme(const std::string& t)
    {
        std::string out = "'";
        for (char c : t)
        {
            if (c == '\'' || c == '\\')
                out += c;
            out += c;
        }
        return out + "'";
    }

    /// A phrase: strings and barewords joined by `+`, each with an optional trailing `*` (prefix).
    std::string phrase()
    {
        std::vector<std::string> lexemes;
        for (;;)
        {
            if (_tok.kind != Kind::Word && _tok.kind != Kind::String)
                syntaxError();
            std::vector<std::string> ts = tokens(_tok.text);
            next();
            bool prefix = false;
            if (_tok.kind == Kind::Star)
            {
                prefix = true;
                next();
            }
            for (std::size_t i = 0; i < ts.size(); ++i)
                lexemes.push_back(lexeme(ts[i]) + (prefix && i + 1 == ts.size() ? ":*" : ""));
            if (_tok.kind != Kind::Plus)
                break;
            next();
        }
        if (lexemes.empty())
            return NEVER; // FTS5's empty phrase matches nothing
        std::string out = lexemes[0];
        for (std::size_t i = 1; i < lexemes.size(); ++i)
            out += " <-> " + lexemes[i];
        return lexemes.size() > 1 ? "(" + out + ")" : out;
    }

    std::string primary()
    {
        if (_tok.kind == Kind::Caret)
            next(); // "first token of the column": not kept by the tsvector, the phrase alone is searched
        if (_tok.kind == Kind::LParen)
        {
            next();
            std::string inner = orExpr();
            if (_tok.kind != Kind::RParen)
                syntaxError();
            next();
            return inner;
        }
        if (_tok.kind == Kind::LBrace || _tok.kind == Kind::Minus)
        {
            // a column set: only `message` exists
            bool negated = _tok.kind == Kind::Minus;
            next();
            bool braced = false;
            if (_tok.kind == Kind::LBrace)
            {
                braced = true;
                next();
            }
            while (_tok.kind == Kind::Word || _tok.kind == Kind::String)
            {
                if (_tok.text != "message")
                    badSearch("no such column: " + _tok.text);
                next();
                if (!braced)
                    break;
            }
            if (braced)
            {
                if (_tok.kind != Kind::RBrace)
                    syntaxError();
                next();
            }
            if (_tok.kind != Kind::Colon)
                syntaxError();
            next();
            std::string operand = primary();
            return negated ? NEVER : operand; // excluding the only column leaves nothing to match
        }
        if (_tok.kind == Kind::Word && _tok.text == "NEAR")
        {
            std::size_t save = _pos;
            Token saved = _tok;
            next();
            if (_tok.kind == Kind::LParen)
            {
                next();
                std::vector<std::string> parts;
                while (_tok.kind == Kind::Word || _tok.kind == Kind::String)
                    parts.push_back(phrase());
                if (parts.empty())
                    syntaxError();
                if (_tok.kind == Kind::Comma)
                {
                    next();
                    if (_tok.kind != Kind::Word)
                        syntaxError();
                    next();
                }
                if (_tok.kind != Kind::RParen)
                    syntaxError();
                next();
                // NEAR's distance is not kept: every phrase must occur (a superset of FTS5's matches)
                std::string out = parts[0];
                for (std::size_t i = 1; i < parts.size(); ++i)
                    out += " & " + parts[i];
                return "(" + out + ")";
            }
            _pos = save;
            _tok = saved;
        }
        if (_tok.kind == Kind::Word)
        {
            // A column filter `name : ...`?
            std::size_t save = _pos;
            Token word = _tok;
            next();
            if (_tok.kind == Kind::Colon)
            {
                if (word.text != "message")
                    badSearch("no such column: " + word.text);
                next();
                return primary();
            }
            _pos = save;
            _tok = word;
        }
        return phrase();
    }

    const std::string& _q;
    std::size_t _pos = 0;
    Token _tok;
};

} // namespace

// ---------------------------------------------------------------------------------------------------------------
// TailPosition

std::string TailPosition::format() const
{
    std::string out = std::to_string(base) + ":";
    bool first = true;
    for (const auto& [ingester, seq] : seqs)
    {
        if (!first)
            out += ',';
        first = false;
        out += std::to_string(ingester);
        out += '.';
        out += std::to_string(seq);
    }
    return out;
}

std::optional<TailPosition> TailPosition::parse(const std::string& text)
{
    if (text.size() > 8192)
        return std::nullopt;
    TailPosition p;
    std::size_t i = 0;
    auto number = [&](std::int64_t& v) -> bool
    {
        std::size_t start = i;
        v = 0;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 18)
            v = v * 10 + (text[i++] - '0');
        return i > start && (i >= text.size() || text[i] < '0' || text[i] > '9');
    };
    if (!number(p.base) || i >= text.size() || text[i] != ':')
        return std::nullopt;
    ++i;
    while (i < text.size())
    {
        std::int64_t ingester = 0, seq = 0;
        if (!number(ingester) || i >= text.size() || text[i] != '.')
            return std::nullopt;
        ++i;
        if (!number(seq) || ingester > p.base || p.seqs.count(ingester))
            return std::nullopt;
        p.seqs[ingester] = seq;
        if (i < text.size())
        {
            if (text[i] != ',' || i + 1 >= text.size())
                return std::nullopt;
            ++i;
        }
    }
    return p;
}

// ---------------------------------------------------------------------------------------------------------------
// Store

std::shared_ptr<PgLogStore> PgLogStore::open(std::shared_ptr<Pg::PgDatabase> db,
                                             const std::vector<std::string>& migrations)
{
    db->migrate(SCHEMA, migrations, "log-viewer");
    auto store = std::make_shared<PgLogStore>(std::move(db));
    store->registerIngester();
    return store;
}

PgLogStore::PgLogStore(std::shared_ptr<Pg::PgDatabase> db) : _db(std::move(db))
{
    _writer = std::thread([this] { writerLoop(); });
}

PgLogStore::~PgLogStore()
{
    close();
}

void PgLogStore::close()
{
    {
        std::lock_guard<std::mutex> lock(_mutex);
        _stop = true;
    }
    _cv.notify_all();
    if (_writer.joinable())
        _writer.join();
}

void PgLogStore::registerIngester()
{
    // Ingesters are numbered in commit order too (one registration at a time): a position's `base` then covers
    // every ingester with a smaller id.
    const std::int64_t now = Time::nowMs();
    _ingester = _db->transactionResult<std::int64_t>(
        [&](Pg::Session& s)
        {
            s.exec("SELECT pg_advisory_xact_lock($1::bigint)", {REGISTER_LOCK});
            return s
                .exec("INSERT INTO " LV "ingesters(started_at, seen_at) VALUES($1::bigint, $1::bigint) RETURNING id",
                      {now})
                .integer(0, 0);
        });
}

std::future<void> PgLogStore::submitBatch(std::shared_ptr<IngestBatch> batch, std::shared_ptr<WriteSequence> sequence,
                                          Committed committed)
{
    auto item = std::make_unique<Item>();
    item->batch = std::move(batch);
    item->sequence = std::move(sequence);
    item->committed = std::move(committed);
    std::future<void> f = item->done.get_future();
    {
        std::lock_guard<std::mutex> lock(_mutex);
        if (_stop)
            throw StorageError(StorageError::Reason::Stopping);
        if (_queue.size() >= 10000)
            throw StorageError(StorageError::Reason::Busy);
        _queue.push_back(std::move(item));
    }
    _cv.notify_one();
    return f;
}

void PgLogStore::writerLoop()
{
    std::uint64_t transaction = 0;
    // Sequences with a failed write, and their batches failed since: later writes of the sequence fail without
    // running (none commits ahead of the failed one) until the producer submits a failed batch again (WriteSequence:
    // it waits for every future, then resubmits them in order).
    std::map<const WriteSequence*, std::set<const IngestBatch*>> broken;
    for (;;)
    {
        std::unique_ptr<Item> item;
        {
            std::unique_lock<std::mutex> lock(_mutex);
            _cv.wait(lock, [this] { return _stop || !_queue.empty(); });
            if (_queue.empty())
                return; // stopping, everything written
            item = std::move(_queue.front());
            _queue.pop_front();
        }
        const WriteSequence* sequence = item->sequence.get();
        if (sequence)
        {
            auto b = broken.find(sequence);
            if (b != broken.end())
            {
                if (b->second.count(item->batch.get()))
                    broken.erase(b); // resubmitted: the sequence goes on
                else
                {
                    b->second.insert(item->batch.get());
                    item->done.set_exception(std::make_exception_ptr(
                        Poco::IllegalStateException("an earlier write of the sequence failed")));
                    continue;
                }
            }
        }
        try
        {
            write(*item, ++transaction);
            item->done.set_value();
        }
        catch (...)
        {
            if (sequence)
                broken[sequence].insert(item->batch.get());
            item->done.set_exception(std::current_exception());
        }
    }
}

void PgLogStore::write(Item& item, std::uint64_t transaction)
{
    IngestBatch& batch = *item.batch;
    const std::int64_t n = static_cast<std::int64_t>(batch.entries.size());
    std::string rows, cursors;
    if (n > 0)
    {
        Json::Writer w;
        w.beginArray();
        for (std::int64_t i = 0; i < n; ++i)
        {
            const LogEntry& e = batch.entries[static_cast<std::size_t>(i)];
            w.beginObject()
                .field("n", i + 1)
                .field("ts", e.timestampMs)
                .field("c", clean(e.container))
                .field("cid", clean(e.containerId))
                .field("s", e.isStderr ? "stderr" : "stdout")
                .field("l", LevelDetector::name(e.level))
                .field("m", clean(e.message));
            if (!e.traceId.empty())
                w.field("t", e.traceId);
            if (!e.attributes.empty())
                w.field("a", clean(e.attributes));
            w.endObject();
        }
        w.endArray();
        rows = w.take();
    }
    if (!batch.cursors.empty())
    {
        Json::Writer w;
        w.beginArray();
        for (const auto& c : batch.cursors)
            w.beginObject()
                .field("id", clean(c.containerId))
                .field("name", clean(c.containerName))
                .field("path", clean(c.filePath))
                .field("inode", c.inode)
                .field("pos", c.position)
                .field("at", c.updatedAt)
                .endObject();
        w.endArray();
        cursors = w.take();
    }
    std::vector<std::int64_t> ids;
    _db->transaction(
        [&](Pg::Session& s)
        {
            ids.clear();
            if (n > 0)
            {
                // This ingester's rows are numbered in commit order: one transaction at a time takes the next n.
                const std::int64_t last =
                    s.exec("UPDATE " LV "ingesters SET seq = seq + $2::bigint, rows = rows + $2::bigint, "
                           "seen_at = $3::bigint WHERE id = $1::bigint RETURNING seq",
                           {_ingester, n, Time::nowMs()})
                        .integer(0, 0);
                Pg::Result r = s.exec(
                    std::string("INSERT INTO " LV "log_entries(ingester, seq, timestamp, container, container_id, "
                                "stream, level, message, trace_id, attributes, tsv) SELECT $1::bigint, "
                                "$2::bigint + x.n, x.ts, x.c, x.cid, x.s, x.l, x.m, x.t, x.a, ") +
                        TSV_EXPR +
                        " FROM jsonb_to_recordset($3::jsonb) AS x(n bigint, ts bigint, c text, cid text, s text, "
                        "l text, m text, t text, a text) ORDER BY x.n RETURNING seq, id",
                    {_ingester, last - n, rows});
                ids.assign(static_cast<std::size_t>(n), 0);
                for (int i = 0; i < r.rows(); ++i)
                {
                    std::int64_t k = r.integer(i, 0) - (last - n) - 1;
                    if (k >= 0 && k < n)
                        ids[static_cast<std::size_t>(k)] = r.integer(i, 1);
                }
                s.exec("SELECT pg_notify('log_viewer_tail', $1)", {std::to_string(_ingester)});
            }
            if (!cursors.empty())
                s.exec("INSERT INTO " LV "cursors(container_id, container_name, file_path, inode, position, "
                       "updated_at) SELECT x.id, x.name, x.path, x.inode, x.pos, x.at FROM jsonb_to_recordset("
                       "$1::jsonb) AS x(id text, name text, path text, inode bigint, pos bigint, at bigint) "
                       "ON CONFLICT (container_id) DO UPDATE SET container_name = excluded.container_name, "
                       "file_path = excluded.file_path, inode = excluded.inode, position = excluded.position, "
                       "updated_at = excluded.updated_at",
                       {cursors});
        });
    for (std::size_t i = 0; i < ids.size(); ++i)
        batch.entries[i].id = ids[i];
    if (n > 0 && item.committed)
        item.committed(transaction);
}

namespace
{
/// Deletes the rows chosen by `pick` (a SELECT of ids with `$n` parameters) and takes them off their ingesters'
/// counts, in one statement.
std::int64_t deleteRows(Pg::Session& s, const std::string& pick, const std::vector<Pg::Param>& params)
{
    return s
        .exec("WITH d AS (DELETE FROM " LV "log_entries WHERE id IN (" + pick +
                  ") RETURNING ingester), c AS (SELECT ingester, count(*) AS n FROM d GROUP BY ingester), "
                  "u AS (UPDATE " LV "ingesters g SET rows = g.rows - c.n FROM c WHERE g.id = c.ingester) "
                  "SELECT coalesce(sum(n), 0) FROM c",
              params)
        .integer(0, 0);
}
} // namespace

std::int64_t PgLogStore::deleteOldest(std::int64_t n)
{
    if (n <= 0)
        return 0;
    return _db->transactionResult<std::int64_t>(
        [&](Pg::Session& s)
        { return deleteRows(s, "SELECT id FROM " LV "log_entries ORDER BY id LIMIT $1::bigint", {n}); });
}

std::int64_t PgLogStore::deleteBeyond(std::int64_t keep, std::int64_t maxRows)
{
    return _db->transactionResult<std::int64_t>(
        [&](Pg::Session& s) -> std::int64_t
        {
            // One host at a time, each counting after the previous one committed (a host that skipped instead
            // could leave rows its own last commit added above the limit, counted by nobody).
            s.exec("SELECT pg_advisory_xact_lock($1::bigint)", {TRIM_LOCK});
            const std::int64_t total = s.exec("SELECT coalesce(sum(rows), 0) FROM " LV "ingesters").integer(0, 0);
            const std::int64_t over = std::min(total - keep, maxRows);
            if (over <= 0)
                return 0;
            return deleteRows(s, "SELECT id FROM " LV "log_entries ORDER BY id LIMIT $1::bigint", {over});
        });
}

std::int64_t PgLogStore::deleteOlder(std::int64_t cutoffMs, std::int64_t maxRows)
{
    return _db->transactionResult<std::int64_t>(
        [&](Pg::Session& s) -> std::int64_t
        {
            if (!s.exec("SELECT pg_try_advisory_xact_lock($1::bigint)", {TRIM_LOCK}).boolean(0, 0))
                return 0;
            return deleteRows(s,
                              "SELECT id FROM " LV "log_entries WHERE timestamp < $1::bigint LIMIT $2::bigint",
                              {cutoffMs, maxRows});
        });
}

void PgLogStore::cleanupCursors(std::int64_t cutoffMs, const std::vector<std::string>& keep)
{
    _db->transaction(
        [&](Pg::Session& s)
        {
            s.exec("DELETE FROM " LV "cursors WHERE updated_at < $1::bigint AND container_id NOT IN "
                   "(SELECT jsonb_array_elements_text($2::jsonb))",
                   {cutoffMs, jsonList(keep)});
        });
}

std::vector<LogStoreApi::Cursor> PgLogStore::cursors()
{
    std::vector<Cursor> out;
    _db->read(
        [&](Pg::Session& s)
        {
            out.clear();
            Pg::Result r = s.exec(
                "SELECT container_id, container_name, file_path, inode, position, updated_at FROM " LV "cursors");
            for (int i = 0; i < r.rows(); ++i)
            {
                Cursor c;
                r.columns(i, c.containerId, c.containerName, c.filePath, c.inode, c.position, c.updatedAt);
                out.push_back(std::move(c));
            }
        });
    return out;
}

std::int64_t PgLogStore::rowCount()
{
    std::int64_t n = 0;
    _db->read([&](Pg::Session& s) { n = s.exec("SELECT coalesce(sum(rows), 0) FROM " LV "ingesters").integer(0, 0); });
    return n;
}

std::optional<std::int64_t> PgLogStore::newestTimestamp()
{
    std::optional<std::int64_t> v;
    _db->read([&](Pg::Session& s) { v = s.exec("SELECT max(timestamp) FROM " LV "log_entries").optInteger(0, 0); });
    return v;
}

LogStoreApi::QueryResult PgLogStore::query(const LogFilter& f)
{
    std::vector<Pg::Param> params;
    Where where(params);
    appendConditions(f, where, true);
    const std::vector<Pg::Param> countParams = params;
    const std::string countWhere = where.sql();
    if (f.beforeId)
    {
        std::optional<std::int64_t> ts = f.beforeTs;
        if (!ts)
            _db->read(
                [&](Pg::Session& s)
                {
                    ts = s.exec("SELECT timestamp FROM " LV "log_entries WHERE id = $1::bigint", {*f.beforeId})
                             .optInteger(0, 0);
                });
        if (ts)
            where.add("(e.timestamp, e.id) < (?::bigint, ?::bigint)", {*ts, *f.beforeId});
        else // the cursor entry is gone (retention): ids still order the rest well enough
            where.add("e.id < ?::bigint", {*f.beforeId});
    }
    params.emplace_back(f.limit);
    params.emplace_back(f.offset);
    const std::string sql = std::string("SELECT ") + SELECT_COLUMNS + " FROM " LV "log_entries e" + where.sql() +
                            " ORDER BY e.timestamp DESC, e.id DESC LIMIT $" + std::to_string(params.size() - 1) +
                            "::bigint OFFSET $" + std::to_string(params.size()) + "::bigint";
    QueryResult out;
    _db->read(
        [&](Pg::Session& s)
        {
            out = QueryResult();
            Pg::Result r = s.exec(sql, params);
            for (int i = 0; i < r.rows(); ++i)
                out.logs.push_back(readEntry(r, i));
            if (f.offset == 0 && !f.beforeId && static_cast<std::int64_t>(out.logs.size()) < f.limit)
                out.total = static_cast<std::int64_t>(out.logs.size());
            else
                out.total = s.exec("SELECT count(*) FROM " LV "log_entries e" + countWhere, countParams).integer(0, 0);
        });
    return out;
}

std::map<std::string, LogStoreApi::ContainerStats> PgLogStore::containerStats()
{
    std::map<std::string, ContainerStats> out;
    _db->read(
        [&](Pg::Session& s)
        {
            out.clear();
            Pg::Result r =
                s.exec("SELECT container, count(*), max(timestamp) FROM " LV "log_entries GROUP BY container");
            for (int i = 0; i < r.rows(); ++i)
            {
                ContainerStats c;
                c.count = r.integer(i, 1);
                c.lastSeen = r.optInteger(i, 2);
                out[r.text(i, 0)] = c;
            }
        });
    return out;
}

LogStoreApi::Stats PgLogStore::stats()
{
    Stats st;
    _db->read(
        [&](Pg::Session& s)
        {
            st = Stats();
            Pg::Result r = s.exec("SELECT count(*), min(timestamp), max(timestamp) FROM " LV "log_entries");
            st.total = r.integer(0, 0);
            st.oldest = r.optInteger(0, 1);
            st.newest = r.optInteger(0, 2);
            Pg::Result l = s.exec("SELECT level, count(*) FROM " LV "log_entries GROUP BY level");
            for (int i = 0; i < l.rows(); ++i)
                st.byLevel[l.text(i, 0)] = l.integer(i, 1);
            Pg::Result c = s.exec("SELECT container, count(*) FROM " LV "log_entries GROUP BY container");
            for (int i = 0; i < c.rows(); ++i)
                st.byContainer[c.text(i, 0)] = c.integer(i, 1);
        });
    return st;
}

// ---------------------------------------------------------------------------------------------------------------
// Live tail

namespace
{
TailPosition readEnd(Pg::Session& s)
{
    TailPosition p;
    Pg::Result r = s.exec("SELECT id, seq FROM " LV "ingesters ORDER BY id");
    for (int i = 0; i < r.rows(); ++i)
    {
        p.seqs[r.integer(i, 0)] = r.integer(i, 1);
        p.base = std::max(p.base, r.integer(i, 0));
    }
    return p;
}
} // namespace

TailPosition PgLogStore::end()
{
    TailPosition p;
    _db->read([&](Pg::Session& s) { p = readEnd(s); });
    return p;
}

std::vector<LogEntry> PgLogStore::tailStart(const LogFilter& filter, std::int64_t backlog, TailPosition& start)
{
    std::vector<LogEntry> out;
    _db->transaction(
        [&](Pg::Session& s)
        {
            out.clear();
            // One snapshot: the end read first and the backlog rows are the same state.
            s.exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
            start = readEnd(s);
            if (backlog <= 0)
                return;
            std::vector<Pg::Param> params;
            Where where(params);
            appendConditions(liveFilter(filter), where, false);
            params.emplace_back(backlog);
            Pg::Result r = s.exec(std::string("SELECT ") + SELECT_COLUMNS + " FROM " LV "log_entries e" +
                                      where.sql() + " ORDER BY e.timestamp DESC, e.id DESC LIMIT $" +
                                      std::to_string(params.size()) + "::bigint",
                                  params);
            for (int i = r.rows(); i-- > 0;)
                out.push_back(readEntry(r, i));
        });
    return out;
}

std::vector<LogEntry> PgLogStore::tailPage(const LogFilter& filter, TailPosition& pos, std::int64_t perIngester,
                                           std::int64_t maxBytes, std::vector<std::string>& ids)
{
    // Per ingester: its end (`hw`, committed with its rows, so the same snapshot shows exactly its rows up to hw)
    // and its next matching rows after the position.
    std::string known, seqs;
    for (const auto& [ingester, seq] : pos.seqs)
    {
        known += (known.empty() ? "" : ",") + std::to_string(ingester);
        seqs += (seqs.empty() ? "" : ",") + std::to_string(seq);
    }
    std::vector<Pg::Param> params{"{" + known + "}", "{" + seqs + "}", pos.base, perIngester, maxBytes};
    Where where(params);
    appendConditions(liveFilter(filter), where, false);
    std::string cond = where.sql();
    if (!cond.empty())
        cond.replace(0, 7, " AND "); // " WHERE " → continues the lateral's conditions
    const std::string sql =
        "WITH g AS (SELECT i.id, i.seq AS hw, coalesce(p.seq, 0) AS pos FROM " LV "ingesters i LEFT JOIN "
        "unnest($1::bigint[], $2::bigint[]) AS p(ing, seq) ON p.ing = i.id "
        "WHERE p.ing IS NOT NULL OR i.id > $3::bigint) "
        "SELECT g.id, g.hw, e.seq, e.n, " +
        std::string(SELECT_COLUMNS) +
        // at most $4 rows of the ingester, cut once their messages reach $5 bytes (at least one row)
        " FROM g LEFT JOIN LATERAL (SELECT * FROM (SELECT q.*, count(*) OVER () AS n, "
        "sum(octet_length(q.message) + 128) OVER (ORDER BY q.seq) - octet_length(q.message) - 128 AS before "
        "FROM (SELECT e.seq, " + SELECT_COLUMNS + " FROM " LV
        "log_entries e WHERE e.ingester = g.id AND e.seq > g.pos AND e.seq <= g.hw" + cond +
        " ORDER BY e.seq LIMIT $4::bigint) q) w WHERE w.before < $5::bigint) e ON true ORDER BY g.id, e.seq";
    struct Lane
    {
        std::int64_t hw = 0;
        std::int64_t read = 0; // rows the page query read (some may be cut by the byte bound)
        std::vector<std::pair<std::int64_t, LogEntry>> rows; // (seq, entry)
    };
    std::map<std::int64_t, Lane> lanes;
    std::int64_t base = pos.base;
    _db->read(
        [&](Pg::Session& s)
        {
            lanes.clear();
            Pg::Result r = s.exec(sql, params);
            for (int i = 0; i < r.rows(); ++i)
            {
                Lane& lane = lanes[r.integer(i, 0)];
                lane.hw = r.integer(i, 1);
                if (!r.isNull(i, 2))
                {
                    lane.read = r.integer(i, 3);
                    lane.rows.emplace_back(r.integer(i, 2), readEntry(r, i, 4));
                }
            }
        });
    // Every ingester read is listed from now on (a new one at 0): `base` covers exactly those.
    for (const auto& [ingester, lane] : lanes)
    {
        base = std::max(base, ingester);
        pos.seqs.emplace(ingester, 0);
    }
    pos.base = base;
    // Merge the lanes by timestamp, each in its own order.
    std::vector<LogEntry> out;
    ids.clear();
    std::map<std::int64_t, std::size_t> at;
    for (;;)
    {
        std::int64_t best = -1;
        for (const auto& [ingester, lane] : lanes)
        {
            std::size_t k = at[ingester];
            if (k < lane.rows.size() &&
                (best < 0 || lane.rows[k].second.timestampMs < lanes[best].rows[at[best]].second.timestampMs))
                best = ingester;
        }
        if (best < 0)
            break;
        auto& [seq, entry] = lanes[best].rows[at[best]++];
        pos.seqs[best] = seq;
        out.push_back(std::move(entry));
        ids.push_back(pos.format());
    }
    // A lane that did not fill its page has nothing else matching up to its end.
    for (const auto& [ingester, lane] : lanes)
    {
        if (lane.read < perIngester && static_cast<std::int64_t>(lane.rows.size()) == lane.read)
            pos.seqs[ingester] = std::max(pos.seqs[ingester], lane.hw);
    }
    return out;
}

std::string PgLogStore::toTsQuery(const std::string& match)
{
    return FtsTranslator(match).translate();
}

} // namespace LogViewer
} // namespace Monlight
