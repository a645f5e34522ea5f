#pragma once

#include "CountCache.h"
#include "LogStoreApi.h"
#include "LogEntry.h"
#include "LogFilter.h"
#include "Monlight/Database.h"
#include <cstdint>
#include <list>
#include <map>
#include <mutex>
#include <unordered_map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace Monlight
{
namespace LogViewer
{

/// Every SQL statement of the log viewer over `logs.db` (§3.12). Writes run inside the writer's transaction
/// (WriteTx); reads use the calling thread's read connection.
class LogStore : public LogStoreApi
{
public:
    /// `counts` (optional) caches query totals between requests.
    explicit LogStore(std::shared_ptr<Database> db, std::shared_ptr<CountCache> counts = nullptr);

    Database& database() { return *_db; }


    // --- writer side (call inside Database::write) ---
    /// Inserts `entries` in the given order, setting their ids, then upserts `cursors`.
    static void insert(WriteTx& tx, std::vector<LogEntry>& entries, const std::vector<Cursor>& cursors);
    /// Deletes rows with id < `idBelow`. Returns the number of rows deleted.
    static std::int64_t deleteBelowId(WriteTx& tx, std::int64_t idBelow);
    /// The id such that deleting every smaller id removes exactly `n` of the oldest rows (0 if fewer rows).
    static std::int64_t idAfterOldest(WriteTx& tx, std::int64_t n);
    /// Deletes at most `maxRows` rows with timestamp < `cutoffMs`; returns how many.
    static std::int64_t deleteOlderThan(WriteTx& tx, std::int64_t cutoffMs, std::int64_t maxRows);
    /// Deletes cursors not updated since `cutoffMs`, except for the given watched container ids.
    static std::int64_t deleteStaleCursors(WriteTx& tx, std::int64_t cutoffMs,
                                           const std::vector<std::string>& keep);

    // --- read side ---
    std::vector<Cursor> cursors() override;
    std::int64_t rowCount() override;
    std::optional<std::int64_t> newestTimestamp() override;
    /// §3.2: newest first, with `total`. Throws HttpError 400 `Invalid search query: <SQLite message>` for a
    /// MATCH expression SQLite rejects.
    QueryResult query(const LogFilter& filter) override;
    /// Entries matching `filter` (its container/level/stream/contains parts) ascending by id: with `afterId`,
    /// the newest `limit` of those with id > afterId; otherwise the newest `limit`.
    std::vector<LogEntry> recent(const LogFilter& filter, std::optional<std::int64_t> afterId,
                                 std::int64_t limit);
    /// The id after which a live-tail backlog starts (§3.5): the newest `limit` entries matching `filter`
    /// (container/level/stream/contains parts) with id > `afterId` follow it.
    std::int64_t backlogStart(const LogFilter& filter, std::optional<std::int64_t> afterId, std::int64_t limit);
    /// One page of the live-tail backlog: entries matching `filter` with id > `afterId`, ascending, at most
    /// `maxRows` of them and no more once their messages reach `maxBytes` (at least one entry).
    std::vector<LogEntry> page(const LogFilter& filter, std::int64_t afterId, std::size_t maxBytes,
                               std::int64_t maxRows);
    std::map<std::string, ContainerStats> containerStats() override;
    Stats stats() override;

    // --- LogStoreApi writes, through the database writer ---
    std::future<void> submitBatch(std::shared_ptr<IngestBatch> batch, std::shared_ptr<WriteSequence> sequence,
                                  Committed committed) override;
    std::int64_t deleteOldest(std::int64_t n) override;
    std::int64_t deleteOlder(std::int64_t cutoffMs, std::int64_t maxRows) override;
    void cleanupCursors(std::int64_t cutoffMs, const std::vector<std::string>& keep) override;

    /// Statements of the filtered queries kept per read connection (at most this many each; least recently used
    /// are finalized first).
    static constexpr std::size_t FILTER_STATEMENTS_PER_CONNECTION = 32;
    /// `log_ts_blocks` keeps the newest timestamp of each block of 2^TS_BLOCK_BITS consecutive ids (migration
    /// 003 computes its first rows with the same block size).
    static constexpr int TS_BLOCK_BITS = 12;

private:
    /// A prepared statement for `sql` on `c` from the bounded per-connection cache, reset and ready to bind.
    /// Valid until the next call for the same connection.
    Sql::Cached filtered(Sql::Connection& c, const std::string& sql);
    std::int64_t countMatches(const LogFilter& f, std::int64_t aboveId, std::int64_t upToId);
    /// The page of a MATCH query in (timestamp, id) descending order without sorting every match.
    std::vector<LogEntry> newestMatches(Sql::Connection& c, const LogFilter& f);
    static void pruneTsBlocks(WriteTx& tx);

    struct StatementLru
    {
        std::list<std::pair<std::string, std::unique_ptr<Sql::Statement>>> order; // most recent first
        std::unordered_map<std::string, decltype(order)::iterator> bySql;
    };
    std::mutex _lruMutex; // guards the map; each connection's entry is used by the one thread holding it
    std::unordered_map<Sql::Connection*, StatementLru> _lru;

    std::shared_ptr<Database> _db;
    std::shared_ptr<CountCache> _counts;
};

} // namespace LogViewer
} // namespace Monlight
