#pragma once

#include "ErrorStore.h"
#include <optional>
#include <string>

namespace Monlight
{
namespace ErrorTracker
{

/// Something that may be alerted (SPEC §2.9): a new group, a regression, or a test alert.
struct AlertEvent
{
    enum class Kind
    {
        New,
        Regression,
        Test
    };
    Kind kind = Kind::New;
    ErrorGroup group; ///< unused for Test
    std::optional<std::string> requestMethod;
    std::optional<std::string> requestUrl;
};

} // namespace ErrorTracker
} // namespace Monlight
