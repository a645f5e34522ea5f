#pragma once

#include "Monlight/Config.h"
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace Monlight
{
namespace ErrorTracker
{

/// The `error-tracker.*` settings (SPEC §1.6), parsed once at initialize().
struct ErrorTrackerConfig
{
    /// The plugin-specific key schema (everything of §1.6 except the §1.5 common keys).
    static std::vector<ConfigKey> schema();
    /// Reads validated values.
    static ErrorTrackerConfig fromConfig(const PluginConfig& config);
    /// Cross-key rules of §1.6: appends `key: reason` errors; `warnings` get non-fatal remarks.
    static void validate(const PluginConfig& config,
                         std::vector<std::pair<std::string, std::string>>& problems,
                         std::vector<std::string>* warnings = nullptr);
    /// A plausible `local@domain` address (no blanks, no control characters, one `@`, a dot-free local part
    /// allowed, a non-empty domain).
    static bool isValidEmail(const std::string& address);

    int retentionDays = 90;
    int maxOccurrences = 5;
    std::string defaultEnvironment = "prod";
    std::string baseUrl = "http://localhost:5010";
    std::vector<std::string> alertEmails;
    std::string postmarkApiToken;
    std::string postmarkFromEmail;
    std::string postmarkApiUrl = "https://api.postmarkapp.com";
    std::string smtpHost;
    int smtpPort = 25;
    std::string smtpUsername;
    std::string smtpPassword;
    std::string smtpFrom;
    std::string smtpTls = "auto";
    bool smtpTlsVerify = true;
    std::string alertWebhookUrl;
    bool alertOnNew = true;
    bool alertOnRegression = true;
    std::vector<std::string> alertEnvironments;
    int alertMaxPerHour = 30;
    int alertGroupCooldownMinutes = 60;
    int alertQueueSize = 1000;

    bool postmarkEnabled() const { return !postmarkApiToken.empty() && !alertEmails.empty(); }
    bool smtpEnabled() const { return !smtpHost.empty() && postmarkApiToken.empty() && !alertEmails.empty(); }
    bool webhookEnabled() const { return !alertWebhookUrl.empty(); }
};

} // namespace ErrorTracker
} // namespace Monlight
