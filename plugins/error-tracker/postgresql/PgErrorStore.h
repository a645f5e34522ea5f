#pragma once

#include "ErrorStore.h"
#include "Monlight/PgDatabase.h"
#include <condition_variable>
#include <deque>
#include <exception>
#include <memory>
#include <mutex>

namespace Monlight
{
namespace ErrorTracker
{

/// The error tracker's store on PostgreSQL (`host.storage = postgresql`), in the schema `error_tracker`, shared by
/// every host on the database. Each report is stored in its own transaction, with the group's row locked
/// (`SELECT ... FOR UPDATE`, `INSERT ... ON CONFLICT DO NOTHING` for a new one), so that a group is created once and
/// reopened once whichever hosts report it; a commit is what every host reads next.
class PgErrorStore : public ErrorStore
{
public:
    static constexpr const char* SCHEMA = "error_tracker";

    /// Applies the embedded `sql/postgresql/` migrations (once across hosts) and returns the store. Throws
    /// StartupError 65 for a newer schema or a failed migration.
    static std::shared_ptr<PgErrorStore> open(std::shared_ptr<Pg::PgDatabase> db,
                                              const std::vector<std::string>& migrations);

    explicit PgErrorStore(std::shared_ptr<Pg::PgDatabase> db);

    IngestResult ingest(const ErrorReport& report, const std::string& fingerprint, int maxOccurrences) override;
    std::vector<ErrorGroup> list(const ErrorFilter& filter, std::int64_t& total) override;
    std::optional<ErrorGroup> find(std::int64_t id) override;
    std::vector<ErrorOccurrence> occurrences(std::int64_t id) override;
    bool resolve(std::int64_t id, std::int64_t nowMs) override;
    bool unresolve(std::int64_t id) override;
    std::vector<std::string> projects() override;
    std::vector<std::string> environments(const std::optional<std::string>& project) override;
    std::map<std::int64_t, std::map<std::int64_t, std::int64_t>> hourly(const std::vector<std::int64_t>& ids,
                                                                        std::int64_t fromHourMs) override;
    std::int64_t deleteResolvedBefore(std::int64_t cutoffMs, int batch = 1000) override;
    std::optional<std::int64_t> lastAlertAt(std::int64_t id) override;
    void setLastAlertAt(std::int64_t id, std::int64_t ms) override;
    BulkResult setResolvedBulk(const std::vector<std::int64_t>& ids, const ErrorFilter* filter, bool resolved,
                               std::int64_t nowMs, std::int64_t cap) override;

    /// Reports stored in one transaction at most (group commit, see ingest()).
    static constexpr std::size_t MAX_BATCH = 64;

private:
    /// A report waiting for (or being stored by) a group commit.
    struct Pending
    {
        const ErrorReport* report;
        const std::string* fingerprint;
        int maxOccurrences;
        IngestResult result;
        std::exception_ptr error;
        bool done = false;
    };

    IngestResult storeOne(Pg::Session& s, const ErrorReport& r, const std::string& fingerprint,
                          int maxOccurrences);
    void commitBatch(std::vector<Pending*>& batch);

    std::shared_ptr<Pg::PgDatabase> _db;
    std::mutex _batchMutex;
    std::condition_variable _batchDone;
    std::deque<Pending*> _waiting;
    bool _committing = false;
};

} // namespace ErrorTracker
} // namespace Monlight
