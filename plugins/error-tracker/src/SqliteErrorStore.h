#pragma once

#include "ErrorStore.h"
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

/// The error tracker's store on the plugin's SQLite database (the default). Writes go through the database's
/// group-commit writer; reads use the calling thread's read connection.
class SqliteErrorStore : public ErrorStore
{
public:
    explicit SqliteErrorStore(std::shared_ptr<Database> db);

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

    Database& database() { return *_db; }

private:
    struct Drain;
    void runDrain(WriteTx& tx, Drain& drain);
    /// Groups created by storeOne() whose full-text rows are still to be written (see indexNewGroups()).
    using NewGroups = std::vector<std::pair<std::int64_t, const ErrorReport*>>;
    IngestResult storeOne(Sql::Connection& c, const ErrorReport& r, const std::string& fingerprint,
                          int maxOccurrences, NewGroups& newGroups);
    /// Writes the full-text rows of `newGroups` and clears it. Done once per drain, after its other statements:
    /// FTS5 flushes its pending terms into a new index segment at every statement savepoint of the transaction,
    /// so a row inserted before other statements cost a segment (and its merging) of its own.
    static void indexNewGroups(Sql::Connection& c, NewGroups& newGroups);

    std::shared_ptr<Database> _db;
    std::mutex _drainMutex;
    std::shared_ptr<Drain> _openDrain; ///< reports waiting for the writer item that will store them
};

} // namespace ErrorTracker
} // namespace Monlight
