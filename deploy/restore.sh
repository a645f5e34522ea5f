#!/usr/bin/env bash
# Restores Monlight databases from backups made by deploy/backup.sh. The host must be stopped.
#
# Usage: deploy/restore.sh [--local DATA_DIR] [--force] BACKUP_FILE...
#   BACKUP_FILE  <name>_<timestamp>.db or .db.gz as written by backup.sh (name: errors, logs, metrics,
#                browser-relay); it replaces DATA_DIR/<name>.db
#   default      the compose service's volume: stops the service, writes through a one-off container of the
#                image (docker compose run), starts the service again
#   --local      DATA_DIR of a host installed without Docker (stop it first: systemctl stop monlight)
#   --force      restore even though a -wal/-shm file suggests the database is still open
# Environment: COMPOSE ("docker compose"), COMPOSE_FILE, SERVICE (monlight).
# Each backup is checked with "PRAGMA integrity_check" first; the database it replaces is kept as
# <name>.db.before-restore-<timestamp> (local mode). Exit 0 if all were restored, 1 if any failed, 2 on bad usage.
set -euo pipefail

usage() { sed -n '2,/^set /p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; }
local_dir=""
force=0
files=()
while [ $# -gt 0 ]; do
  case "$1" in
    --help|-h) usage; exit 0 ;;
    --local) [ $# -ge 2 ] || { echo "restore: --local needs DATA_DIR" >&2; exit 2; }; local_dir=$2; shift ;;
    --force) force=1 ;;
    -*) echo "restore: unknown option $1" >&2; usage >&2; exit 2 ;;
    *) files+=("$1") ;;
  esac
  shift
done
[ ${#files[@]} -gt 0 ] || { echo "restore: give at least one backup file" >&2; usage >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "restore: sqlite3 is not installed" >&2; exit 2; }
SERVICE=${SERVICE:-monlight}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Check every backup before touching anything.
declare -A plain
for f in "${files[@]}"; do
  base=$(basename "$f")
  name=$(echo "$base" | sed -nE 's/^(errors|logs|metrics|browser-relay)_[0-9]{4}-[0-9]{2}-[0-9]{2}_[0-9]{6}\.db(\.gz)?$/\1/p')
  [ -n "$name" ] || { echo "restore: $base is not a backup.sh file name (<name>_YYYY-MM-DD_HHMMSS.db[.gz])" >&2; exit 2; }
  [ -z "${plain[$name]:-}" ] || { echo "restore: two backups of $name given" >&2; exit 2; }
  p="$tmp/$name.db"
  case "$base" in
    *.gz) gzip -dc "$f" > "$p" ;;
    *) cp "$f" "$p" ;;
  esac
  check=$(sqlite3 "$p" 'PRAGMA integrity_check;' 2>&1 || true)
  [ "$check" = ok ] || { echo "FAIL $name: $base fails the integrity check: $check" >&2; exit 1; }
  plain[$name]=$p
done

ts=$(date -u +%Y-%m-%d_%H%M%S)
failed=0
if [ -n "$local_dir" ]; then
  [ -d "$local_dir" ] || { echo "restore: $local_dir is not a directory" >&2; exit 2; }
  for name in "${!plain[@]}"; do
    db="$local_dir/$name.db"
    if [ $force = 0 ] && { [ -s "$db-wal" ] || [ -e "$db-shm" ]; }; then
      echo "FAIL $name: $db-wal/-shm exist: is the host still running? (stop it, or --force)"
      failed=1
      continue
    fi
    if [ -e "$db" ]; then
      mv "$db" "$db.before-restore-$ts"
      for x in wal shm; do [ -e "$db-$x" ] && mv "$db-$x" "$db.before-restore-$ts-$x"; done
    fi
    cp "${plain[$name]}" "$db.restoring"
    # keep the owner and mode of the data directory's other files (the service user)
    owner=$(stat -c %u:%g "$local_dir")
    chown "$owner" "$db.restoring" 2>/dev/null || true
    chmod 0640 "$db.restoring"
    mv "$db.restoring" "$db"
    echo "OK $name <- ${files[*]##*/} -> $db"
  done
else
  read -r -a compose <<< "${COMPOSE:-docker compose}"
  [ -n "${COMPOSE_FILE:-}" ] && compose+=(-f "$COMPOSE_FILE")
  "${compose[@]}" stop "$SERVICE"
  for name in "${!plain[@]}"; do
    db=/var/lib/monlight/$name.db
    if "${compose[@]}" run --rm -T --no-deps --entrypoint /bin/sh "$SERVICE" -c \
         "cat > '$db.restoring' && rm -f '$db-wal' '$db-shm' && mv '$db.restoring' '$db'" < "${plain[$name]}"; then
      echo "OK $name -> $db (volume of $SERVICE)"
    else
      echo "FAIL $name: could not write $db"
      failed=1
    fi
  done
  "${compose[@]}" start "$SERVICE"
fi
exit $failed
