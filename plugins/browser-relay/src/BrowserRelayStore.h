#pragma once

#include "RelayStore.h"
#include <Monlight/Database.h>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace Monlight
{
namespace BrowserRelay
{

/// The relay's store on SQLite: all SQL of the relay over `browser-relay.db` (§5.12). Writes go through the
/// database's single writer; reads use the calling thread's read connection.
class BrowserRelayStore : public RelayStore
{
public:
    explicit BrowserRelayStore(std::shared_ptr<Database> db);

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

    Database& database() { return *_db; }

private:
    static DsnKeyRecord readDsnKey(Sql::Statement& st);
    static SourceMapRecord readSourceMap(Sql::Statement& st);

    std::shared_ptr<Database> _db;
};

} // namespace BrowserRelay
} // namespace Monlight
