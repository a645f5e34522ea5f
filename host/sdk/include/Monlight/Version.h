#pragma once
/// Build identity shared by the host, the SDK library and every plugin.
/// A plugin is accepted only when the signature it was compiled with equals the host's: a plugin built against
/// another SDK ABI, Poco version, compiler, language level or standard library is refused before it is created.

#include <Poco/Version.h>
#include <cstddef> // defines the standard library identification macros used below

#ifndef MONLIGHT_ABI_VERSION
// 2: PluginContext::openDatabase() takes no migrations (the SDK applies the plugin's embedded sql/ files).
// 3: routes are declared with the Route builder (Router::add(Route) only), Plugin::health(Json::Writer&).
// 4: PluginContext::postgres() (host.storage = postgresql).
#define MONLIGHT_ABI_VERSION 4
#endif

// MONLIGHT_VERSION "X.Y.Z": the release version, generated from the top-level VERSION file
#include "Monlight/VersionNumber.h"

#define MONLIGHT_STRINGIFY2(x) #x
#define MONLIGHT_STRINGIFY(x) MONLIGHT_STRINGIFY2(x)

#if defined(__GLIBCXX__)
#define MONLIGHT_STDLIB_ID "libstdc++-" MONLIGHT_STRINGIFY(_GLIBCXX_USE_CXX11_ABI)
#elif defined(_LIBCPP_VERSION)
#define MONLIGHT_STDLIB_ID "libc++-" MONLIGHT_STRINGIFY(_LIBCPP_VERSION)
#else
#define MONLIGHT_STDLIB_ID "stdlib-unknown"
#endif

/// The build signature: SDK ABI number, Poco version, compiler, language level and standard library ABI.
#define MONLIGHT_BUILD_SIGNATURE                                                                             \
    "abi=" MONLIGHT_STRINGIFY(MONLIGHT_ABI_VERSION) ";poco=" MONLIGHT_STRINGIFY(POCO_VERSION) ";cc=" __VERSION__ \
        ";cxx=" MONLIGHT_STRINGIFY(__cplusplus) ";" MONLIGHT_STDLIB_ID

#if defined(__GNUC__)
#define MONLIGHT_API __attribute__((visibility("default")))
#else
#define MONLIGHT_API
#endif

namespace Monlight
{
/// The signature the SDK library itself was built with.
MONLIGHT_API const char* sdkSignature();
} // namespace Monlight
