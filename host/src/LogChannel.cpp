#include "LogChannel.h"

#include "Monlight/Json.h"
#include "Monlight/Time.h"
#include <Poco/String.h>
#include <iostream>

namespace Monlight
{
namespace Host
{

namespace
{
const char* levelText(Poco::Message::Priority p)
{
    switch (p)
    {
    case Poco::Message::PRIO_FATAL:
    case Poco::Message::PRIO_CRITICAL:
    case Poco::Message::PRIO_ERROR: return "error";
    case Poco::Message::PRIO_WARNING: return "warning";
    case Poco::Message::PRIO_NOTICE:
    case Poco::Message::PRIO_INFORMATION: return "info";
    default: return "debug";
    }
}
} // namespace

std::string LogChannel::format(const Poco::Message& msg, bool json)
{
    std::int64_t ms = msg.getTime().epochMicroseconds() / 1000;
    std::string ts = Time::formatMs(ms);
    const char* lvl = levelText(msg.getPriority());
    if (json)
    {
        Json::Writer w;
        w.beginObject().field("ts", ts).field("level", lvl).field("logger", msg.getSource()).field("msg", msg.getText());
        w.endObject();
        return w.take();
    }
    std::string level = Poco::toUpper(std::string(lvl == std::string("warning") ? "warn" : lvl));
    level.resize(5, ' ');
    std::string text = msg.getText();
    for (auto& c : text)
        if (c == '\n' || c == '\r')
            c = ' ';
    return ts + " " + level + " " + msg.getSource() + ": " + text;
}

void LogChannel::log(const Poco::Message& msg)
{
    std::string line = format(msg, _json);
    line += '\n';
    std::lock_guard<std::mutex> lock(_mutex);
    std::cerr << line << std::flush;
}

int logPriority(const std::string& level)
{
    std::string l = Poco::toLower(Poco::trim(level));
    if (l == "error" || l == "err")
        return Poco::Message::PRIO_ERROR;
    if (l == "warning" || l == "warn")
        return Poco::Message::PRIO_WARNING;
    if (l == "debug")
        return Poco::Message::PRIO_DEBUG;
    return Poco::Message::PRIO_INFORMATION;
}

} // namespace Host
} // namespace Monlight
