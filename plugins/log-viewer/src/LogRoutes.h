#pragma once

#include "LogIngestor.h"
#include "LogStore.h"
#include "PgLogStore.h"
#include "Monlight/Http.h"
#include "SseHub.h"
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace Monlight
{
namespace LogViewer
{

/// The HTTP API of §3.1–§3.5. Handlers validate, ask the store, and write §0.9 JSON; the live tail detaches
/// the connection and hands it to an SSE stream thread.
class LogRoutes
{
public:
    /// `watched()` returns the names of the containers currently tailed.
    LogRoutes(std::shared_ptr<Database> db, SseHub& hub, std::function<std::vector<std::string>()> watched,
              std::shared_ptr<CountCache> counts = nullptr);
    /// Any store; the live tail of a PostgreSQL store (PgLogStore) reads the database in the stream thread.
    LogRoutes(std::shared_ptr<LogStoreApi> store, SseHub& hub, std::function<std::vector<std::string>()> watched);

    /// Declares every route of §3.1 (except /health and /metrics, which the host serves).
    void registerRoutes(Router& router);
    /// Declares `POST /api/logs` (§12) with its own body cap.
    void registerIngest(Router& router, LogIngestor& ingestor, std::size_t bodyCap);

    void logs(Request& req, Response& res);
    void containers(Request& req, Response& res);
    void stats(Request& req, Response& res);
    void tail(Request& req, Response& res);

private:
    void pgTail(Request& req, Response& res, PgLogStore& pg);

    std::shared_ptr<LogStoreApi> _store;
    LogStore* _sqlite = nullptr; ///< _store on SQLite
    PgLogStore* _pg = nullptr;   ///< _store on PostgreSQL
    SseHub& _hub;
    std::function<std::vector<std::string>()> _watched;
};

} // namespace LogViewer
} // namespace Monlight
