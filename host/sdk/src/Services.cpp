#include "Monlight/Services.h"

#include "Monlight/Database.h"
#include <Poco/Exception.h>

namespace Monlight
{

Service::~Service() = default;
// Out-of-line destructors anchor each interface's type information in the SDK library, so that
// dynamic_pointer_cast between plugins always agrees on one type.
AuthService::~AuthService() = default;
RateLimitService::~RateLimitService() = default;
CorsService::~CorsService() = default;
JsonIngestService::~JsonIngestService() = default;

IngestReply IngestReply::fromError(const HttpError& e)
{
    return IngestReply{e.status(), e.body(), e.headers()};
}

IngestReply IngestReply::answer(const std::function<IngestReply()>& work)
{
    try
    {
        return work();
    }
    catch (const HttpError& e)
    {
        return fromError(e);
    }
    catch (const StorageError& e)
    {
        return fromError(toHttpError(e));
    }
    catch (const std::exception&)
    {
        return IngestReply{500, HttpError::detailBody("Internal server error"), {}};
    }
}

void ServiceRegistry::add(const std::string& name, std::shared_ptr<Service> service)
{
    std::lock_guard<std::mutex> lock(_mutex);
    if (!_services.emplace(name, std::move(service)).second)
        throw Poco::ExistsException("service " + name);
}

void ServiceRegistry::remove(const std::string& name)
{
    std::lock_guard<std::mutex> lock(_mutex);
    _services.erase(name);
}

std::shared_ptr<Service> ServiceRegistry::find(const std::string& name) const
{
    std::lock_guard<std::mutex> lock(_mutex);
    auto it = _services.find(name);
    return it == _services.end() ? nullptr : it->second;
}

} // namespace Monlight
