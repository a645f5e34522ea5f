#pragma once

#include "ErrorFilter.h"
#include "ErrorGroup.h"
#include "ErrorOccurrence.h"
#include "ErrorReport.h"
#include "IngestResult.h"
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace Monlight
{
namespace ErrorTracker
{

/// Every storage operation of the error tracker; handlers never see SQL. SqliteErrorStore (the default) and
/// PgErrorStore (`host.storage = postgresql`, shared by several hosts) implement it with the same results.
class ErrorStore
{
public:
    virtual ~ErrorStore() = default;

    /// Event ids remembered per group for the dedup of repeated Sentry events: those of the group's last
    /// EVENT_ID_RING stored reports.
    static constexpr std::int64_t EVENT_ID_RING = 256;

    /// Stores one report (create / increment / reopen, add occurrence, trim to `maxOccurrences`) and returns
    /// after the commit. A group is `Created` exactly once and a resolved group `Reopened` once, also when several
    /// hosts store the same fingerprint at once. A report whose event id (ErrorReport::eventId) the group already
    /// remembers changes nothing and comes back Incremented with the unchanged count and `deduplicated` set.
    /// Throws StorageError when the store cannot take the report now (queue full, stopping, database unreachable).
    virtual IngestResult ingest(const ErrorReport& report, const std::string& fingerprint, int maxOccurrences) = 0;

    /// Groups matching `filter`, and the number of all matching groups.
    virtual std::vector<ErrorGroup> list(const ErrorFilter& filter, std::int64_t& total) = 0;

    /// The group with its traceback, or nothing.
    virtual std::optional<ErrorGroup> find(std::int64_t id) = 0;
    /// Kept occurrences of a group, newest first.
    virtual std::vector<ErrorOccurrence> occurrences(std::int64_t id) = 0;

    /// Marks a group resolved (keeps `resolved_at` when already resolved). False when it does not exist.
    virtual bool resolve(std::int64_t id, std::int64_t nowMs) = 0;
    /// Marks a group unresolved. False when it does not exist.
    virtual bool unresolve(std::int64_t id) = 0;

    virtual std::vector<std::string> projects() = 0;
    virtual std::vector<std::string> environments(const std::optional<std::string>& project) = 0;

    /// Occurrences per hour (epoch ms of the hour's start → count) of each of `ids` from `fromHourMs` on; hours
    /// without occurrences are absent.
    virtual std::map<std::int64_t, std::map<std::int64_t, std::int64_t>> hourly(const std::vector<std::int64_t>& ids,
                                                                                std::int64_t fromHourMs) = 0;

    /// Deletes resolved groups resolved before `cutoffMs`, at most `batch` per transaction. Returns the
    /// count.
    virtual std::int64_t deleteResolvedBefore(std::int64_t cutoffMs, int batch = 1000) = 0;

    /// `last_alert_at` of a group (nothing when never alerted or unknown).
    virtual std::optional<std::int64_t> lastAlertAt(std::int64_t id) = 0;
    virtual void setLastAlertAt(std::int64_t id, std::int64_t ms) = 0;

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
    virtual BulkResult setResolvedBulk(const std::vector<std::int64_t>& ids, const ErrorFilter* filter,
                                       bool resolved, std::int64_t nowMs, std::int64_t cap) = 0;
};

} // namespace ErrorTracker
} // namespace Monlight
