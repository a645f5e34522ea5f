#!/usr/bin/env bash
# CI step after scripts/test-deploy.sh: the release artefacts installed the way users install them (tests/release,
# issue 18): the .deb (cpack from ./build) into a clean Debian bookworm container made from the debootstrap base image
# (tests/deploy/engine.sh), its host started without systemd and smoke-tested, reinstalled and upgraded over an edited
# config, removed and purged with the data kept; the wheel in a fresh venv and the npm tarball in a fresh directory,
# each with its SDK's suite (clients/python/tests; clients/js/test/installed) against the host installed from the
# .deb. Installs what it needs (scripts/install-deps.sh --release). Fails (never skips) when no
# container engine can run. MONLIGHT_DEPLOY_STATE=DIR reuses (and keeps) the engine storage and base image of
# scripts/test-deploy.sh; by default they live in a fresh directory removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
scripts/install-deps.sh --release
[ -x build/bin/monlight-host ] || scripts/build.sh
rc=0
MONLIGHT_RELEASE_TEST=1 MONLIGHT_BUILD_DIR="$PWD/build" python3 -m pytest -q tests/release "$@" || rc=$?
echo "test-release: $((SECONDS - start)) s"
exit $rc
