#pragma once

#include <string>

namespace Monlight
{
namespace ErrorTracker
{

/// The rendered content of one alert, identical facts for every channel (SPEC §2.9).
struct AlertMessage
{
    std::string subject;
    std::string text;
    std::string html;
    std::string webhookJson; ///< the Slack/Discord compatible webhook body
    std::string link;
};

} // namespace ErrorTracker
} // namespace Monlight
