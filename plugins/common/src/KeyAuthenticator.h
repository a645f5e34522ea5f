#pragma once

#include "Monlight/Services.h"
#include <array>
#include <map>
#include <shared_mutex>
#include <string>
#include <vector>

namespace Monlight
{
namespace Common
{

/// The AuthService of §0.5: keys are stored as SHA-256 digests; a presented key is hashed and compared with
/// every configured digest in constant time, so neither its length nor its content leaks through timing.
class KeyAuthenticator : public AuthService
{
public:
    void setKeys(const std::string& realm, const std::vector<std::string>& keys) override;
    std::optional<std::string> verify(const std::string& realm, const std::string& presented) const override;
    void setDsnResolver(std::function<std::optional<DsnIdentity>(const std::string&)> resolver) override;
    std::optional<DsnIdentity> resolveDsn(const std::string& key) const override;

    using Digest = std::array<unsigned char, 32>;
    static Digest sha256(const std::string& s);
    /// Equality of two digests whose running time does not depend on where they differ.
    static bool constantTimeEqual(const Digest& a, const Digest& b);

private:
    struct Entry
    {
        Digest digest;
        std::string key;
    };
    mutable std::shared_mutex _mutex;
    std::map<std::string, std::vector<Entry>> _realms;
    std::function<std::optional<DsnIdentity>(const std::string&)> _dsn;
};

} // namespace Common
} // namespace Monlight
