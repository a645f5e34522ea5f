#include "Monlight/Http.h"

#include "Monlight/Config.h"
#include "Monlight/Text.h"

namespace Monlight
{

namespace
{
// `+` → space, `%XX` decoded, a malformed `%` kept literally.
std::string decodeComponent(const std::string& s)
{
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i)
    {
        char c = s[i];
        if (c == '+')
            out += ' ';
        else if (c == '%' && i + 2 < s.size() && Text::hexValue(s[i + 1]) >= 0 && Text::hexValue(s[i + 2]) >= 0)
        {
            out += static_cast<char>(Text::hexValue(s[i + 1]) * 16 + Text::hexValue(s[i + 2]));
            i += 2;
        }
        else
            out += c;
    }
    return out;
}
} // namespace

QueryParams::QueryParams(const std::string& rawQuery)
{
    std::size_t start = 0;
    while (start <= rawQuery.size())
    {
        std::size_t end = rawQuery.find('&', start);
        if (end == std::string::npos)
            end = rawQuery.size();
        std::string pair = rawQuery.substr(start, end - start);
        if (!pair.empty())
        {
            auto eq = pair.find('=');
            std::string k = decodeComponent(pair.substr(0, eq));
            std::string v = eq == std::string::npos ? "" : decodeComponent(pair.substr(eq + 1));
            _values[k] = v;
        }
        start = end + 1;
    }
}

std::optional<std::string> QueryParams::get(const std::string& name) const
{
    auto it = _values.find(name);
    if (it == _values.end() || it->second.empty())
        return std::nullopt;
    return it->second;
}

std::optional<std::string> QueryParams::getRaw(const std::string& name) const
{
    auto it = _values.find(name);
    if (it == _values.end())
        return std::nullopt;
    return it->second;
}

std::int64_t QueryParams::limit(const std::string& name, std::int64_t dflt, std::int64_t max) const
{
    auto v = get(name);
    std::int64_t n;
    if (!v || !ConfigValue::parseInt(*v, n))
    {
        // Digits too long for int64 are still "above the maximum".
        if (v && !v->empty() && v->find_first_not_of("0123456789") == std::string::npos)
            return max;
        return dflt;
    }
    if (n <= 0)
        return dflt;
    return n > max ? max : n;
}

std::int64_t QueryParams::offset(const std::string& name) const
{
    auto v = get(name);
    std::int64_t n;
    if (!v || !ConfigValue::parseInt(*v, n) || n < 0)
        return 0;
    return n;
}

std::optional<std::int64_t> parseId(std::string_view segment)
{
    auto v = Text::parseDigits(segment, 18);
    if (!v || *v < 1)
        return std::nullopt;
    return v;
}

Request::~Request() = default;
Response::~Response() = default;
CorsPolicy::~CorsPolicy() = default;
Router::~Router() = default;

Route::Route(std::string method, std::string pattern) : _method(std::move(method)), _pattern(std::move(pattern)) {}

Route Route::get(std::string pattern)
{
    return Route("GET", std::move(pattern));
}

Route Route::post(std::string pattern)
{
    return Route("POST", std::move(pattern));
}

Route Route::del(std::string pattern)
{
    return Route("DELETE", std::move(pattern));
}

Route Route::options(std::string pattern)
{
    return Route("OPTIONS", std::move(pattern));
}

Route& Route::auth(AuthPolicy policy)
{
    _auth = policy;
    return *this;
}

Route& Route::queryKey()
{
    _queryKey = true;
    return *this;
}

Route& Route::cors(std::shared_ptr<CorsPolicy> policy, std::string area)
{
    _cors = std::move(policy);
    _corsArea = std::move(area);
    return *this;
}

Route& Route::limit(Limiter limiter, std::int64_t perMinute)
{
    _limits.emplace_back(limiter, perMinute);
    return *this;
}

Route& Route::bodyCap(std::size_t bytes)
{
    _bodyCap = bytes;
    return *this;
}

Route& Route::uiPage()
{
    _uiPage = true;
    return *this;
}

Route& Route::handle(Handler handler)
{
    _handler = std::move(handler);
    return *this;
}

std::optional<std::int64_t> Route::limitOf(Limiter limiter) const
{
    std::optional<std::int64_t> found;
    for (const auto& [l, perMinute] : _limits)
        if (l == limiter)
            found = perMinute; // the last call wins
    return found;
}

} // namespace Monlight
