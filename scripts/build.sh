#!/usr/bin/env bash
# Configures and builds into ./build (warnings are errors when MONLIGHT_WERROR=ON, as in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
# ccache, when installed, makes rebuilds in several checkouts cheap; the build does not need it.
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B build -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" -DMONLIGHT_WERROR="${MONLIGHT_WERROR:-ON}" "${launcher[@]}" >/dev/null
cmake --build build -j"$(nproc)"
