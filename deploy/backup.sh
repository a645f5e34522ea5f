#!/usr/bin/env bash
# Online backup of Monlight's SQLite databases (SPEC §9.4), safe while the host writes (WAL mode).
#
# Usage: deploy/backup.sh [--local DATA_DIR] [errors|logs|metrics|browser-relay ...]   (default: all four)
#   default     runs sqlite3 inside the compose service (docker compose exec -T monlight ...)
#   --local     runs this machine's sqlite3 on DATA_DIR/<db> (installations without Docker, e.g. systemd)
# Environment:
#   BACKUP_DIR       where backups go (default ./backups): BACKUP_DIR/<name>/<name>_<UTC YYYY-MM-DD_HHMMSS>.db[.gz]
#   RETENTION_COUNT  backups kept per database, newest by file-name timestamp (default 7)
#   COMPRESS         1 = gzip the copies
#   COMPOSE_FILE     compose file (default: docker compose's own lookup); SERVICE (default monlight)
#   COMPOSE          the compose command (default "docker compose"; e.g. "podman-compose")
# Each database: sqlite3 ".backup" into <data dir>/.backup/, "PRAGMA integrity_check" must print exactly "ok",
# then the copy is written to BACKUP_DIR as .partial and renamed. A missing database is skipped with a notice.
# Prints one line per database (OK ... / FAIL ...). Exit 0 if all succeeded, 1 if any failed, 2 on bad usage.
set -euo pipefail

usage() { sed -n '2,/^set /p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; }
local_dir=""
names=()
while [ $# -gt 0 ]; do
  case "$1" in
    --help|-h) usage; exit 0 ;;
    --local) [ $# -ge 2 ] || { echo "backup: --local needs DATA_DIR" >&2; exit 2; }; local_dir=$2; shift ;;
    errors|logs|metrics|browser-relay) names+=("$1") ;;
    *) echo "backup: unknown argument $1" >&2; usage >&2; exit 2 ;;
  esac
  shift
done
[ ${#names[@]} -gt 0 ] || names=(errors logs metrics browser-relay)
BACKUP_DIR=${BACKUP_DIR:-./backups}
RETENTION_COUNT=${RETENTION_COUNT:-7}
COMPRESS=${COMPRESS:-0}
SERVICE=${SERVICE:-monlight}
[[ "$RETENTION_COUNT" =~ ^[1-9][0-9]*$ ]] || { echo "backup: RETENTION_COUNT must be a positive integer" >&2; exit 2; }
if [ -n "$local_dir" ]; then
  [ -d "$local_dir" ] || { echo "backup: $local_dir is not a directory" >&2; exit 2; }
  command -v sqlite3 >/dev/null || { echo "backup: sqlite3 is not installed" >&2; exit 2; }
  data_dir=$(cd "$local_dir" && pwd)
  # in: run a shell command where the databases are
  run_in() { sh -c "$1"; }
else
  read -r -a compose <<< "${COMPOSE:-docker compose}"
  [ -n "${COMPOSE_FILE:-}" ] && compose+=(-f "$COMPOSE_FILE")
  data_dir=/var/lib/monlight
  run_in() { "${compose[@]}" exec -T "$SERVICE" sh -c "$1"; }
fi

failed=0
for name in "${names[@]}"; do
  db="$data_dir/$name.db"
  if ! run_in "test -f '$db'" </dev/null >/dev/null 2>&1; then
    echo "SKIP $name: no database $db"
    continue
  fi
  ts=$(date -u +%Y-%m-%d_%H%M%S)
  tmp="$data_dir/.backup/${name}_$ts.db"
  dest_dir="$BACKUP_DIR/$name"
  dest="$dest_dir/${name}_$ts.db"
  [ "$COMPRESS" = 1 ] && dest="$dest.gz"
  mkdir -p "$dest_dir"
  why=""
  if ! out=$(run_in "mkdir -p '$data_dir/.backup' && rm -f '$tmp' && sqlite3 '$db' '.timeout 10000' \".backup '$tmp'\"" </dev/null 2>&1); then
    why="backup failed: $out"
  elif ! check=$(run_in "sqlite3 '$tmp' 'PRAGMA integrity_check;'" </dev/null 2>&1) || [ "$check" != ok ]; then
    why="integrity check: $(echo "$check" | head -3 | tr '\n' ' ')"
  else
    if [ "$COMPRESS" = 1 ]; then
      run_in "cat '$tmp'" </dev/null | gzip -c > "$dest.partial" || why="copy failed"
    else
      run_in "cat '$tmp'" </dev/null > "$dest.partial" || why="copy failed"
    fi
    if [ -z "$why" ] && [ -s "$dest.partial" ]; then
      mv -f "$dest.partial" "$dest"
    else
      why=${why:-"copy is empty"}
      rm -f "$dest.partial"
    fi
  fi
  run_in "rm -f '$tmp'" </dev/null >/dev/null 2>&1 || true
  if [ -n "$why" ]; then
    echo "FAIL $name: $why"
    failed=1
    continue
  fi
  size=$(du -k "$dest" | cut -f1)
  if [ "$size" -ge 1024 ]; then human="$(awk -v k="$size" 'BEGIN{printf "%.1f MB", k/1024}')"; else human="$size kB"; fi
  echo "OK $name -> $dest ($human)"
  # rotation: keep the newest RETENTION_COUNT (the names sort by their timestamp)
  find "$dest_dir" -maxdepth 1 -type f \( -name "${name}_*.db" -o -name "${name}_*.db.gz" \) -printf '%f\n' \
    | sort -r | tail -n +"$((RETENTION_COUNT + 1))" | while read -r old; do rm -f "$dest_dir/$old"; done
done
exit $failed
