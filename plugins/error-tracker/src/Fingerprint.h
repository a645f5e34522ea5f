#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace Monlight
{
namespace ErrorTracker
{

/// The grouping key of an error report (SPEC §2.3). Pure functions, no state.
class Fingerprint
{
public:
    /// Lowercase hex MD5 of `project:exception_type:LOC` (32 characters).
    static std::string compute(std::string_view project, std::string_view exceptionType,
                               std::string_view traceback, std::string_view message);

    /// The §2.3 key that compute() hashes: `project:exception_type:LOC`.
    static std::string key(std::string_view project, std::string_view exceptionType, std::string_view traceback,
                           std::string_view message);

    /// With a client-supplied `fingerprint` array (SPEC §11.5): lowercase hex MD5 of
    /// `project + ":" + parts joined by "\x1f"`, where a part equal to `{{ default }}` or `{{default}}` stands for
    /// key(). Without parts (nullptr or empty), compute().
    static std::string compute(std::string_view project, std::string_view exceptionType,
                               std::string_view traceback, std::string_view message,
                               const std::vector<std::string>* parts);

    /// The LOC part: Python location, else JavaScript location, else the normalized traceback (or message).
    static std::string location(std::string_view traceback, std::string_view message);

    /// The deepest `File "<path>", line <n>` of a Python traceback as `path:n`; empty when there is none.
    static std::string pythonLocation(std::string_view traceback);

    /// The first parsable Chrome (`at ...`) or Firefox/Safari (`fn@...`) frame as `file:line`; empty when
    /// none.
    static std::string javaScriptLocation(std::string_view traceback);

    /// Replaces UUIDs (8-4-4-4-12 hex) with `{uuid}`, then every run of ASCII digits with `0`.
    static std::string normalize(std::string_view text);

private:
    static std::string parseJsLocationText(std::string_view text);
};

} // namespace ErrorTracker
} // namespace Monlight
