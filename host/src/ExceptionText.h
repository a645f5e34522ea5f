#pragma once

#include <string>

namespace Monlight
{
namespace Host
{

/// The message of the exception being handled; call it only inside a `catch` block. Poco exceptions give their
/// display text, standard ones `what()`, anything else "unknown exception". Used where an error can only be
/// logged (destructors, shutdown paths) so that no `catch (...)` loses it silently.
std::string currentExceptionText();

} // namespace Host
} // namespace Monlight
