#!/usr/bin/env bash
# Sets the release version everywhere it is written down (scripts/release.sh runs it; tests/release checks they
# agree): VERSION (read by CMake: the project version, Monlight/VersionNumber.h, the .deb), the Python SDK
# (clients/python/monlight/_version.py; pyproject.toml reads it), the browser SDK (clients/js/package.json and
# package-lock.json), the image label default (deploy/Dockerfile) and a CHANGELOG.md section for it.
# The plugin SDK's build signature (MONLIGHT_ABI_VERSION) is not a release number and is left alone.
# Usage: scripts/set-version.sh X.Y.Z
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
v=${1:-}
if ! [[ "$v" =~ ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)$ ]]; then
  echo "set-version: bad version '$v': expected MAJOR.MINOR.PATCH (digits only, no leading zeros), e.g. 1.2.0" >&2
  exit 2
fi
cd "$root"
echo "$v" > VERSION
printf '__version__ = "%s"\n' "$v" > clients/python/monlight/_version.py
# package.json and package-lock.json ("version" of the package itself only; dependencies are untouched)
python3 - "$v" <<'PY'
import json, re, sys
v = sys.argv[1]
for path in ("clients/js/package.json", "clients/js/package-lock.json"):
    try:
        text = open(path).read()
    except FileNotFoundError:
        continue
    data = json.loads(text)
    data["version"] = v
    if "packages" in data and "" in data["packages"]:
        data["packages"][""]["version"] = v
    open(path, "w").write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
PY
sed -i -E "s/^ARG MONLIGHT_VERSION=.*/ARG MONLIGHT_VERSION=$v/" deploy/Dockerfile
# CHANGELOG.md: "## [Unreleased]" stays on top (emptied); its entries become the section of this version
if ! grep -q "^## \[$v\]" CHANGELOG.md; then
  python3 - "$v" "$(date -u +%Y-%m-%d)" <<'PY'
import sys
v, day = sys.argv[1], sys.argv[2]
text = open("CHANGELOG.md").read()
head = "## [Unreleased]\n"
if head not in text:
    sys.exit("set-version: CHANGELOG.md has no '## [Unreleased]' section")
before, after = text.split(head, 1)
body, sep, rest = after.partition("\n## [")
body = body.strip("\n")
section = f"## [{v}] - {day}\n\n" + (body + "\n" if body else "No notable changes.\n")
text = before + head + "\n" + section + (sep + rest if sep else "")
open("CHANGELOG.md", "w").write(text)
PY
fi
echo "set-version: $v"
