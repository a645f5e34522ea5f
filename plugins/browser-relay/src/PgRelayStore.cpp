#include "PgRelayStore.h"

namespace Monlight
{
namespace BrowserRelay
{

namespace
{

// Every table is named with its schema: the pool is shared by the plugins of the host.
#define BR "browser_relay."

const std::string DSN_COLUMNS = "id, public_key, project, active, created_at, last_used_at";
const std::string MAP_COLUMNS = "id, project, release, file_url, size, uploaded_at, last_used_at";

DsnKeyRecord readDsnKey(const Pg::Result& r, int row)
{
    DsnKeyRecord k;
    r.columns(row, k.id, k.publicKey, k.project, k.active, k.createdAt, k.lastUsedAt);
    return k;
}

SourceMapRecord readSourceMap(const Pg::Result& r, int row)
{
    SourceMapRecord m;
    r.columns(row, m.id, m.project, m.release, m.fileUrl, m.size, m.uploadedAt, m.lastUsedAt);
    return m;
}

template <typename T, typename F> std::vector<T> readAll(const Pg::Result& r, F read)
{
    std::vector<T> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i)
        out.push_back(read(r, i));
    return out;
}

} // namespace

std::shared_ptr<PgRelayStore> PgRelayStore::open(std::shared_ptr<Pg::PgDatabase> db,
                                                 const std::vector<std::string>& migrations)
{
    db->migrate(SCHEMA, migrations, "browser-relay");
    return std::make_shared<PgRelayStore>(std::move(db));
}

PgRelayStore::PgRelayStore(std::shared_ptr<Pg::PgDatabase> db) : _db(std::move(db)) {}

std::vector<DsnKeyRecord> PgRelayStore::dsnKeys(const std::optional<std::string>& project,
                                                const std::optional<bool>& active)
{
    std::vector<DsnKeyRecord> out;
    _db->read(
        [&](Pg::Session& s)
        {
            out = readAll<DsnKeyRecord>(
                s.exec("SELECT " + DSN_COLUMNS + " FROM " BR "dsn_keys WHERE ($1::text IS NULL OR project = $1) "
                       "AND ($2::boolean IS NULL OR active = $2) ORDER BY id",
                       {project, active}),
                readDsnKey);
        });
    return out;
}

DsnKeyRecord PgRelayStore::createDsnKey(const std::string& project, const std::string& publicKey,
                                        std::int64_t nowMs)
{
    DsnKeyRecord k;
    bool taken = false;
    _db->transaction(
        [&](Pg::Session& s)
        {
            auto r = s.exec("INSERT INTO " BR "dsn_keys (public_key, project, active, created_at) "
                            "VALUES ($1, $2, true, $3::bigint) ON CONFLICT (public_key) DO NOTHING RETURNING " +
                                DSN_COLUMNS,
                            {publicKey, project, nowMs});
            taken = r.rows() == 0;
            if (!taken)
                k = readDsnKey(r, 0);
        });
    if (taken)
        throw DuplicateKey();
    return k;
}

bool PgRelayStore::seedDsnKey(const std::string& project, const std::string& publicKey, std::int64_t nowMs)
{
    bool inserted = false;
    _db->transaction(
        [&](Pg::Session& s)
        {
            inserted = s.exec("INSERT INTO " BR "dsn_keys (public_key, project, active, created_at) "
                              "VALUES ($1, $2, true, $3::bigint) ON CONFLICT (public_key) DO NOTHING",
                              {publicKey, project, nowMs})
                           .affected() > 0;
        });
    return inserted;
}

std::optional<DsnKeyRecord> PgRelayStore::deactivateDsnKey(std::int64_t id)
{
    std::optional<DsnKeyRecord> out;
    _db->transaction(
        [&](Pg::Session& s)
        {
            out.reset();
            auto r = s.exec("UPDATE " BR "dsn_keys SET active = false WHERE id = $1::bigint RETURNING " + DSN_COLUMNS,
                            {id});
            if (r.rows() > 0)
                out = readDsnKey(r, 0);
        });
    return out;
}

RelayStore::Upload PgRelayStore::putSourceMap(const std::string& project, const std::string& release,
                                              const std::string& fileKey, const std::string& content,
                                              std::int64_t nowMs)
{
    Upload up;
    _db->transaction(
        [&](Pg::Session& s)
        {
            // One statement, so two hosts uploading the same file at once cannot both insert; xmax is set on the
            // row version an ON CONFLICT update wrote, zero on a fresh insert.
            auto r = s.exec("INSERT INTO " BR "source_maps (project, release, file_url, map_content, size, "
                            "uploaded_at) VALUES ($1, $2, $3, $4, $5::bigint, $6::bigint) "
                            "ON CONFLICT (project, release, file_url) DO UPDATE SET map_content = "
                            "excluded.map_content, size = excluded.size, uploaded_at = excluded.uploaded_at "
                            "RETURNING id, xmax::text <> '0'",
                            {project, release, fileKey, content, static_cast<std::int64_t>(content.size()), nowMs});
            r.columns(0, up.id, up.replaced);
        });
    return up;
}

std::vector<SourceMapRecord> PgRelayStore::sourceMaps(const std::optional<std::string>& project,
                                                      const std::optional<std::string>& release)
{
    std::vector<SourceMapRecord> out;
    _db->read(
        [&](Pg::Session& s)
        {
            out = readAll<SourceMapRecord>(
                s.exec("SELECT " + MAP_COLUMNS + " FROM " BR "source_maps WHERE ($1::text IS NULL OR project = $1) "
                       "AND ($2::text IS NULL OR release = $2) ORDER BY id",
                       {project, release}),
                readSourceMap);
        });
    return out;
}

std::optional<std::string> PgRelayStore::sourceMapContent(std::int64_t id)
{
    std::optional<std::string> out;
    _db->read(
        [&](Pg::Session& s)
        {
            auto r = s.exec("SELECT map_content FROM " BR "source_maps WHERE id = $1::bigint", {id});
            out = r.rows() > 0 ? std::optional<std::string>(r.text(0, 0)) : std::nullopt;
        });
    return out;
}

std::optional<SourceMapRecord> PgRelayStore::deleteSourceMap(std::int64_t id)
{
    std::optional<SourceMapRecord> out;
    _db->transaction(
        [&](Pg::Session& s)
        {
            out.reset();
            auto r = s.exec("DELETE FROM " BR "source_maps WHERE id = $1::bigint RETURNING " + MAP_COLUMNS, {id});
            if (r.rows() > 0)
                out = readSourceMap(r, 0);
        });
    return out;
}

std::vector<SourceMapRecord> PgRelayStore::deleteSourceMapsUnusedSince(std::int64_t cutoffMs)
{
    // Every host runs retention; DELETE ... RETURNING gives each host only the rows it deleted itself.
    std::vector<SourceMapRecord> out;
    _db->transaction(
        [&](Pg::Session& s)
        {
            out = readAll<SourceMapRecord>(
                s.exec("DELETE FROM " BR "source_maps WHERE greatest(uploaded_at, coalesce(last_used_at, 0)) < "
                       "$1::bigint RETURNING " + MAP_COLUMNS,
                       {cutoffMs}),
                readSourceMap);
        });
    return out;
}

void PgRelayStore::touch(const std::vector<std::pair<std::int64_t, std::int64_t>>& dsnKeys,
                         const std::vector<std::pair<std::int64_t, std::int64_t>>& sourceMaps)
{
    if (dsnKeys.empty() && sourceMaps.empty())
        return;
    _db->transaction(
        [&](Pg::Session& s)
        {
            for (const auto& [id, ms] : dsnKeys)
                s.exec("UPDATE " BR "dsn_keys SET last_used_at = greatest(coalesce(last_used_at, 0), $1::bigint) "
                       "WHERE id = $2::bigint",
                       {ms, id});
            for (const auto& [id, ms] : sourceMaps)
                s.exec("UPDATE " BR "source_maps SET last_used_at = greatest(coalesce(last_used_at, 0), "
                       "$1::bigint) WHERE id = $2::bigint",
                       {ms, id});
        });
}

std::optional<std::int64_t> PgRelayStore::changeVersion()
{
    std::int64_t v = 0;
    _db->read([&](Pg::Session& s) { v = s.exec("SELECT version FROM " BR "change_version").integer(0, 0); });
    return v;
}

} // namespace BrowserRelay
} // namespace Monlight
