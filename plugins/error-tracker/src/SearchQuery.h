#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace Monlight
{
namespace ErrorTracker
{

/// Turns the `search` parameter into an FTS5 MATCH expression (SPEC §2.4) that can never be a syntax error.
class SearchQuery
{
public:
    /// Each whitespace-separated term becomes a quoted phrase (inner `"` doubled); `abc*` becomes the prefix
    /// phrase `"abc"*`; terms without any token character are dropped; phrases are joined with spaces.
    /// Returns nothing when no term has a token (the search then matches nothing).
    static std::optional<std::string> toFts(std::string_view search);

    /// The same search for PostgreSQL's `to_tsquery('simple', ...)` over the PostgreSQL store's index (words split
    /// where unicode61 splits them: at every ASCII character other than a letter or digit): each term becomes the
    /// phrase of its words (`'a' <-> 'b'`, lowercase), `abc*` the prefix `'abc':*`; terms are joined with `&`.
    /// Nothing exactly when toFts() returns nothing.
    static std::optional<std::string> toTsQuery(std::string_view search);

    /// True when `term` holds at least one character the unicode61 tokenizer keeps (ASCII letters and
    /// digits, and any non-ASCII character).
    static bool hasToken(std::string_view term);
};

} // namespace ErrorTracker
} // namespace Monlight
