#include "ErrorTrackerConfig.h"

#include "Monlight/Json.h"
#include <Poco/Exception.h>
#include <Poco/String.h>
#include <Poco/URI.h>
#include <algorithm>

namespace Monlight
{
namespace ErrorTracker
{

std::vector<ConfigKey> ErrorTrackerConfig::schema()
{
    std::vector<ConfigKey> keys;
    keys.push_back(ConfigKey::string("api_key", "", "Backend key(s), comma-separated for rotation.")
                       .env("API_KEY")
                       .isRequired()
                       .isSecret());
    keys.push_back(ConfigKey::integer("retention_days", 90, 0, 3650,
                                      "Resolved groups resolved longer ago are deleted; 0 = never.")
                       .env("RETENTION_DAYS"));
    keys.push_back(ConfigKey::integer("max_occurrences", 5, 1, 1000, "Occurrences kept per group."));
    keys.push_back(
        ConfigKey::string("default_environment", "prod", "Environment when a report has none (1-50 chars)."));
    keys.push_back(ConfigKey::string("base_url", "http://localhost:5010",
                                     "External URL of the error tracker UI, used in alert links.")
                       .env("BASE_URL"));
    keys.push_back(ConfigKey::list("alert_emails", "", "Email recipients of alerts.").env("ALERT_EMAILS"));
    keys.push_back(ConfigKey::string("postmark_api_token", "", "Enables the Postmark email channel.")
                       .env("POSTMARK_API_TOKEN")
                       .isSecret());
    keys.push_back(
        ConfigKey::string("postmark_from_email", "", "Sender for Postmark; required with the token.")
            .env("POSTMARK_FROM_EMAIL"));
    keys.push_back(
        ConfigKey::string("postmark_api_url", "https://api.postmarkapp.com", "Postmark API base URL.")
            .env("POSTMARK_API_URL"));
    keys.push_back(ConfigKey::string("smtp_host", "", "Enables the SMTP email channel.").env("SMTP_HOST"));
    keys.push_back(ConfigKey::integer("smtp_port", 25, 1, 65535, "SMTP port.").env("SMTP_PORT"));
    keys.push_back(ConfigKey::string("smtp_username", "", "SMTP AUTH PLAIN user.").env("SMTP_USERNAME"));
    keys.push_back(
        ConfigKey::string("smtp_password", "", "SMTP AUTH PLAIN password.").env("SMTP_PASSWORD").isSecret());
    keys.push_back(ConfigKey::string("smtp_from", "",
                                     "Envelope and header sender (default postmark_from_email, else "
                                     "monlight@localhost).")
                       .env("SMTP_FROM"));
    keys.push_back(ConfigKey::choice("smtp_tls", "auto", {"auto", "starttls", "implicit", "none"},
                                     "auto: implicit TLS on 465, else STARTTLS when advertised.")
                       .env("SMTP_TLS"));
    keys.push_back(ConfigKey::boolean("smtp_tls_verify", true, "Verify the SMTP server certificate."));
    keys.push_back(
        ConfigKey::string("alert_webhook_url", "", "Enables the JSON webhook channel (Slack/Discord).")
            .env("ALERT_WEBHOOK_URL"));
    keys.push_back(ConfigKey::list("alert_on", "new,regression", "Events that alert: new, regression."));
    keys.push_back(
        ConfigKey::list("alert_environments", "", "Only groups of these environments alert; empty = all."));
    keys.push_back(ConfigKey::integer("alert_max_per_hour", 30, 0, 1000000,
                                      "Alerts per project per rolling hour; 0 = unlimited."));
    keys.push_back(ConfigKey::integer("alert_group_cooldown_minutes", 60, 0, 1000000,
                                      "Minimum gap between two alerts for the same group."));
    keys.push_back(ConfigKey::integer("alert_queue_size", 1000, 1, 100000, "Bounded alert queue."));
    return keys;
}

bool ErrorTrackerConfig::isValidEmail(const std::string& a)
{
    std::size_t at = a.find('@');
    if (at == std::string::npos || at == 0 || at + 1 >= a.size() || a.find('@', at + 1) != std::string::npos)
        return false;
    for (char ch : a)
    {
        unsigned char c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c == 0x7F || c == '<' || c == '>' || c == ',' || c == ';' || c == '"' || c == '\\')
            return false;
    }
    return a.back() != '.' && a[at + 1] != '.';
}

void ErrorTrackerConfig::validate(const PluginConfig& config,
                                  std::vector<std::pair<std::string, std::string>>& problems,
                                  std::vector<std::string>* warnings)
{
    auto get = [&](const std::string& k) -> std::string { return config.has(k) ? config.getString(k) : ""; };
    if (!get("postmark_api_token").empty() && get("postmark_from_email").empty())
        problems.emplace_back("postmark_from_email", "required when postmark_api_token is set");
    if (config.has("alert_emails"))
    {
        for (const auto& addr : config.getList("alert_emails"))
        {
            if (!isValidEmail(addr))
                problems.emplace_back("alert_emails", "invalid email address \"" + addr + "\"");
        }
    }
    std::string env = get("default_environment");
    if (config.has("default_environment") && (env.empty() || Json::codePoints(env) > 50))
        problems.emplace_back("default_environment",
                              "invalid value \"" + env + "\": expected 1-50 characters");
    if (config.has("alert_on"))
    {
        for (const auto& v : config.getList("alert_on"))
        {
            if (v != "new" && v != "regression")
                problems.emplace_back("alert_on", "invalid value \"" + v + "\": expected new or regression");
        }
    }
    for (const char* k : {"postmark_api_url", "alert_webhook_url"})
    {
        std::string u = get(k);
        if (u.empty())
            continue;
        std::string scheme;
        try
        {
            Poco::URI uri(u);
            scheme = uri.getScheme();
            if ((scheme != "http" && scheme != "https") || uri.getHost().empty())
                problems.emplace_back(k, "invalid value \"" + u + "\": expected an http:// or https:// URL");
        }
        catch (const Poco::Exception&)
        {
            problems.emplace_back(k, "invalid value \"" + u + "\": expected an http:// or https:// URL");
        }
    }
    if (warnings)
    {
        bool email = !get("postmark_api_token").empty() || !get("smtp_host").empty();
        bool recipients = config.has("alert_emails") && !config.getList("alert_emails").empty();
        if (email && !recipients)
            warnings->push_back("an email channel is configured but alert_emails is empty: emails disabled");
        if (!email && recipients)
            warnings->push_back("alert_emails is set but no email channel is configured: emails disabled");
        if (!get("postmark_api_token").empty() && !get("smtp_host").empty())
            warnings->push_back("smtp_host ignored: Postmark is configured");
    }
}

ErrorTrackerConfig ErrorTrackerConfig::fromConfig(const PluginConfig& c)
{
    ErrorTrackerConfig cfg;
    cfg.retentionDays = static_cast<int>(c.getInt("retention_days"));
    cfg.maxOccurrences = static_cast<int>(c.getInt("max_occurrences"));
    cfg.defaultEnvironment = c.getString("default_environment");
    cfg.baseUrl = c.getString("base_url");
    while (!cfg.baseUrl.empty() && cfg.baseUrl.back() == '/')
        cfg.baseUrl.pop_back();
    cfg.alertEmails = c.getList("alert_emails");
    cfg.postmarkApiToken = c.getString("postmark_api_token");
    cfg.postmarkFromEmail = c.getString("postmark_from_email");
    cfg.postmarkApiUrl = c.getString("postmark_api_url");
    while (!cfg.postmarkApiUrl.empty() && cfg.postmarkApiUrl.back() == '/')
        cfg.postmarkApiUrl.pop_back();
    cfg.smtpHost = c.getString("smtp_host");
    cfg.smtpPort = static_cast<int>(c.getInt("smtp_port"));
    cfg.smtpUsername = c.getString("smtp_username");
    cfg.smtpPassword = c.getString("smtp_password");
    cfg.smtpFrom = c.getString("smtp_from");
    if (cfg.smtpFrom.empty())
        cfg.smtpFrom = cfg.postmarkFromEmail.empty() ? "monlight@localhost" : cfg.postmarkFromEmail;
    cfg.smtpTls = Poco::toLower(c.getString("smtp_tls"));
    cfg.smtpTlsVerify = c.getBool("smtp_tls_verify");
    cfg.alertWebhookUrl = c.getString("alert_webhook_url");
    auto on = c.getList("alert_on");
    cfg.alertOnNew = std::find(on.begin(), on.end(), "new") != on.end();
    cfg.alertOnRegression = std::find(on.begin(), on.end(), "regression") != on.end();
    cfg.alertEnvironments = c.getList("alert_environments");
    cfg.alertMaxPerHour = static_cast<int>(c.getInt("alert_max_per_hour"));
    cfg.alertGroupCooldownMinutes = static_cast<int>(c.getInt("alert_group_cooldown_minutes"));
    cfg.alertQueueSize = static_cast<int>(c.getInt("alert_queue_size"));
    return cfg;
}

} // namespace ErrorTracker
} // namespace Monlight
