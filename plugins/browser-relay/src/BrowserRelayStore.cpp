#include "BrowserRelayStore.h"

namespace Monlight
{
namespace BrowserRelay
{

namespace
{
const char* DSN_COLUMNS = "id, public_key, project, active, created_at, last_used_at";
const char* MAP_COLUMNS = "id, project, release, file_url, size, uploaded_at, last_used_at";
} // namespace

BrowserRelayStore::BrowserRelayStore(std::shared_ptr<Database> db) : _db(std::move(db)) {}

DsnKeyRecord BrowserRelayStore::readDsnKey(Sql::Statement& st)
{
    DsnKeyRecord r;
    st.columns(r.id, r.publicKey, r.project, r.active, r.createdAt, r.lastUsedAt);
    return r;
}

SourceMapRecord BrowserRelayStore::readSourceMap(Sql::Statement& st)
{
    SourceMapRecord r;
    st.columns(r.id, r.project, r.release, r.fileUrl, r.size, r.uploadedAt, r.lastUsedAt);
    return r;
}

std::vector<DsnKeyRecord> BrowserRelayStore::dsnKeys(const std::optional<std::string>& project,
                                                     const std::optional<bool>& active)
{
    auto st = _db->reader().cached(
        std::string("SELECT ") + DSN_COLUMNS +
        " FROM dsn_keys WHERE (?1 IS NULL OR project = ?1) AND (?2 IS NULL OR active = ?2)"
        " ORDER BY id");
    st.bind(1, project);
    if (active)
        st.bind(2, static_cast<std::int64_t>(*active ? 1 : 0));
    else
        st.bind(2, nullptr);
    std::vector<DsnKeyRecord> out;
    while (st.step())
        out.push_back(readDsnKey(st));
    return out;
}

DsnKeyRecord BrowserRelayStore::createDsnKey(const std::string& project, const std::string& publicKey,
                                             std::int64_t nowMs)
{
    DsnKeyRecord r;
    r.publicKey = publicKey;
    r.project = project;
    r.createdAt = nowMs;
    bool taken = false;
    _db->write(
        [&](WriteTx& tx)
        {
            auto st = tx.db().cached("INSERT OR IGNORE INTO dsn_keys (public_key, project, active, created_at) "
                                     "VALUES (?, ?, 1, ?)");
            taken = st.bind(1, publicKey).bind(2, project).bind(3, nowMs).run() == 0;
            r.id = tx.db().lastInsertId();
        });
    if (taken)
        throw DuplicateKey();
    return r;
}

bool BrowserRelayStore::seedDsnKey(const std::string& project, const std::string& publicKey,
                                   std::int64_t nowMs)
{
    bool inserted = false;
    _db->write(
        [&](WriteTx& tx)
        {
            auto st = tx.db().cached("INSERT OR IGNORE INTO dsn_keys (public_key, project, active, "
                                     "created_at) VALUES (?, ?, 1, ?)");
            inserted = st.bind(1, publicKey).bind(2, project).bind(3, nowMs).run() > 0;
        });
    return inserted;
}

std::optional<DsnKeyRecord> BrowserRelayStore::deactivateDsnKey(std::int64_t id)
{
    std::optional<DsnKeyRecord> result;
    _db->write(
        [&](WriteTx& tx)
        {
            tx.db().cached("UPDATE dsn_keys SET active = 0 WHERE id = ?").bind(1, id).run();
            auto st = tx.db().cached(std::string("SELECT ") + DSN_COLUMNS + " FROM dsn_keys WHERE id = ?");
            st.bind(1, id);
            if (st.step())
                result = readDsnKey(st);
        });
    return result;
}

BrowserRelayStore::Upload BrowserRelayStore::putSourceMap(const std::string& project,
                                                          const std::string& release,
                                                          const std::string& fileKey,
                                                          const std::string& content, std::int64_t nowMs)
{
    Upload up;
    _db->write(
        [&](WriteTx& tx)
        {
            auto find = tx.db().cached(
                "SELECT id FROM source_maps WHERE project = ? AND release = ? AND file_url = ?");
            find.bind(1, project).bind(2, release).bind(3, fileKey);
            std::optional<std::int64_t> existing;
            if (find.step())
                existing = find.getInt(0);
            if (existing)
            {
                tx.db()
                    .cached("UPDATE source_maps SET map_content = ?, size = ?, uploaded_at = ? WHERE id = ?")
                    .bindAll(content, static_cast<std::int64_t>(content.size()), nowMs, *existing)
                    .run();
                up.id = *existing;
                up.replaced = true;
            }
            else
            {
                tx.db()
                    .cached("INSERT INTO source_maps (project, release, file_url, map_content, size, "
                            "uploaded_at) "
                            "VALUES (?, ?, ?, ?, ?, ?)")
                    .bindAll(project, release, fileKey, content, static_cast<std::int64_t>(content.size()), nowMs)
                    .run();
                up.id = tx.db().lastInsertId();
                up.replaced = false;
            }
        });
    return up;
}

std::vector<SourceMapRecord> BrowserRelayStore::sourceMaps(const std::optional<std::string>& project,
                                                           const std::optional<std::string>& release)
{
    auto st = _db->reader().cached(
        std::string("SELECT ") + MAP_COLUMNS +
        " FROM source_maps WHERE (?1 IS NULL OR project = ?1) AND (?2 IS NULL OR release = ?2)"
        " ORDER BY id");
    st.bind(1, project).bind(2, release);
    std::vector<SourceMapRecord> out;
    while (st.step())
        out.push_back(readSourceMap(st));
    return out;
}

std::optional<std::string> BrowserRelayStore::sourceMapContent(std::int64_t id)
{
    auto st = _db->reader().cached("SELECT map_content FROM source_maps WHERE id = ?");
    st.bind(1, id);
    std::optional<std::string> out;
    if (st.step())
        out = st.getText(0);
    return out;
}

std::optional<SourceMapRecord> BrowserRelayStore::deleteSourceMap(std::int64_t id)
{
    std::optional<SourceMapRecord> result;
    _db->write(
        [&](WriteTx& tx)
        {
            auto st =
                tx.db().cached(std::string("SELECT ") + MAP_COLUMNS + " FROM source_maps WHERE id = ?");
            st.bind(1, id);
            if (st.step())
                result = readSourceMap(st);
            if (result)
                tx.db().cached("DELETE FROM source_maps WHERE id = ?").bind(1, id).run();
        });
    return result;
}

std::vector<SourceMapRecord> BrowserRelayStore::deleteSourceMapsUnusedSince(std::int64_t cutoffMs)
{
    std::vector<SourceMapRecord> deleted;
    _db->write(
        [&](WriteTx& tx)
        {
            auto st =
                tx.db().cached(std::string("SELECT ") + MAP_COLUMNS +
                               " FROM source_maps WHERE max(uploaded_at, coalesce(last_used_at, 0)) < ?");
            st.bind(1, cutoffMs);
            while (st.step())
                deleted.push_back(readSourceMap(st));
            for (const auto& r : deleted)
                tx.db().cached("DELETE FROM source_maps WHERE id = ?").bind(1, r.id).run();
        });
    return deleted;
}

void BrowserRelayStore::touch(const std::vector<std::pair<std::int64_t, std::int64_t>>& dsnKeys,
                              const std::vector<std::pair<std::int64_t, std::int64_t>>& sourceMaps)
{
    if (dsnKeys.empty() && sourceMaps.empty())
        return;
    _db->write(
        [&](WriteTx& tx)
        {
            for (const auto& [id, ms] : dsnKeys)
                tx.db()
                    .cached(
                        "UPDATE dsn_keys SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE id = ?")
                    .bind(1, ms)
                    .bind(2, id)
                    .run();
            for (const auto& [id, ms] : sourceMaps)
                tx.db()
                    .cached("UPDATE source_maps SET last_used_at = max(coalesce(last_used_at, 0), ?) WHERE "
                            "id = ?")
                    .bind(1, ms)
                    .bind(2, id)
                    .run();
        });
}

} // namespace BrowserRelay
} // namespace Monlight
