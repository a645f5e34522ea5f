#!/usr/bin/env bash
# CI step after `make test`: the deploy artefacts, really built and run (tests/deploy; issue 11). Installs podman,
# runc and debootstrap when missing (scripts/install-deps.sh --deploy), builds deploy/Dockerfile from this checkout
# (reusing the native build's ccache objects), brings it up with podman-compose, runs deploy/smoke-test.sh against
# it, restarts and stops it. Fails (never skips) when no container engine can run. Engine storage, base image and
# venv live in a fresh temporary directory removed at the end (set MONLIGHT_DEPLOY_STATE=DIR to keep them).
# tests/deploy/test_backup.py (native, no container) runs within `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
scripts/install-deps.sh --deploy
[ -x build/bin/monlight-host ] || scripts/build.sh
rc=0
MONLIGHT_DEPLOY_IMAGE=1 MONLIGHT_BUILD_DIR="$PWD/build" python3 -m pytest -q tests/deploy/test_image.py "$@" || rc=$?
echo "test-deploy: $((SECONDS - start)) s"
exit $rc
