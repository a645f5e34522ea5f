#!/usr/bin/env bash
# Installs what building, running and testing Monlight needs on Debian bookworm. Idempotent and quick when
# everything is present (apt-get runs only for missing packages).
# Usage: scripts/install-deps.sh [--test|--fuzz]   (--test adds what the test suites need, --fuzz clang and
#   libFuzzer for scripts/fuzz.sh)
set -euo pipefail
want=(g++ make cmake pkg-config libpoco-dev libsqlite3-dev libssl-dev sqlite3 openssl ca-certificates)
if [ "${1:-}" = "--test" ]; then
  want+=(libcppunit-dev python3 curl chromium python3-websocket)  # tests/ui: headless Chromium driven over CDP
fi
if [ "${1:-}" = "--fuzz" ]; then
  want+=(clang libclang-rt-14-dev)  # bookworm's clang 14; libclang-rt-14-dev holds libFuzzer and the sanitizers
fi
missing=()
for p in "${want[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ "${1:-}" = "--test" ]; then
  if ! python3 -c 'import pytest' >/dev/null 2>&1; then
    python3 -m pip install --quiet pytest || {
      sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
      $sudo apt-get install -y -qq python3-pytest >/dev/null
    }
  fi
fi
if [ "${1:-}" = "--test" ] && ! python3 -c 'import websocket' >/dev/null 2>&1; then
  # python3 is not Debian's (e.g. pyenv): install websocket-client for it (tests/ui)
  python3 -m pip install --quiet websocket-client || python3 -m pip install --quiet --break-system-packages websocket-client
fi
