#pragma once

#include "StackRewriter.h"
#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>
#include <optional>
#include <string>

namespace Monlight
{
namespace BrowserRelay
{

/// A validated `POST /api/browser/errors` body (§5.6) and the error-tracker payload built from it.
class BrowserErrorPayload
{
public:
    /// Parses and validates `body`. Throws HttpError 400 with the §5.6 details, in order.
    static BrowserErrorPayload parse(const std::string& body, const std::string& defaultEnvironment);

    /// The `POST /api/errors` object for the error tracker (key order of §5.6). `rewrite` is the result of
    /// rewriting `stack()` (null when no rewriting was attempted). Keeps the payload ≤ 256 KiB by leaving out
    /// `source_context`, then `original_stack`.
    std::string build(const std::string& project, const StackRewriter::Result* rewrite) const;

    const std::string& stack() const { return _stack; }
    const std::optional<std::string>& release() const { return _release; }

    static constexpr std::size_t MAX_PAYLOAD = 256 * 1024;

private:
    std::string render(const std::string& project, const StackRewriter::Result* rewrite, bool withContext,
                       bool withOriginal) const;

    std::string _type;
    std::string _message;
    std::string _stack;
    std::optional<std::string> _url;
    std::optional<std::string> _userAgent;
    std::optional<std::string> _sessionId;
    std::optional<std::string> _release;
    std::string _environment;
    std::optional<std::string> _timestampJson;
    std::optional<std::string> _contextJson;
    std::optional<std::string> _userId;
};

} // namespace BrowserRelay
} // namespace Monlight
