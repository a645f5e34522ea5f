#pragma once

#include "Monlight/HttpError.h"
#include "Monlight/Json.h"
#include <cmath>
#include <string>

namespace Monlight
{
namespace MetricsCollector
{

/// 400 `Invalid parameter: <name>` (the read API's answer to a malformed parameter).
[[noreturn]] inline void invalidParameter(const std::string& name)
{
    throw HttpError(400, "Invalid parameter: " + name);
}

/// A number, or null when it is not finite (no samples, NaN).
inline void writeNumberOrNull(Json::Writer& w, double v)
{
    if (std::isfinite(v))
        w.value(v);
    else
        w.null();
}

} // namespace MetricsCollector
} // namespace Monlight
