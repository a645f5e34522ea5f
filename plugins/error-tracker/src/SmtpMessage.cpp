#include "SmtpMessage.h"

#include "AlertComposer.h"
#include <Poco/Base64Encoder.h>
#include <Poco/DateTimeFormatter.h>
#include <Poco/Timestamp.h>
#include <Poco/UUIDGenerator.h>
#include <algorithm>
#include <sstream>

namespace Monlight
{
namespace ErrorTracker
{

namespace
{

std::string base64(std::string_view data)
{
    std::ostringstream os;
    Poco::Base64Encoder enc(os);
    enc.rdbuf()->setLineLength(0);
    enc.write(data.data(), static_cast<std::streamsize>(data.size()));
    enc.close();
    return os.str();
}

} // namespace

std::string SmtpMessage::base64Lines(std::string_view data)
{
    std::string b = base64(data);
    std::string out;
    for (std::size_t i = 0; i < b.size(); i += 76)
    {
        out.append(b, i, 76);
        out += "\r\n";
    }
    return out;
}

std::string SmtpMessage::encodeHeader(std::string_view value)
{
    bool plain = true;
    for (char ch : value)
    {
        unsigned char c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c > 0x7E)
            plain = false;
    }
    if (plain)
        return std::string(value);
    // Chunks of at most 45 bytes, cut on UTF-8 character boundaries, each its own encoded word (≤ 72 chars).
    std::string out;
    std::size_t i = 0;
    while (i < value.size())
    {
        std::size_t n = std::min<std::size_t>(45, value.size() - i);
        while (i + n < value.size() && n > 0 && (static_cast<unsigned char>(value[i + n]) & 0xC0) == 0x80)
            --n;
        if (!out.empty())
            out += "\r\n ";
        out += "=?UTF-8?B?" + base64(value.substr(i, n)) + "?=";
        i += n;
    }
    return out;
}

std::string SmtpMessage::dotStuff(std::string_view text)
{
    std::string out;
    out.reserve(text.size() + 64);
    bool lineStart = true;
    for (std::size_t i = 0; i < text.size(); ++i)
    {
        char c = text[i];
        if (c == '\r' || c == '\n')
        {
            if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n')
                ++i;
            out += "\r\n";
            lineStart = true;
            continue;
        }
        if (lineStart && c == '.')
            out += '.';
        out += c;
        lineStart = false;
    }
    return out;
}

std::string SmtpMessage::build(const AlertMessage& m, const std::string& from,
                               const std::vector<std::string>& to, std::int64_t dateEpochMs)
{
    // One address per folded line keeps the header far below the 998-byte line limit for many recipients.
    std::string toList;
    for (const auto& a : to)
    {
        if (!toList.empty())
            toList += ",\r\n ";
        toList += AlertComposer::stripControls(a);
    }
    Poco::Timestamp ts(static_cast<Poco::Timestamp::TimeVal>(dateEpochMs) * 1000);
    std::string boundary = "=_monlight_" + Poco::UUIDGenerator::defaultGenerator().createRandom().toString();
    boundary.erase(std::remove(boundary.begin(), boundary.end(), '-'), boundary.end());

    std::string msg;
    msg += "Date: " + Poco::DateTimeFormatter::format(ts, "%w, %d %b %Y %H:%M:%S +0000") + "\r\n";
    msg += "Message-ID: <" + Poco::UUIDGenerator::defaultGenerator().createRandom().toString() +
           "@monlight>\r\n";
    msg += "From: " + AlertComposer::stripControls(from) + "\r\n";
    msg += "To: " + toList + "\r\n";
    msg += "Subject: " + encodeHeader(AlertComposer::stripControls(m.subject)) + "\r\n";
    msg += "MIME-Version: 1.0\r\n";
    msg += "Content-Type: multipart/alternative; boundary=\"" + boundary + "\"\r\n";
    msg += "\r\n";
    msg += "--" + boundary + "\r\n";
    msg += "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    msg += base64Lines(m.text);
    msg += "--" + boundary + "\r\n";
    msg += "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n";
    msg += base64Lines(m.html);
    msg += "--" + boundary + "--\r\n";
    std::string data = dotStuff(msg);
    data += ".\r\n";
    return data;
}

} // namespace ErrorTracker
} // namespace Monlight
