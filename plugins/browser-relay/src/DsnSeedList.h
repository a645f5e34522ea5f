#pragma once

#include <string>
#include <utility>
#include <vector>

namespace Monlight
{
namespace BrowserRelay
{

/// The `browser-relay.dsn_keys` setting: `project:key,project2:key2` (§5.2).
class DsnSeedList
{
public:
    struct Entry
    {
        std::string project;
        std::string key;
    };

    /// Parses the setting. Returns false and sets `error` (naming the bad entry) when an entry is malformed.
    static bool parse(const std::string& value, std::vector<Entry>& entries, std::string& error);

    /// A DSN key as seeded or presented: 8–64 chars of `[A-Za-z0-9_-]`.
    static bool isValidKey(const std::string& key);
};

} // namespace BrowserRelay
} // namespace Monlight
