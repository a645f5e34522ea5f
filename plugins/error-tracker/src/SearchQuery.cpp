#include "SearchQuery.h"

#include <cctype>

namespace Monlight
{
namespace ErrorTracker
{

bool SearchQuery::hasToken(std::string_view term)
{
    for (char ch : term)
    {
        unsigned char c = static_cast<unsigned char>(ch);
        if (c >= 0x80 || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
            return true;
    }
    return false;
}

namespace
{
// NUL separates terms too: SQLite reads the MATCH text only up to it, so inside a phrase it would leave the
// phrase unterminated (an FTS5 syntax error).
bool isSeparator(char c)
{
    return c == '\0' || std::isspace(static_cast<unsigned char>(c));
}
} // namespace

std::optional<std::string> SearchQuery::toFts(std::string_view search)
{
    std::string out;
    std::size_t i = 0;
    while (i < search.size())
    {
        while (i < search.size() && isSeparator(search[i]))
            ++i;
        std::size_t start = i;
        while (i < search.size() && !isSeparator(search[i]))
            ++i;
        std::string_view term = search.substr(start, i - start);
        if (term.empty())
            continue;
        bool prefix = term.size() > 1 && term.back() == '*';
        if (prefix)
            term.remove_suffix(1);
        if (!hasToken(term))
            continue;
        if (!out.empty())
            out += ' ';
        out += '"';
        for (char c : term)
        {
            if (c == '"')
                out += '"';
            out += c;
        }
        out += '"';
        if (prefix)
            out += '*';
    }
    if (out.empty())
        return std::nullopt;
    return out;
}

std::optional<std::string> SearchQuery::toTsQuery(std::string_view search)
{
    std::string out;
    std::size_t i = 0;
    while (i < search.size())
    {
        while (i < search.size() && isSeparator(search[i]))
            ++i;
        std::size_t start = i;
        while (i < search.size() && !isSeparator(search[i]))
            ++i;
        std::string_view term = search.substr(start, i - start);
        if (term.empty())
            continue;
        bool prefix = term.size() > 1 && term.back() == '*';
        if (prefix)
            term.remove_suffix(1);
        if (!hasToken(term))
            continue;
        std::string phrase;
        std::size_t j = 0;
        while (j < term.size())
        {
            while (j < term.size() && !hasToken(term.substr(j, 1)))
                ++j;
            std::size_t w = j;
            while (j < term.size() && hasToken(term.substr(j, 1)))
                ++j;
            if (j == w)
                continue;
            if (!phrase.empty())
                phrase += " <-> ";
            phrase += '\'';
            for (char c : term.substr(w, j - w))
                phrase += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
            phrase += '\'';
        }
        if (prefix)
            phrase += ":*";
        if (!out.empty())
            out += " & ";
        out += '(' + phrase + ')';
    }
    if (out.empty())
        return std::nullopt;
    return out;
}

} // namespace ErrorTracker
} // namespace Monlight
