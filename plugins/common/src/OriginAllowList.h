#pragma once

#include "Monlight/Http.h"
#include "Monlight/Services.h"
#include <string>
#include <vector>

namespace Monlight
{
namespace Common
{

/// The CORS policy of §5.5: exact origins (case-insensitive), one-`*` patterns whose `*` matches at least one
/// character without `/`, `:` or `@`, or `*` for every origin. The request origin is always echoed; origins matched
/// by an exact entry or a pattern (not by a bare `*`) are also sent `Access-Control-Allow-Credentials: true`.
class OriginAllowList : public CorsPolicy
{
public:
    /// Throws Poco::InvalidArgumentException for a pattern with more than one `*`.
    explicit OriginAllowList(const std::vector<std::string>& entries);

    bool allows(const std::string& origin) const override;
    std::vector<std::pair<std::string, std::string>> responseHeaders(const std::string& origin) const override;
    std::vector<std::pair<std::string, std::string>>
    preflightHeaders(const std::string& origin, const std::string& requestMethod,
                     const std::string& requestHeaders) const override;

private:
    /// True when `origin` matches an exact entry or a one-`*` pattern (a bare `*` entry is not consulted).
    bool listed(const std::string& origin) const;

    struct Pattern
    {
        std::string prefix, suffix;
        bool wildcard = false;
    };
    std::vector<Pattern> _patterns;
    bool _any = false;
};

/// The CorsService registered by common as `cors`.
class CorsFactory : public CorsService
{
public:
    std::shared_ptr<CorsPolicy> makePolicy(const std::vector<std::string>& origins) const override;
};

} // namespace Common
} // namespace Monlight
