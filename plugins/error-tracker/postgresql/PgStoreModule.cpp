/// error-tracker-postgresql.so: the error tracker's PostgreSQL store, loaded by the plugin only when
/// `host.storage = postgresql`, so that a host on SQLite (the default) never maps its code (PERFORMANCE.md P8).

#include "PgErrorStoreModule.h"
#include "PgErrorStore.h"

extern "C" MONLIGHT_API const char* monlightErrorTrackerPgSignature()
{
    return MONLIGHT_BUILD_SIGNATURE;
}

extern "C" MONLIGHT_API void monlightErrorTrackerPgOpen(const std::shared_ptr<Monlight::Pg::PgDatabase>& db,
                                                        const std::vector<std::string>& migrations,
                                                        std::shared_ptr<Monlight::ErrorTracker::ErrorStore>& out)
{
    out = Monlight::ErrorTracker::PgErrorStore::open(db, migrations);
}
