#!/usr/bin/env bash
# Configures and builds into ./build (warnings are errors when MONLIGHT_WERROR=ON, as in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" -DMONLIGHT_WERROR="${MONLIGHT_WERROR:-ON}" >/dev/null
cmake --build build -j"$(nproc)"
