#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
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

/// createDsnKey() found the public key taken.
class DuplicateKey : public std::runtime_error
{
public:
    DuplicateKey() : std::runtime_error("DSN public key exists") {}
};

/// Where the relay keeps its DSN keys and source maps: BrowserRelayStore (SQLite, `browser-relay.db`) or
/// PgRelayStore (PostgreSQL, schema `browser_relay`, shared by every host). Handlers see only this interface.
class RelayStore
{
public:
    virtual ~RelayStore() = default;

    /// Every DSN key, ordered by id.
    virtual std::vector<DsnKeyRecord> dsnKeys(const std::optional<std::string>& project = std::nullopt,
                                              const std::optional<bool>& active = std::nullopt) = 0;
    /// Inserts an active key. Throws DuplicateKey when the public key exists.
    virtual DsnKeyRecord createDsnKey(const std::string& project, const std::string& publicKey,
                                      std::int64_t nowMs) = 0;
    /// Inserts a seeded key unless it exists. Returns true when inserted.
    virtual bool seedDsnKey(const std::string& project, const std::string& publicKey, std::int64_t nowMs) = 0;
    /// Sets the key inactive. Returns the key after the change, or nothing for an unknown id.
    virtual std::optional<DsnKeyRecord> deactivateDsnKey(std::int64_t id) = 0;

    struct Upload
    {
        std::int64_t id = 0;
        bool replaced = false;
    };
    /// Inserts or replaces (same id) the map of (project, release, fileKey).
    virtual Upload putSourceMap(const std::string& project, const std::string& release, const std::string& fileKey,
                                const std::string& content, std::int64_t nowMs) = 0;
    /// Maps without content, ordered by id, optionally filtered.
    virtual std::vector<SourceMapRecord> sourceMaps(const std::optional<std::string>& project = std::nullopt,
                                                    const std::optional<std::string>& release = std::nullopt) = 0;
    /// Content of one map, nothing when it does not exist.
    virtual std::optional<std::string> sourceMapContent(std::int64_t id) = 0;
    /// Deletes one map; returns its record, nothing for an unknown id.
    virtual std::optional<SourceMapRecord> deleteSourceMap(std::int64_t id) = 0;
    /// Deletes maps whose max(uploaded_at, last_used_at) < cutoff; returns what was deleted.
    virtual std::vector<SourceMapRecord> deleteSourceMapsUnusedSince(std::int64_t cutoffMs) = 0;

    /// Writes batched `last_used_at` values (id, ms) in one transaction.
    virtual void touch(const std::vector<std::pair<std::int64_t, std::int64_t>>& dsnKeys,
                       const std::vector<std::pair<std::int64_t, std::int64_t>>& sourceMaps) = 0;

    /// A number that changes whenever a DSN key or a source map is created, changed or deleted by any host that
    /// shares the store (not by touch()). A store only this host writes returns nullopt: nothing to follow.
    virtual std::optional<std::int64_t> changeVersion() { return std::nullopt; }
};

} // namespace BrowserRelay
} // namespace Monlight
