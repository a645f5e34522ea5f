#!/usr/bin/env bash
# Every test: CppUnit suites (ctest) and the black-box pytest suites against the built binary.
set -euo pipefail
cd "$(dirname "$0")/.."
ctest --test-dir build --output-on-failure
MONLIGHT_BUILD_DIR="$PWD/build" python3 -m pytest -q tests "$@"
# Python SDK (clients/python): unit tests with httpx.MockTransport, integration tests against the built host
MONLIGHT_BUILD_DIR="$PWD/build" python3 -m pytest -q clients/python/tests
