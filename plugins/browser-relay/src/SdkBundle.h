#pragma once

#include <string>
#include <string_view>

namespace Monlight
{
namespace BrowserRelay
{

/// The browser SDK's script-tag build (clients/js `dist/monlight.min.js` and its source map), embedded at build
/// time by cmake/MonlightJsSdk.cmake. Empty when the relay was built without Node.js/npm.
struct SdkBundle
{
    std::string_view js;
    std::string_view map;
    std::string version; ///< first 16 hex digits of the SHA-256 of `js`; empty when absent
    std::string missing; ///< why the bundle is absent (empty when present)
};

/// The bundle of this build (defined in the generated embedded/SdkBundle.cpp).
const SdkBundle& sdkBundle();

} // namespace BrowserRelay
} // namespace Monlight
