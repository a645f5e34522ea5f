#!/usr/bin/env bash
# Sets up a private podman for tests/deploy and makes the Debian base images the Dockerfile names, without any
# registry (recipe measured in ../shared/reference/containers.md):
#   - podman runs with runc (crun 1.8 refuses cgroup v1 "hybrid" hosts), cgroupfs, a file events log and ulimits
#     no higher than this shell's hard limits (raising them needs CAP_SYS_RESOURCE, which these VMs lack);
#   - its storage lives under STATE_DIR, so nothing is shared with other runs or other users of the machine;
#   - localhost/debian:bookworm-slim is made with debootstrap from the mirror apt uses, slimmed like the official
#     image, imported and also tagged debian:bookworm (the build stage installs what it needs on top).
# Usage: tests/deploy/engine.sh STATE_DIR    (prints the environment to export, as KEY=VALUE lines)
set -euo pipefail
if [ $# -ne 1 ] || [ "$1" = "--help" ]; then
  echo "usage: $0 STATE_DIR" >&2; exit 2
fi
state=$(mkdir -p "$1" && cd "$1" && pwd)
lim() { local h; h=$(ulimit -H "$1"); [ "$h" = unlimited ] && h=$2; echo $(( h < $2 ? h : $2 )); }
nofile=$(lim -n 65536); nproc=$(lim -u 16384)
cat > "$state/containers.conf" <<X
[containers]
default_ulimits = ["nofile=$nofile:$nofile", "nproc=$nproc:$nproc"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
X
cat > "$state/storage.conf" <<X
[storage]
driver = "overlay"
graphroot = "$state/storage"
runroot = "$state/run"
X
export CONTAINERS_CONF=$state/containers.conf CONTAINERS_STORAGE_CONF=$state/storage.conf
if ! podman image exists localhost/debian:bookworm-slim >&2; then
  mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  security=$(awk '/^URIs:/{u=$2} /^Suites:.*security/{print u; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  mirror=${mirror:-http://deb.debian.org/debian}
  security=${security:-http://deb.debian.org/debian-security}
  r=$state/rootfs
  rm -rf "$r"
  echo "engine: debootstrap bookworm from $mirror" >&2
  debootstrap --variant=minbase bookworm "$r" "$mirror" >"$state/debootstrap.log" 2>&1 \
    || { tail -20 "$state/debootstrap.log" >&2; exit 1; }
  chroot "$r" apt-get clean
  rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin "$r"/var/log/*.log "$r"/var/log/apt/* \
         "$r"/usr/share/man/* "$r"/usr/share/info/* "$r"/usr/share/locale/* "$r"/etc/apt/sources.list
  find "$r"/usr/share/doc -mindepth 1 -not -name copyright -not -type d -delete
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
    'path-exclude /usr/share/man/*' 'path-exclude /usr/share/info/*' 'path-exclude /usr/share/locale/*' \
    > "$r"/etc/dpkg/dpkg.cfg.d/docker
  printf '%s\n' 'Types: deb' "URIs: $mirror" 'Suites: bookworm bookworm-updates' 'Components: main' \
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' '' \
    'Types: deb' "URIs: $security" 'Suites: bookworm-security' 'Components: main' \
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' > "$r"/etc/apt/sources.list.d/debian.sources
  # as in the official image: no downloaded .debs left in layers, no translations
  cat > "$r"/etc/apt/apt.conf.d/docker-clean <<'X'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
X
  echo 'Acquire::Languages "none";' > "$r"/etc/apt/apt.conf.d/docker-no-languages
  echo 'Apt::AutoRemove::SuggestsImportant "false";' > "$r"/etc/apt/apt.conf.d/docker-autoremove-suggests
  : > "$r"/etc/resolv.conf; : > "$r"/etc/hostname
  tar -C "$r" -c . | podman import -q --change 'CMD ["bash"]' - localhost/debian:bookworm-slim >&2
  # also under the names deploy/Dockerfile uses, so `FROM debian:bookworm` resolves locally (builds use --pull=never)
  podman tag localhost/debian:bookworm-slim localhost/debian:bookworm \
    docker.io/library/debian:bookworm-slim docker.io/library/debian:bookworm >&2
  rm -rf "$r"
fi
echo "CONTAINERS_CONF=$CONTAINERS_CONF"
echo "CONTAINERS_STORAGE_CONF=$CONTAINERS_STORAGE_CONF"
echo "BUILDAH_FORMAT=docker"
