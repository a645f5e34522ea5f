#include "SentryEnvelope.h"

#include <Monlight/HttpError.h>
#include <Monlight/Json.h>
#include <optional>

namespace Monlight
{
namespace BrowserRelay
{

namespace
{

[[noreturn]] void invalid(const std::string& reason)
{
    throw HttpError(400, "Invalid envelope: " + reason);
}

/// The line starting at `pos` (without `\n`, a trailing `\r` removed); `pos` moves past the newline.
std::string_view nextLine(const std::string& text, std::size_t& pos)
{
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string::npos)
        nl = text.size();
    std::string_view line(text.data() + pos, nl - pos);
    pos = nl < text.size() ? nl + 1 : text.size();
    if (!line.empty() && line.back() == '\r')
        line.remove_suffix(1);
    return line;
}

/// A header line read as a JSON object (Json::Document: one pass, no Poco objects).
Json::Document headerObject(std::string_view line, const char* what)
{
    std::optional<Json::Document> doc;
    try
    {
        doc.emplace(line);
    }
    catch (const HttpError&)
    {
        invalid(std::string(what) + " is not valid JSON");
    }
    if (!doc->root().isObject())
        invalid(std::string(what) + " is not a JSON object");
    return std::move(*doc);
}

bool blank(std::string_view s)
{
    for (char c : s)
        if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
            return false;
    return true;
}

} // namespace

SentryEnvelope SentryEnvelope::parse(const std::string& text)
{
    SentryEnvelope env;
    std::size_t pos = 0;
    const std::string_view first = nextLine(text, pos);
    if (blank(first))
        invalid("missing envelope header");
    const Json::Document header = headerObject(first, "envelope header");
    env.eventId = std::string(header.root()["event_id"].string());
    env.dsn = std::string(header.root()["dsn"].string());
    while (pos < text.size())
    {
        const std::string_view line = nextLine(text, pos);
        if (blank(line))
        {
            if (pos >= text.size())
                break; // trailing newline(s)
            continue;  // tolerate blank lines between items, as Relay does
        }
        Item item;
        const Json::Document itemHeader = headerObject(line, "item header");
        item.type = std::string(itemHeader.root()["type"].string());
        if (const Json::Document::Value len = itemHeader.root()["length"]; !len.isNull())
        {
            if (!len.isNumber())
                invalid("item length is not a number");
            const double d = len.number();
            if (d < 0 || d >= 18446744073709551616.0 || d != static_cast<double>(static_cast<std::uint64_t>(d)))
                invalid("item length is not a non-negative integer");
            const auto n = static_cast<std::uint64_t>(d);
            if (n > text.size() - pos)
                invalid("item length exceeds the envelope");
            item.payload = std::string_view(text.data() + pos, static_cast<std::size_t>(n));
            pos += static_cast<std::size_t>(n);
            if (pos < text.size())
            {
                if (text[pos] == '\r' && pos + 1 < text.size() && text[pos + 1] == '\n')
                    pos += 2;
                else if (text[pos] == '\n')
                    ++pos;
                else
                    invalid("item payload is not followed by a newline");
            }
        }
        else
        {
            item.payload = nextLine(text, pos);
        }
        env.items.push_back(std::move(item));
    }
    return env;
}

} // namespace BrowserRelay
} // namespace Monlight
