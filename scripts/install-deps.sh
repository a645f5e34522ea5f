#!/usr/bin/env bash
# Installs what building, running and testing Monlight needs on Debian bookworm. Idempotent and quick when
# everything is present (apt-get runs only for missing packages).
# Usage: scripts/install-deps.sh [--test | --fuzz | --deploy | --release | --profile]   (--test adds what the test
#   suites need; --fuzz clang and libFuzzer for scripts/fuzz.sh; --deploy the container engine tests/deploy uses:
#   podman with runc, debootstrap for the base image; --release that engine plus what scripts/release.sh and
#   tests/release need: dpkg-shlibdeps and file for CPack's DEB generator, groff for the man page check, python3-venv
#   for the wheel build and its install test; --profile valgrind for bench/error-tracker/profile.py)
set -euo pipefail
want=(g++ make cmake pkg-config libpoco-dev libsqlite3-dev libssl-dev sqlite3 openssl ca-certificates ccache)
want+=(libbrotli-dev zlib1g-dev)  # browser relay: Sentry ingest Content-Encoding br / gzip / deflate (§11.3)
want+=(libpq-dev)  # host.storage = postgresql: libpq's headers (the SDK loads libpq.so.5 only when it is used)
if [ "${1:-}" = "--test" ]; then
  want+=(libcppunit-dev python3 curl chromium python3-websocket)  # tests/ui: headless Chromium driven over CDP
  want+=(python3-sentry-sdk)  # tests/browser-relay/test_sentry_sdk_python19.py: Debian's sentry-python 1.9.10 (/store/)
  want+=(postgresql)  # tests/pg_cluster.py: a throwaway PostgreSQL 15 cluster (initdb/pg_ctl) for host.storage = postgresql
fi
if [ "${1:-}" = "--deploy" ]; then
  # tests/deploy: podman (crun refuses cgroup v1 hybrid hosts, so runc), the Debian base image made with debootstrap,
  # podman-compose from PyPI into a venv (scripts/test-deploy.sh), python3-venv for it.
  want+=(podman runc debootstrap uidmap python3 python3-venv curl sqlite3)
fi
if [ "${1:-}" = "--release" ]; then
  want+=(podman runc debootstrap uidmap python3 python3-venv curl dpkg-dev file)
  want+=(groff-base)  # tests/release: the man page renders without warnings
fi
# Node.js and npm build the browser SDK (clients/js) that the relay embeds; machines of this kind come with a
# recent Node. Without one, Debian's is installed (enough to build the bundle; the SDK's tests need Node >= 20.19).
command -v npm >/dev/null 2>&1 || want+=(nodejs npm)
if [ "${1:-}" = "--fuzz" ]; then
  want+=(clang libclang-rt-14-dev)  # bookworm's clang 14; libclang-rt-14-dev holds libFuzzer and the sanitizers
fi
if [ "${1:-}" = "--profile" ]; then
  want+=(valgrind wrk)  # callgrind instruction counts: stable on a shared, noisy machine
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
if [ "${1:-}" = "--test" ]; then
  # clients/js: vitest + jsdom (unit tests), esbuild, and playwright-core, which drives the Debian chromium above
  # (it never downloads a browser). npm ci only when node_modules is missing or older than the lock file.
  js="$(dirname "$0")/../clients/js"
  if [ ! -f "$js/node_modules/.package-lock.json" ] || [ "$js/package-lock.json" -nt "$js/node_modules/.package-lock.json" ]; then
    echo "install-deps: npm ci in clients/js"
    (cd "$js" && npm ci --no-audit --no-fund --prefer-offline)
  fi
fi
if [ "${1:-}" = "--test" ]; then
  # uPlot, embedded into the metrics UI (the CMake configure runs the same npm ci when this has not)
  up="$(dirname "$0")/../plugins/metrics-collector/npm"
  if [ ! -f "$up/node_modules/.package-lock.json" ] || [ "$up/package-lock.json" -nt "$up/node_modules/.package-lock.json" ]; then
    echo "install-deps: npm ci in $up"
    (cd "$up" && npm ci --no-audit --no-fund --prefer-offline)
  fi
fi
if [ "${1:-}" = "--test" ]; then
  # tests/browser-relay/test_sentry_sdk_{node,browser}.py: the unmodified @sentry/node and @sentry/browser 11 SDKs
  # (package-lock.json pins them)
  for sn in node browser; do
    sn="$(dirname "$0")/../tests/browser-relay/sentry_clients/$sn"
    if [ ! -f "$sn/node_modules/.package-lock.json" ] || [ "$sn/package-lock.json" -nt "$sn/node_modules/.package-lock.json" ]; then
      echo "install-deps: npm ci in $sn"
      (cd "$sn" && npm ci --no-audit --no-fund --prefer-offline)
    fi
  done
fi
if [ "${1:-}" = "--test" ] && ! python3 -c 'import httpx, fastapi, uvicorn' >/dev/null 2>&1; then
  # Python SDK tests (clients/python/tests): httpx, FastAPI and uvicorn for the python3 that runs them
  pydeps=(httpx==0.28.1 fastapi==0.163.2 uvicorn==0.54.0)
  python3 -m pip install --quiet "${pydeps[@]}" || python3 -m pip install --quiet --break-system-packages "${pydeps[@]}"
fi
if [ "${1:-}" = "--test" ] && ! python3 -c 'import sentry_sdk, brotli; assert sentry_sdk.VERSION[0] == "2"' >/dev/null 2>&1; then
  # Sentry ingest tests (tests/browser-relay/test_sentry_*.py): the unmodified sentry-python 2.x SDK, with brotli so
  # its bodies are br-compressed as in production
  pydeps=("sentry-sdk>=2,<3" brotli)
  python3 -m pip install --quiet "${pydeps[@]}" || python3 -m pip install --quiet --break-system-packages "${pydeps[@]}"
fi
