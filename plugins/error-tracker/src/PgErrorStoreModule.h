#pragma once
/// The entry points of error-tracker-postgresql.so (postgresql/PgStoreModule.cpp), which holds PgErrorStore: the
/// plugin loads it from its own directory only when the host runs on PostgreSQL. The module is built from the same
/// sources and signature as the plugin; both check MONLIGHT_BUILD_SIGNATURE.

#include "ErrorStore.h"
#include "Monlight/PgDatabase.h"
#include "Monlight/Version.h"
#include <memory>
#include <string>
#include <vector>

#define MONLIGHT_ET_PG_MODULE "error-tracker-postgresql.so"
#define MONLIGHT_ET_PG_SIGNATURE_SYMBOL "monlightErrorTrackerPgSignature"
#define MONLIGHT_ET_PG_OPEN_SYMBOL "monlightErrorTrackerPgOpen"

namespace Monlight
{
namespace ErrorTracker
{
using PgSignatureFn = const char* (*)();
/// Applies the `sql/postgresql/` migrations and sets `out` to the store (throws as PgErrorStore::open does).
using PgOpenFn = void (*)(const std::shared_ptr<Pg::PgDatabase>& db, const std::vector<std::string>& migrations,
                          std::shared_ptr<ErrorStore>& out);
} // namespace ErrorTracker
} // namespace Monlight
