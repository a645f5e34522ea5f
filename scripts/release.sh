#!/usr/bin/env bash
# make release V=X.Y.Z: one version, every artefact built from it, into dist/ (gitignored).
#   1. refuses a bad version, a version lower than VERSION, or a working tree with uncommitted changes;
#   2. sets the version everywhere (scripts/set-version.sh: VERSION, the Python and JS SDKs, the image label,
#      a CHANGELOG.md section);
#   3. builds (scripts/build.sh) and runs every test (scripts/test.sh), unless SKIP_TESTS=1 (for iterating on the
#      release machinery itself; never for a real release);
#   4. builds into dist/: monlight_X.Y.Z-1_<arch>.deb (cpack), monlight-X.Y.Z.tar.gz and
#      monlight-X.Y.Z-py3-none-any.whl (Python SDK), monlight-browser-X.Y.Z.tgz (npm pack of @monlight/browser),
#      the image localhost/monlight:X.Y.Z (podman, deploy/Dockerfile) saved as monlight-image-X.Y.Z.tar, SHA256SUMS;
#   5. commits "Release X.Y.Z" and tags vX.Y.Z (local only; nothing is pushed). NO_COMMIT=1 leaves the changes
#      uncommitted.
# Environment: SKIP_TESTS=1, SKIP_IMAGE=1 (no image), NO_COMMIT=1; those of scripts/build-dist.sh (which builds
#   the artefacts): MONLIGHT_ENGINE_STATE, MONLIGHT_RELEASE_VENV.
# Needs: scripts/install-deps.sh --release (python3-build, podman, ...).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
v=${1:-${V:-}}
die() { echo "release: $*" >&2; exit "${code:-1}"; }
if [ -z "$v" ]; then code=2 die "no version: make release V=X.Y.Z (e.g. V=1.2.0)"; fi
if ! [[ "$v" =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$ ]]; then
  code=2 die "bad version '$v': expected MAJOR.MINOR.PATCH (digits only, no leading zeros), e.g. 1.2.0"
fi
current=$(tr -d '[:space:]' < VERSION)
if [ "$(printf '%s\n%s\n' "$current" "$v" | sort -V | head -1)" != "$current" ]; then
  code=2 die "version $v is lower than the current version $current (VERSION)"
fi
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then die "$root is not a git checkout"; fi
dirty=$(git status --porcelain --untracked-files=normal)
if [ -n "$dirty" ]; then
  die "the working tree has uncommitted changes; commit or stash them first:
$dirty"
fi
if git rev-parse -q --verify "refs/tags/v$v" >/dev/null && [ -z "${NO_COMMIT:-}" ]; then
  die "tag v$v exists already"
fi
t0=$SECONDS
ts() { echo "release: [$((SECONDS - t0)) s] $*"; }

ts "version $v (was $current)"
scripts/set-version.sh "$v"

ts "build"
scripts/build.sh
[ "$(build/bin/monlight-host --version | head -1)" = "monlight-host $v" ] || die "the built host does not report $v"
if [ "${SKIP_TESTS:-}" = 1 ]; then
  ts "tests SKIPPED (SKIP_TESTS=1)"
else
  ts "tests"
  scripts/install-deps.sh --test
  scripts/test.sh || die "tests failed; the version changes are left in the tree (git checkout -- . to undo)"
fi

rm -rf dist
parts=(deb python npm)
if [ "${SKIP_IMAGE:-}" = 1 ]; then ts "image SKIPPED (SKIP_IMAGE=1)"; else parts+=(image); fi
scripts/build-dist.sh dist "${parts[@]}" sums
ts "dist/:"
(cd dist && ls -l)
if [ -z "${NO_COMMIT:-}" ]; then
  git add -A VERSION clients/python/monlight/_version.py clients/js/package.json clients/js/package-lock.json \
    deploy/Dockerfile CHANGELOG.md
  if git diff --cached --quiet; then
    ts "version files unchanged; no commit"
  else
    git commit -q -m "Release $v"
  fi
  git tag -a "v$v" -m "Monlight $v"
  ts "committed and tagged v$v (not pushed)"
fi
ts "done"
