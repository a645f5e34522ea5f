#!/usr/bin/env bash
# Configures and builds into ./build (warnings are errors when MONLIGHT_WERROR=ON, as in CI).
set -euo pipefail
cd "$(dirname "$0")/.."
launcher=()
# ccache, when installed, makes rebuilds in several checkouts cheap; the build does not need it.
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache); fi
# Unless ccache is configured otherwise: paths relative to the checkout and the working directory not hashed, so the
# image build (deploy/Dockerfile, the checkout at /src) reuses these objects (tests/deploy).
if [ ${#launcher[@]} -gt 0 ]; then
  [ -n "$(ccache -k base_dir 2>/dev/null)" ] || export CCACHE_BASEDIR="$PWD"
  [ "$(ccache -k hash_dir 2>/dev/null)" = false ] || export CCACHE_NOHASHDIR=1
  # ccache hashes the locale variables: one fixed locale (as in the image build)
  unset LC_ALL LC_CTYPE LC_MESSAGES
  export LANG=C.UTF-8
fi
cmake -S . -B build -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" -DMONLIGHT_WERROR="${MONLIGHT_WERROR:-ON}" "${launcher[@]}" >/dev/null
cmake --build build -j"$(nproc)"
