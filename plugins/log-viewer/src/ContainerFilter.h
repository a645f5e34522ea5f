#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace Monlight
{
namespace LogViewer
{

/// The `log-viewer.containers` selection (§3.6): names and globs (`*`, `?`), `!pattern` excludes.
class ContainerFilter
{
public:
    /// Empty list = every container.
    explicit ContainerFilter(const std::vector<std::string>& patterns = {});

    /// True iff (no inclusion pattern or one matches) and no exclusion pattern matches.
    bool watches(const std::string& name) const;

    /// Glob match: `*` any run (including none), `?` exactly one byte-or-character; everything else literal.
    static bool globMatch(std::string_view pattern, std::string_view text);

private:
    std::vector<std::string> _include;
    std::vector<std::string> _exclude;
};

} // namespace LogViewer
} // namespace Monlight
