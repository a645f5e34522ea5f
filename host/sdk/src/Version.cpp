#include "Monlight/Version.h"

namespace Monlight
{
const char* sdkSignature()
{
    return MONLIGHT_BUILD_SIGNATURE;
}
} // namespace Monlight
