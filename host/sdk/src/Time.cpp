#include "Monlight/Time.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>

namespace Monlight
{
namespace Time
{

namespace
{

// Days since 1970-01-01 of a proleptic Gregorian date (era/day-of-era arithmetic).
std::int64_t daysFromCivil(std::int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool isLeap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int daysInMonth(int y, int m)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && isLeap(y) ? 29 : d[m - 1];
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, int& out)
{
    if (pos + n > s.size())
        return false;
    out = 0;
    for (std::size_t i = 0; i < n; ++i)
    {
        char c = s[pos + i];
        if (c < '0' || c > '9')
            return false;
        out = out * 10 + (c - '0');
    }
    return true;
}

void civil(std::int64_t epochMs, int& y, int& mo, int& d, int& h, int& mi, int& s, int& ms)
{
    std::int64_t days = epochMs >= 0 ? epochMs / 86400000 : -((-epochMs + 86399999) / 86400000);
    std::int64_t rem = epochMs - days * 86400000;
    ms = static_cast<int>(rem % 1000);
    rem /= 1000;
    s = static_cast<int>(rem % 60);
    mi = static_cast<int>((rem / 60) % 60);
    h = static_cast<int>(rem / 3600);
    std::int64_t z = days + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    d = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    mo = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    y = static_cast<int>(static_cast<std::int64_t>(yoe) + era * 400 + (mo <= 2));
}

bool allDigitsNumber(std::string_view s)
{
    if (s.empty())
        return false;
    std::size_t i = 0;
    bool seenDigit = false, seenDot = false;
    for (; i < s.size(); ++i)
    {
        if (s[i] >= '0' && s[i] <= '9')
            seenDigit = true;
        else if (s[i] == '.' && !seenDot)
            seenDot = true;
        else
            return false;
    }
    return seenDigit;
}

} // namespace

std::int64_t nowMs()
{
    using namespace std::chrono;
    return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string formatMs(std::int64_t epochMs)
{
    int y, mo, d, h, mi, s, ms;
    civil(epochMs, y, mo, d, h, mi, s, ms);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, mo, d, h, mi, s, ms);
    return buf;
}

std::optional<std::string> formatMs(const std::optional<std::int64_t>& epochMs)
{
    if (!epochMs)
        return std::nullopt;
    return formatMs(*epochMs);
}

std::string formatSeconds(std::int64_t epochMs)
{
    int y, mo, d, h, mi, s, ms;
    civil(epochMs, y, mo, d, h, mi, s, ms);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, mo, d, h, mi, s);
    return buf;
}

std::optional<std::int64_t> parseRfc3339(std::string_view t)
{
    int y, mo, d, h, mi, s;
    if (t.size() < 19 || !digits(t, 0, 4, y) || t[4] != '-' || !digits(t, 5, 2, mo) || t[7] != '-' ||
        !digits(t, 8, 2, d))
        return std::nullopt;
    if (t[10] != 'T' && t[10] != 't' && t[10] != ' ')
        return std::nullopt;
    if (!digits(t, 11, 2, h) || t[13] != ':' || !digits(t, 14, 2, mi) || t[16] != ':' || !digits(t, 17, 2, s))
        return std::nullopt;
    if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 60)
        return std::nullopt;
    if (s == 60)
        s = 59; // leap second: clamp
    std::size_t i = 19;
    int ms = 0;
    if (i < t.size() && t[i] == '.')
    {
        ++i;
        std::size_t start = i;
        int scale = 100;
        while (i < t.size() && t[i] >= '0' && t[i] <= '9')
        {
            ms += (t[i] - '0') * scale;
            scale /= 10;
            ++i;
        }
        if (i == start)
            return std::nullopt;
    }
    std::int64_t offsetMin = 0;
    if (i < t.size())
    {
        if ((t[i] == 'Z' || t[i] == 'z') && i + 1 == t.size())
            ++i;
        else if (t[i] == '+' || t[i] == '-')
        {
            int oh, om;
            if (i + 6 != t.size() || !digits(t, i + 1, 2, oh) || t[i + 3] != ':' || !digits(t, i + 4, 2, om) ||
                oh > 23 || om > 59)
                return std::nullopt;
            offsetMin = (oh * 60 + om) * (t[i] == '-' ? -1 : 1);
            i += 6;
        }
        else
            return std::nullopt;
    }
    std::int64_t days = daysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
    std::int64_t secs = days * 86400 + h * 3600 + mi * 60 + s - offsetMin * 60;
    return secs * 1000 + ms;
}

std::optional<std::int64_t> fromEpochNumber(double v)
{
    if (!std::isfinite(v))
        return std::nullopt;
    double ms = std::fabs(v) < 1e11 ? v * 1000.0 : v;
    if (std::fabs(ms) > 9.0e15)
        return std::nullopt;
    return static_cast<std::int64_t>(std::floor(ms));
}

std::optional<std::int64_t> parseBodyTimestamp(const Poco::Dynamic::Var& value)
{
    if (value.isEmpty() || value.type() == typeid(bool))
        return std::nullopt;
    if (value.type() == typeid(std::string))
    {
        const auto& s = value.extract<std::string>();
        if (allDigitsNumber(s))
        {
            try
            {
                return fromEpochNumber(std::stod(s));
            }
            catch (...)
            {
                return std::nullopt;
            }
        }
        return parseRfc3339(s);
    }
    if (value.isNumeric())
        return fromEpochNumber(value.convert<double>());
    return std::nullopt;
}

std::optional<std::int64_t> parseQueryTimestamp(std::string_view text, std::int64_t now)
{
    if (text.size() == 10 && text[4] == '-' && text[7] == '-')
        return parseRfc3339(std::string(text) + "T00:00:00Z");
    if (text.size() >= 2 && text.size() <= 7)
    {
        char unit = text.back();
        std::string_view num = text.substr(0, text.size() - 1);
        bool allDigits = !num.empty();
        for (char c : num)
            allDigits = allDigits && c >= '0' && c <= '9';
        if (allDigits && (unit == 's' || unit == 'm' || unit == 'h' || unit == 'd'))
        {
            std::int64_t n = std::stoll(std::string(num));
            if (n < 1 || n > 999999)
                return std::nullopt;
            std::int64_t mult = unit == 's' ? 1000 : unit == 'm' ? 60000 : unit == 'h' ? 3600000 : 86400000;
            return now - n * mult;
        }
    }
    if (allDigitsNumber(text))
    {
        try
        {
            return fromEpochNumber(std::stod(std::string(text)));
        }
        catch (...)
        {
            return std::nullopt;
        }
    }
    return parseRfc3339(text);
}

} // namespace Time
} // namespace Monlight
