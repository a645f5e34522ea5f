#!/usr/bin/env bash
# Upgrades Monlight (SPEC §9.5): backup, new image or binaries, health check, rollback on failure.
#
# Usage: deploy/upgrade.sh [--no-pull] [--no-backup] [--force] [--local BUILD_DIR]
#   default (Docker)  1. git pull --ff-only   2. deploy/backup.sh   3. tag the running image monlight:rollback
#                     4. docker compose build && docker compose up -d   5. wait up to 60 s for GET /health = 200 on
#                     every published listener   6. print the new version; on failure: the last 50 log lines, then
#                     roll back (monlight:rollback -> monlight:latest, up -d) and exit 1
#   --local BUILD_DIR an installation without Docker (deploy/monlight.service): backup.sh --local DATA_DIR, copy the
#                     installed files aside, `cmake --install BUILD_DIR --prefix PREFIX --strip`, restart the unit,
#                     health check; on failure put the old files back and restart
#   --no-pull         skip git pull;  --no-backup  skip the backup;  --force  go on when the backup fails, and exit 0
#                     even when the health check failed (no rollback then)
# Environment: COMPOSE ("docker compose"), DOCKER (docker), COMPOSE_FILE, SERVICE (monlight), IMAGE (monlight:latest),
#   HEALTH_URLS (default http://127.0.0.1:{5010,5011,5012,5013}/health), HEALTH_TIMEOUT (60 s), DATA_DIR (/var/lib/monlight),
#   PREFIX (/usr), UNIT (monlight.service), CONFIG (/etc/monlight/monlight.properties), ENV_FILE
#   (/etc/monlight/secrets.env).
# Migrations are forward-only: a rollback after a schema change also needs the databases from the backup
# (deploy/restore.sh). Exit 0 on success, 1 on failure, 2 on bad usage.
set -euo pipefail

usage() { sed -n '2,/^set /p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; }
pull=1 backup=1 force=0 local_build=""
while [ $# -gt 0 ]; do
  case "$1" in
    --help|-h) usage; exit 0 ;;
    --no-pull) pull=0 ;;
    --no-backup) backup=0 ;;
    --force) force=1 ;;
    --local) [ $# -ge 2 ] || { echo "upgrade: --local needs BUILD_DIR" >&2; exit 2; }; local_build=$2; shift ;;
    *) echo "upgrade: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
cd "$(dirname "$0")/.."
read -r -a compose <<< "${COMPOSE:-docker compose}"
[ -n "${COMPOSE_FILE:-}" ] && compose+=(-f "$COMPOSE_FILE")
DOCKER=${DOCKER:-docker}
SERVICE=${SERVICE:-monlight}
IMAGE=${IMAGE:-monlight:latest}
DATA_DIR=${DATA_DIR:-/var/lib/monlight}
PREFIX=${PREFIX:-/usr}
UNIT=${UNIT:-monlight.service}
CONFIG=${CONFIG:-/etc/monlight/monlight.properties}
ENV_FILE=${ENV_FILE:-/etc/monlight/secrets.env}
read -r -a health_urls <<< "${HEALTH_URLS:-http://127.0.0.1:5010/health http://127.0.0.1:5011/health http://127.0.0.1:5012/health http://127.0.0.1:5013/health}"

healthy() {  # every URL answers 200 within HEALTH_TIMEOUT s (poll every 2 s)
  local deadline=$((SECONDS + ${HEALTH_TIMEOUT:-60})) u
  for u in "${health_urls[@]}"; do
    until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$u" || true)" = 200 ]; do
      [ $SECONDS -lt $deadline ] || { echo "upgrade: $u did not answer 200 within ${HEALTH_TIMEOUT:-60} s" >&2; return 1; }
      sleep 2
    done
  done
}

if [ $pull = 1 ]; then git pull --ff-only; fi
if [ $backup = 1 ]; then
  if [ -n "$local_build" ]; then b=(deploy/backup.sh --local "$DATA_DIR"); else b=(deploy/backup.sh); fi
  if ! "${b[@]}"; then
    [ $force = 1 ] || { echo "upgrade: backup failed; nothing changed (--force to go on)" >&2; exit 1; }
    echo "upgrade: backup failed; going on (--force)" >&2
  fi
fi

if [ -n "$local_build" ]; then
  [ -x "$local_build/bin/monlight-host" ] || { echo "upgrade: $local_build/bin/monlight-host not found (build first)" >&2; exit 2; }
  keep=$(mktemp -d /var/tmp/monlight-rollback.XXXXXX)
  cp -a "$PREFIX/bin/monlight-host" "$keep/" 2>/dev/null || true
  [ -d "$PREFIX/lib/monlight" ] && cp -a "$PREFIX/lib/monlight" "$keep/lib"
  echo "upgrade: previous files kept in $keep"
  cmake --install "$local_build" --prefix "$PREFIX" --strip >/dev/null
  # the capability for reading Docker logs (SPEC §9.1); harmless where setcap is missing
  command -v setcap >/dev/null && setcap cap_dac_read_search=p "$PREFIX/bin/monlight-host" || true
  ok=1
  # the unit's secrets (EnvironmentFile of deploy/monlight.service) are part of the configuration
  (set -a; [ -r "$ENV_FILE" ] && . "$ENV_FILE"; set +a; "$PREFIX/bin/monlight-host" --config "$CONFIG" --check-config) \
    || { echo "upgrade: the new build rejects the configuration" >&2; ok=0; }
  [ $ok = 1 ] && systemctl restart "$UNIT" && healthy || ok=0
  if [ $ok = 1 ]; then
    echo "upgrade: now running $("$PREFIX/bin/monlight-host" --version)"
    exit 0
  fi
  journalctl -u "$UNIT" -n 50 --no-pager 2>/dev/null || true
  [ $force = 1 ] && { echo "upgrade: health check failed (--force: no rollback)" >&2; exit 0; }
  echo "upgrade: health check failed; rolling back to the files in $keep" >&2
  [ -e "$keep/monlight-host" ] && cp -a "$keep/monlight-host" "$PREFIX/bin/monlight-host"
  [ -d "$keep/lib" ] && rm -rf "$PREFIX/lib/monlight" && cp -a "$keep/lib" "$PREFIX/lib/monlight"
  systemctl restart "$UNIT" || true
  echo "upgrade: rolled back. If the new version migrated a database, restore it too: deploy/restore.sh --local $DATA_DIR <backups>" >&2
  exit 1
fi

if $DOCKER image inspect "$IMAGE" >/dev/null 2>&1; then
  $DOCKER tag "$IMAGE" monlight:rollback
  have_rollback=1
else
  have_rollback=0
fi
"${compose[@]}" build
"${compose[@]}" up -d
if healthy; then
  echo "upgrade: now running $("${compose[@]}" exec -T "$SERVICE" /usr/bin/monlight-host --version)"
  exit 0
fi
"${compose[@]}" logs --tail=50 "$SERVICE" || true
if [ $force = 1 ]; then
  echo "upgrade: health check failed (--force: left as it is)" >&2
  exit 0
fi
if [ $have_rollback = 1 ]; then
  echo "upgrade: health check failed; rolling back: $DOCKER tag monlight:rollback $IMAGE && ${compose[*]} up -d" >&2
  $DOCKER tag monlight:rollback "$IMAGE"
  "${compose[@]}" up -d --force-recreate
  healthy && echo "upgrade: the previous image runs again" >&2 || echo "upgrade: the previous image is not healthy either" >&2
fi
echo "upgrade: because migrations are forward-only, a rollback after a schema change also needs the databases from the backup (deploy/restore.sh)" >&2
exit 1
