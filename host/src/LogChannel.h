#pragma once

#include <Poco/Channel.h>
#include <Poco/Message.h>
#include <mutex>

namespace Monlight
{
namespace Host
{

/// Writes one line per log message to stderr in the §0.16 text or JSON format.
class LogChannel : public Poco::Channel
{
public:
    explicit LogChannel(bool json) : _json(json) {}
    void log(const Poco::Message& msg) override;
    /// The line for a message (without the newline); exposed for tests.
    static std::string format(const Poco::Message& msg, bool json);

private:
    bool _json;
    std::mutex _mutex;
};

/// Parses a §1.1 level (`error|err|warning|warn|info|debug`) into a Poco priority.
int logPriority(const std::string& level);

} // namespace Host
} // namespace Monlight
