#include "KeyAuthenticator.h"

#include <Poco/SHA2Engine.h>
#include <cstring>
#include <mutex>

namespace Monlight
{
namespace Common
{

KeyAuthenticator::Digest KeyAuthenticator::sha256(const std::string& s)
{
    Poco::SHA2Engine engine(Poco::SHA2Engine::SHA_256);
    engine.update(s.data(), static_cast<unsigned>(s.size()));
    const auto& d = engine.digest();
    Digest out{};
    std::memcpy(out.data(), d.data(), out.size());
    return out;
}

bool KeyAuthenticator::constantTimeEqual(const Digest& a, const Digest& b)
{
    volatile unsigned char diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        diff = static_cast<unsigned char>(diff | (a[i] ^ b[i]));
    return diff == 0;
}

void KeyAuthenticator::setKeys(const std::string& realm, const std::vector<std::string>& keys)
{
    std::vector<Entry> entries;
    for (const auto& k : keys)
        entries.push_back({sha256(k), k});
    std::unique_lock<std::shared_mutex> lock(_mutex);
    _realms[realm] = std::move(entries);
}

std::optional<std::string> KeyAuthenticator::verify(const std::string& realm, const std::string& presented) const
{
    if (presented.empty())
        return std::nullopt;
    Digest d = sha256(presented);
    std::shared_lock<std::shared_mutex> lock(_mutex);
    auto it = _realms.find(realm);
    if (it == _realms.end())
        return std::nullopt;
    const Entry* match = nullptr;
    // Every configured key is compared, matched or not.
    for (const auto& e : it->second)
        if (constantTimeEqual(d, e.digest) && !match)
            match = &e;
    if (!match)
        return std::nullopt;
    return match->key;
}

void KeyAuthenticator::setDsnResolver(std::function<std::optional<DsnIdentity>(const std::string&)> resolver)
{
    std::unique_lock<std::shared_mutex> lock(_mutex);
    _dsn = std::move(resolver);
}

std::optional<DsnIdentity> KeyAuthenticator::resolveDsn(const std::string& key) const
{
    std::function<std::optional<DsnIdentity>(const std::string&)> fn;
    {
        std::shared_lock<std::shared_mutex> lock(_mutex);
        fn = _dsn;
    }
    if (!fn || key.empty())
        return std::nullopt;
    return fn(key);
}

} // namespace Common
} // namespace Monlight
