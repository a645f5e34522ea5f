#!/usr/bin/env bash
# Every test: CppUnit suites (ctest), the browser SDK's unit tests and the black-box pytest suites against the built
# binary.
set -euo pipefail
cd "$(dirname "$0")/.."
ctest --test-dir build --output-on-failure
# Browser SDK (clients/js): unit tests (vitest + jsdom), build, size gates of SPEC §8.5. Its end-to-end test in
# headless Chromium is tests/browser-relay/test_br_sdk_browser.py (pytest below).
(cd clients/js && npm test && npm run build && npm run size)
MONLIGHT_BUILD_DIR="$PWD/build" python3 -m pytest -q tests "$@"
# The error tracker's and the log viewer's suites, the relay's API suite and the metrics collector's ingest and query
# suites once more with their stores on PostgreSQL (host.storage = postgresql on a throwaway cluster,
# tests/pg_cluster.py); the *_postgresql.py files choose their storage themselves and ran above.
MONLIGHT_TEST_STORAGE=postgresql MONLIGHT_BUILD_DIR="$PWD/build" python3 -m pytest -q tests/error-tracker \
  tests/log-viewer tests/browser-relay/test_br_api.py tests/metrics-collector/test_mc_ingest.py \
  tests/metrics-collector/test_mc_query.py --ignore=tests/error-tracker/test_et_postgresql.py \
  --ignore=tests/log-viewer/test_lv_postgresql.py
# Python SDK (clients/python): unit tests with httpx.MockTransport, integration tests against the built host
MONLIGHT_BUILD_DIR="$PWD/build" python3 -m pytest -q clients/python/tests
