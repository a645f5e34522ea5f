#!/usr/bin/env bash
# Builds the release artefacts of the current version (VERSION) from the build in ./build (or MONLIGHT_BUILD_DIR)
# into OUTDIR. Used by scripts/release.sh (everything, into dist/) and tests/release (the same code path).
# Usage: scripts/build-dist.sh OUTDIR [deb] [python] [npm] [image]    (no part named: all four, then SHA256SUMS)
#   deb     monlight_<v>-1_<arch>.deb: cpack (DEB) from the build directory, dependencies from dpkg-shlibdeps
#   python  monlight-<v>.tar.gz and monlight-<v>-py3-none-any.whl: PyPA build in a cached venv
#           (MONLIGHT_RELEASE_VENV, default ~/.cache/monlight-release-venv)
#   npm     monlight-browser-<v>.tgz: npm pack of clients/js (@monlight/browser) after its build
#   image   localhost/monlight:<v> built by podman from deploy/Dockerfile (private storage and debootstrap base image
#           of tests/deploy/engine.sh in MONLIGHT_ENGINE_STATE, default ~/.cache/monlight-engine), saved as
#           monlight-image-<v>.tar (load it with `podman load -i` or `docker load -i`)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
[ $# -ge 1 ] || { echo "usage: $0 OUTDIR [deb] [python] [npm] [image]" >&2; exit 2; }
mkdir -p "$1"
out=$(cd "$1" && pwd)
shift
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(deb python npm image sums)
build=${MONLIGHT_BUILD_DIR:-$root/build}
v=$(tr -d '[:space:]' < "$root/VERSION")
die() { echo "build-dist: $*" >&2; exit 1; }
t0=$SECONDS
ts() { echo "build-dist: [$((SECONDS - t0)) s] $*"; }
cd "$root"
for part in "${parts[@]}"; do
  case $part in
    deb)
      [ -f "$build/CPackConfig.cmake" ] || die "no $build/CPackConfig.cmake: build first (scripts/build.sh)"
      [ "$("$build/bin/monlight-host" --version | head -1)" = "monlight-host $v" ] \
        || die "$build holds $("$build/bin/monlight-host" --version | head -1), not $v: rebuild (scripts/build.sh)"
      ts "Debian package (cpack)"
      rm -rf "$out/.cpack"
      (cd "$build" && cpack -G DEB -B "$out/.cpack" >"$out/.cpack.log" 2>&1) \
        || { tail -30 "$out/.cpack.log" >&2; die "cpack failed (log: $out/.cpack.log)"; }
      mv "$out"/.cpack/*.deb "$out/"
      rm -rf "$out/.cpack" "$out/.cpack.log"
      ;;
    python)
      ts "Python sdist and wheel"
      # PyPA `build` with setuptools and wheel in one cached venv (--no-isolation: no download per build); run from
      # OUTDIR so that the CMake build/ directory cannot shadow the `build` module
      venv=${MONLIGHT_RELEASE_VENV:-$HOME/.cache/monlight-release-venv}
      [ -x "$venv/bin/pyproject-build" ] && "$venv/bin/python" -c 'import setuptools, wheel' 2>/dev/null \
        || { python3 -m venv "$venv" && "$venv/bin/pip" install -q --disable-pip-version-check build "setuptools>=61" wheel; }
      tmp=$(mktemp -d)
      cp -r "$root/clients/python/." "$tmp/"
      rm -rf "$tmp/build" "$tmp"/*.egg-info "$tmp/tests"
      (cd "$out" && "$venv/bin/python" -m build --no-isolation --sdist --wheel --outdir "$out" "$tmp" >"$out/.python.log" 2>&1) \
        || { tail -30 "$out/.python.log" >&2; rm -rf "$tmp"; die "python -m build failed"; }
      rm -rf "$tmp" "$out/.python.log"
      ;;
    npm)
      ts "npm tarball (@monlight/browser)"
      ( cd clients/js
        if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
          npm ci --no-audit --no-fund --prefer-offline >/dev/null
        fi
        npm run build >/dev/null
        npm pack --pack-destination "$out" >/dev/null ) || die "npm pack failed"
      ;;
    image)
      ts "image localhost/monlight:$v (podman)"
      state=${MONLIGHT_ENGINE_STATE:-$HOME/.cache/monlight-engine}
      while IFS='=' read -r k val; do export "$k=$val"; done < <(tests/deploy/engine.sh "$state")
      args=(build --pull=never --format docker -f deploy/Dockerfile --build-arg "MONLIGHT_VERSION=$v"
            -t "localhost/monlight:$v")
      cache_dir=$(ccache -k cache_dir 2>/dev/null || true)
      [ -n "$cache_dir" ] && args+=(-v "$cache_dir:/ccache")
      [ -f clients/js/node_modules/.package-lock.json ] \
        && args+=(-v "$root/clients/js/node_modules:/src/clients/js/node_modules:ro")
      [ -f plugins/metrics-collector/npm/node_modules/.package-lock.json ] \
        && args+=(-v "$root/plugins/metrics-collector/npm/node_modules:/src/plugins/metrics-collector/npm/node_modules:ro")
      podman "${args[@]}" . >"$out/.image.log" 2>&1 || { tail -30 "$out/.image.log" >&2; die "image build failed"; }
      rm -f "$out/.image.log"
      label=$(podman image inspect --format '{{index .Labels "org.opencontainers.image.version"}}' "localhost/monlight:$v")
      [ "$label" = "$v" ] || die "image label org.opencontainers.image.version is '$label', not $v"
      rm -f "$out/monlight-image-$v.tar"
      podman save --format docker-archive -o "$out/monlight-image-$v.tar" "localhost/monlight:$v" >/dev/null
      ;;
    sums)
      (cd "$out" && find . -maxdepth 1 -type f ! -name SHA256SUMS ! -name '.*' -printf '%f\n' | sort \
        | xargs -r sha256sum -- > SHA256SUMS)
      ;;
    *) echo "build-dist: unknown part '$part' (deb, python, npm, image)" >&2; exit 2 ;;
  esac
done
ts "done"
