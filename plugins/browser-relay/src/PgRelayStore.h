#pragma once

#include "RelayStore.h"
#include <Monlight/PgDatabase.h>
#include <memory>

namespace Monlight
{
namespace BrowserRelay
{

/// The relay's store on PostgreSQL (`host.storage = postgresql`), in the schema `browser_relay`, shared by every
/// host on the database. Each change bumps `change_version` in its own transaction (triggers), which is how the
/// other hosts learn that their in-memory keys and map index are stale (changeVersion()).
class PgRelayStore : public RelayStore
{
public:
    static constexpr const char* SCHEMA = "browser_relay";

    /// Applies the embedded `sql/postgresql/` migrations (once across hosts) and returns the store. Throws
    /// StartupError 65 for a newer schema or a failed migration.
    static std::shared_ptr<PgRelayStore> open(std::shared_ptr<Pg::PgDatabase> db,
                                              const std::vector<std::string>& migrations);

    explicit PgRelayStore(std::shared_ptr<Pg::PgDatabase> db);

    std::vector<DsnKeyRecord> dsnKeys(const std::optional<std::string>& project,
                                      const std::optional<bool>& active) override;
    DsnKeyRecord createDsnKey(const std::string& project, const std::string& publicKey, std::int64_t nowMs) override;
    bool seedDsnKey(const std::string& project, const std::string& publicKey, std::int64_t nowMs) override;
    std::optional<DsnKeyRecord> deactivateDsnKey(std::int64_t id) override;
    Upload putSourceMap(const std::string& project, const std::string& release, const std::string& fileKey,
                        const std::string& content, std::int64_t nowMs) override;
    std::vector<SourceMapRecord> sourceMaps(const std::optional<std::string>& project,
                                            const std::optional<std::string>& release) override;
    std::optional<std::string> sourceMapContent(std::int64_t id) override;
    std::optional<SourceMapRecord> deleteSourceMap(std::int64_t id) override;
    std::vector<SourceMapRecord> deleteSourceMapsUnusedSince(std::int64_t cutoffMs) override;
    void touch(const std::vector<std::pair<std::int64_t, std::int64_t>>& dsnKeys,
               const std::vector<std::pair<std::int64_t, std::int64_t>>& sourceMaps) override;
    std::optional<std::int64_t> changeVersion() override;

    Pg::PgDatabase& database() { return *_db; }

private:
    std::shared_ptr<Pg::PgDatabase> _db;
};

} // namespace BrowserRelay
} // namespace Monlight
