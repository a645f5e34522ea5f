#pragma once

#include "AlertEvent.h"
#include "AlertMessage.h"
#include <string>
#include <string_view>

namespace Monlight
{
namespace ErrorTracker
{

/// Renders alert subject, text, HTML and webhook body (SPEC §2.8, §2.9). Pure.
class AlertComposer
{
public:
    /// `suppressedLine` is appended to the bodies when not empty.
    static AlertMessage compose(const AlertEvent& event, const std::string& baseUrl,
                                const std::string& suppressedLine = std::string());

    /// Replaces every control character (C0, DEL, and CR/LF) with a space.
    static std::string stripControls(std::string_view s);
    /// HTML-escapes `& < > " '`.
    static std::string escapeHtml(std::string_view s);
    /// Makes text from outside (a browser error's message) inert in a Slack/Mattermost `text`: `&`, `<`, `>` become
    /// `&amp;`, `&lt;`, `&gt;` (no `<!channel>`, `<@user>` or `<url|label>` markup), and a zero-width space follows
    /// the `@` of `@everyone`, `@here`, `@channel` and `@all` so they never notify anyone.
    static std::string escapeSlack(std::string_view s);
    /// `[project/env] New: Type: message (#id)`, controls removed, cut to 200 chars.
    static std::string subject(const AlertEvent& event);
};

} // namespace ErrorTracker
} // namespace Monlight
