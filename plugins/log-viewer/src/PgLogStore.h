#pragma once

#include "LogStoreApi.h"
#include "Monlight/PgDatabase.h"
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

namespace Monlight
{
namespace LogViewer
{

/// Where a live tail stands on PostgreSQL, where several hosts write at once. Row ids come from one identity
/// sequence, so they are not in commit order across writers and "id > cursor" would skip rows committed late.
/// Instead every host's writer is an ingester (a row of `log_viewer.ingesters`) that numbers its own rows 1, 2, 3
/// ... in commit order (one writer thread, one transaction at a time): what a reader sees of one ingester is always
/// a prefix of its numbers. A position is the last number seen per ingester, plus the highest ingester id known
/// then (`base`): ingesters above it are new (all their rows follow); those at or below it that the position does
/// not list had no rows left.
///
/// Text form (the SSE `id:` and `Last-Event-ID`): `<base>:<ingester>.<seq>,<ingester>.<seq>...`, for example
/// `3:1.120,2.0,3.57`.
struct TailPosition
{
    std::int64_t base = 0;
    std::map<std::int64_t, std::int64_t> seqs;

    std::string format() const;
    /// Nothing when `text` is not a position.
    static std::optional<TailPosition> parse(const std::string& text);
};

/// The log viewer's store on PostgreSQL (`host.storage = postgresql`): schema `log_viewer`, shared by every host.
/// Writes go through one writer thread of this host (ingester numbering, see TailPosition); search is a tsvector
/// (FTS5's tokens: letters and digits, lower-cased) queried with the FTS5 expression translated to a tsquery; the
/// ring buffer trim and time retention run on one host at a time (transaction-scoped advisory lock; the trim waits
/// for it and counts the rows inside it, retention skips while another host holds it).
class PgLogStore : public LogStoreApi
{
public:
    /// Applies the migrations (once across hosts) and registers this host's ingester.
    static std::shared_ptr<PgLogStore> open(std::shared_ptr<Pg::PgDatabase> db,
                                            const std::vector<std::string>& migrations);
    explicit PgLogStore(std::shared_ptr<Pg::PgDatabase> db);
    ~PgLogStore() override;
    PgLogStore(const PgLogStore&) = delete;
    PgLogStore& operator=(const PgLogStore&) = delete;
    /// Writes what is queued, then stops the writer thread (later submits throw StorageError Stopping).
    void close();

    std::future<void> submitBatch(std::shared_ptr<IngestBatch> batch, std::shared_ptr<WriteSequence> sequence,
                                  Committed committed) override;
    std::int64_t deleteOldest(std::int64_t n) override;
    std::int64_t deleteBeyond(std::int64_t keep, std::int64_t maxRows) override;
    std::int64_t deleteOlder(std::int64_t cutoffMs, std::int64_t maxRows) override;
    void cleanupCursors(std::int64_t cutoffMs, const std::vector<std::string>& keep) override;

    std::vector<Cursor> cursors() override;
    std::int64_t rowCount() override;
    std::optional<std::int64_t> newestTimestamp() override;
    QueryResult query(const LogFilter& filter) override;
    std::map<std::string, ContainerStats> containerStats() override;
    Stats stats() override;
    bool shared() const override { return true; }

    // --- live tail ---
    /// A listener on the channel every commit notifies (`log_viewer_tail`).
    std::unique_ptr<Pg::Listener> listener() { return _db->listen("log_viewer_tail"); }
    /// The current end of every ingester (a cheap read the tail's watcher polls).
    TailPosition end();
    /// Where a new tail starts (the current end), and the newest `backlog` entries matching `filter` (container,
    /// level, stream, contains parts) before it, ascending.
    std::vector<LogEntry> tailStart(const LogFilter& filter, std::int64_t backlog, TailPosition& start);
    /// The next entries after `pos` matching `filter`, of each ingester at most `perIngester` and no more once
    /// their messages reach `maxBytes` (at least one), in per-ingester order (merged by timestamp); `ids[i]` is the
    /// position after entries[i]. Advances `pos` past them, and past rows that did not match. Empty when caught up.
    std::vector<LogEntry> tailPage(const LogFilter& filter, TailPosition& pos, std::int64_t perIngester,
                                   std::int64_t maxBytes, std::vector<std::string>& ids);

    /// The FTS5 expression `match` as a tsquery text for to_tsquery('simple', ...). Throws HttpError 400
    /// `Invalid search query: ...` (FTS5's messages) when it does not parse.
    static std::string toTsQuery(const std::string& match);

    std::int64_t ingester() const { return _ingester; }

private:
    struct Item
    {
        std::shared_ptr<IngestBatch> batch;
        std::shared_ptr<WriteSequence> sequence;
        Committed committed;
        std::promise<void> done;
    };
    void writerLoop();
    void write(Item& item, std::uint64_t transaction);
    void registerIngester();

    std::shared_ptr<Pg::PgDatabase> _db;
    std::int64_t _ingester = 0;
    std::mutex _mutex;
    std::condition_variable _cv;
    std::deque<std::unique_ptr<Item>> _queue;
    bool _stop = false;
    std::thread _writer;
};

} // namespace LogViewer
} // namespace Monlight
