#pragma once

#include "Monlight/Version.h"
#include <string>

namespace Monlight
{

/// The message of the exception being handled; call it only inside a `catch` block. Poco exceptions give their
/// display text, standard ones `what()`, anything else "unknown exception". For the places where an error can only
/// be logged (destructors, shutdown paths), so that no `catch (...)` loses it silently.
MONLIGHT_API std::string currentExceptionText();

} // namespace Monlight
