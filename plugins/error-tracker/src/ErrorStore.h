#pragma once

#include "ErrorFilter.h"
#include "ErrorGroup.h"
#include "ErrorOccurrence.h"
#include "ErrorReport.h"
#include "IngestResult.h"
#include "Monlight/Database.h"
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace Monlight
{
namespace ErrorTracker
{

/// Every SQL statement of the error tracker. Writes go through the database's group-commit writer; reads use
/// the calling thread's read connection.
class ErrorStore
{
public:
    explicit ErrorStore(std::shared_ptr<Database> db);

    /// Event ids remembered per group for the dedup of §11.5: those of the group's last EVENT_ID_RING stored
    /// reports.
    static constexpr std::int64_t EVENT_ID_RING = 256;


    /// Stores one report per §2.2 (create / increment / reopen, add occurrence, trim to `maxOccurrences`) and
    /// returns after the commit. A report whose event id (ErrorReport::eventId) the group already remembers
    /// changes nothing and comes back Incremented with the unchanged count and `deduplicated` set. Throws
    /// StorageError when the writer queue is full or stopping.
    IngestResult ingest(const ErrorReport& report, const std::string& fingerprint, int maxOccurrences);

    /// Groups matching `filter`, and the number of all matching groups.
    std::vector<ErrorGroup> list(const ErrorFilter& filter, std::int64_t& total);

    /// The group with its traceback, or nothing.
    std::optional<ErrorGroup> find(std::int64_t id);
    /// Kept occurrences of a group, newest first.
    std::vector<ErrorOccurrence> occurrences(std::int64_t id);

    /// Marks a group resolved (keeps `resolved_at` when already resolved). False when it does not exist.
    bool resolve(std::int64_t id, std::int64_t nowMs);
    /// Marks a group unresolved. False when it does not exist.
    bool unresolve(std::int64_t id);

    std::vector<std::string> projects();
    std::vector<std::string> environments(const std::optional<std::string>& project);

    /// Occurrences per hour (epoch ms of the hour's start → count) of each of `ids` from `fromHourMs` on; hours
    /// without occurrences are absent.
    std::map<std::int64_t, std::map<std::int64_t, std::int64_t>> hourly(const std::vector<std::int64_t>& ids,
                                                                        std::int64_t fromHourMs);

    /// Deletes resolved groups resolved before `cutoffMs`, at most `batch` per transaction. Returns the
    /// count.
    std::int64_t deleteResolvedBefore(std::int64_t cutoffMs, int batch = 1000);

    /// `last_alert_at` of a group (nothing when never alerted or unknown).
    std::optional<std::int64_t> lastAlertAt(std::int64_t id);
    void setLastAlertAt(std::int64_t id, std::int64_t ms);

    Database& database() { return *_db; }

    /// Counts of a bulk resolve / reopen.
    struct BulkResult
    {
        std::int64_t matched = 0;   ///< groups named (existing ids) or matching the filter
        std::int64_t updated = 0;   ///< groups whose state changed
        std::int64_t remaining = 0; ///< filter only: groups matching, still in the other state (beyond `cap`)
    };
    /// Bulk resolve (`resolved` true) or reopen, in one transaction: the groups of `ids`, or, when `filter`
    /// is given, at most `cap` groups matching it that are in the other state (newest `last_seen` first).
    /// Resolving keeps `resolved_at` of groups already resolved, as resolve() does.
    BulkResult setResolvedBulk(const std::vector<std::int64_t>& ids, const ErrorFilter* filter, bool resolved,
                               std::int64_t nowMs, std::int64_t cap);

private:
    struct Drain;
    void runDrain(WriteTx& tx, Drain& drain);
    IngestResult storeOne(Sql::Connection& c, const ErrorReport& r, const std::string& fingerprint,
                          int maxOccurrences);

    std::shared_ptr<Database> _db;
    std::mutex _drainMutex;
    std::shared_ptr<Drain> _openDrain; ///< reports waiting for the writer item that will store them
};

} // namespace ErrorTracker
} // namespace Monlight
