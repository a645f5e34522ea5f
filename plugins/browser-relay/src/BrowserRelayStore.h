#pragma once

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

/// A row of `dsn_keys`.
struct DsnKeyRecord
{
    std::int64_t id = 0;
    std::string publicKey;
    std::string project;
    bool active = true;
    std::int64_t createdAt = 0;
    std::optional<std::int64_t> lastUsedAt;
};

/// A row of `source_maps` without its content.
struct SourceMapRecord
{
    std::int64_t id = 0;
    std::string project;
    std::string release;
    std::string fileUrl; ///< fileKey form
    std::int64_t size = 0;
    std::int64_t uploadedAt = 0;
    std::optional<std::int64_t> lastUsedAt;
};

/// All SQL of the relay over `browser-relay.db` (§5.12). Writes go through the database's single writer;
/// reads use the calling thread's read connection.
class BrowserRelayStore
{
public:
    explicit BrowserRelayStore(std::shared_ptr<Database> db);

    /// Every DSN key, ordered by id.
    std::vector<DsnKeyRecord> dsnKeys(const std::optional<std::string>& project = std::nullopt,
                                      const std::optional<bool>& active = std::nullopt);
    /// Inserts an active key. Throws Sql::SqlError when the key exists (UNIQUE).
    DsnKeyRecord createDsnKey(const std::string& project, const std::string& publicKey, std::int64_t nowMs);
    /// Inserts a seeded key unless it exists. Returns true when inserted.
    bool seedDsnKey(const std::string& project, const std::string& publicKey, std::int64_t nowMs);
    /// Sets `active=0`. Returns the key after the change, or nothing for an unknown id.
    std::optional<DsnKeyRecord> deactivateDsnKey(std::int64_t id);

    struct Upload
    {
        std::int64_t id = 0;
        bool replaced = false;
    };
    /// Inserts or replaces (same id) the map of (project, release, fileKey).
    Upload putSourceMap(const std::string& project, const std::string& release, const std::string& fileKey,
                        const std::string& content, std::int64_t nowMs);
    /// Maps without content, ordered by id, optionally filtered.
    std::vector<SourceMapRecord> sourceMaps(const std::optional<std::string>& project = std::nullopt,
                                            const std::optional<std::string>& release = std::nullopt);
    /// Content of one map, nothing when it does not exist.
    std::optional<std::string> sourceMapContent(std::int64_t id);
    /// Deletes one map; returns its record, nothing for an unknown id.
    std::optional<SourceMapRecord> deleteSourceMap(std::int64_t id);
    /// Deletes maps whose max(uploaded_at, last_used_at) < cutoff; returns what was deleted.
    std::vector<SourceMapRecord> deleteSourceMapsUnusedSince(std::int64_t cutoffMs);

    /// Writes batched `last_used_at` values (id, ms) in one transaction.
    void touch(const std::vector<std::pair<std::int64_t, std::int64_t>>& dsnKeys,
               const std::vector<std::pair<std::int64_t, std::int64_t>>& sourceMaps);

    Database& database() { return *_db; }

private:
    static DsnKeyRecord readDsnKey(Sql::Statement& st);
    static SourceMapRecord readSourceMap(Sql::Statement& st);

    std::shared_ptr<Database> _db;
};

} // namespace BrowserRelay
} // namespace Monlight
