#pragma once

#include "AlertChannel.h"
#include <string>
#include <vector>

namespace Monlight
{
namespace ErrorTracker
{

/// SMTP delivery (SPEC §2.9): one session per alert, implicit TLS or STARTTLS per `smtp_tls`, AUTH PLAIN,
/// every recipient its own `RCPT TO` (rejected ones skipped).
class SmtpChannel : public AlertChannel
{
public:
    struct Settings
    {
        std::string host;
        int port = 25;
        std::string username;
        std::string password;
        std::string from;
        std::string tls = "auto"; ///< auto | starttls | implicit | none
        bool verify = true;
        std::vector<std::string> to;
    };

    explicit SmtpChannel(Settings settings);
    std::string name() const override { return "smtp"; }
    DeliveryResult deliver(const AlertMessage& message) override;

    /// The envelope address of a sender (`Ops <ops@x.com>` → `ops@x.com`), without blanks or controls.
    static std::string envelopeAddress(const std::string& from);

private:
    Settings _s;
};

} // namespace ErrorTracker
} // namespace Monlight
