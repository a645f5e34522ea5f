#pragma once

#include "AlertDispatcher.h"
#include "ErrorIngestService.h"
#include "ErrorStore.h"
#include "Monlight/Http.h"
#include "Monlight/Json.h"
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace Monlight
{
namespace ErrorTracker
{

/// The HTTP API of SPEC §2.1 (UI routes excluded): declares the routes and answers them.
class ErrorRoutes
{
public:
    ErrorRoutes(std::shared_ptr<ErrorStore> store, std::shared_ptr<ErrorIngestService> ingest,
                std::shared_ptr<AlertDispatcher> alerts);

    /// Adds every API route to `router`.
    void install(Router& router);

    /// Builds the list filter from query parameters; throws HttpError 400 `Invalid parameter: <name>`.
    static ErrorFilter parseFilter(const QueryParams& q, std::int64_t nowMs);

    /// Most groups one `POST /api/errors/bulk` changes (ids named, or groups of a filter per call).
    static constexpr std::int64_t BULK_CAP = 1000;

    /// Appends one group as a JSON object (list shape, or detail shape without `occurrences` closing).
    static void writeGroup(Json::Writer& w, const ErrorGroup& g, bool withTraceback);
    /// "file:line in function" of the raising frame of a Python traceback or JavaScript stack; empty if none.
    static std::string culprit(const std::string& traceback);

private:
    void postError(Request& req, Response& res);
    void listErrors(Request& req, Response& res);
    void getError(Request& req, Response& res);
    void getHistogram(Request& req, Response& res);
    void setResolved(Request& req, Response& res, bool resolved);
    void bulkResolve(Request& req, Response& res);
    void listProjects(Request& req, Response& res);
    void listEnvironments(Request& req, Response& res);
    void testAlert(Request& req, Response& res);

    std::shared_ptr<ErrorStore> _store;
    std::shared_ptr<ErrorIngestService> _ingest;
    std::shared_ptr<AlertDispatcher> _alerts;
};

} // namespace ErrorTracker
} // namespace Monlight
