#!/usr/bin/env bash
# Monlight benchmarks (PERFORMANCE.md): installs what is missing, makes a Release build in ./build-release, runs
# the baselines and every plugin benchmark (bench/<plugin>/run.sh or run.py), prints one line per figure
# (`name value unit ratio=... target=...`) and writes bench/results/latest.json. Never part of the test command.
#
# Usage: bash bench/run.sh [SECTION...] [--runs N] [--duration S] [--quick] [--no-build] [--jobs N] [-- ARGS...]
#   SECTION  all (default) | baseline (= sqlite fts echo p8 p13) | sqlite | fts | echo | p8 | p13
#            | plugins (every bench/<plugin>/) | <plugin> (error-tracker, log-viewer, ...)
#   --runs N, --duration S  passed to the baselines, and to a plugin script that accepts them
#   --quick     smaller inputs and 1 run of 3 s: a smoke run of the harness, not a measurement
#   --no-build  use build-release as it is
#   --jobs N    build parallelism (default: number of CPUs, 1 when the load average is above half of them;
#               BENCH_JOBS in the environment also works)
#   -- ARGS     extra arguments for the selected plugin scripts (e.g. `log-viewer -- p4 --lines 50000`)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD="$ROOT/build-release"
RESULTS="$ROOT/bench/results"

usage() { sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; }

baseline_sections=(sqlite fts echo p8 p13)
plugin_dirs=()
for d in bench/*/; do
  name=$(basename "$d")
  case "$name" in lib|baseline|results) continue ;; esac
  if [ -f "$d/run.sh" ] || [ -f "$d/run.py" ]; then plugin_dirs+=("$name"); fi
done

runs="" duration="" quick=0 build=1 jobs="${BENCH_JOBS:-}"
selected=() passthrough=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --runs) runs="$2"; shift 2 ;;
    --duration) duration="$2"; shift 2 ;;
    --quick) quick=1; shift ;;
    --no-build) build=0; shift ;;
    --jobs) jobs="$2"; shift 2 ;;
    --) shift; passthrough=("$@"); break ;;
    all) selected+=("${baseline_sections[@]}" "${plugin_dirs[@]}"); shift ;;
    baseline) selected+=("${baseline_sections[@]}"); shift ;;
    plugins) selected+=("${plugin_dirs[@]}"); shift ;;
    sqlite|fts|echo|p8|p13) selected+=("$1"); shift ;;
    *)
      if [ -d "bench/$1" ] && printf '%s\n' "${plugin_dirs[@]}" | grep -qx -- "$1"; then
        selected+=("$1"); shift
      else
        echo "bench/run.sh: unknown section or option '$1' (plugin benchmarks here: ${plugin_dirs[*]:-none})" >&2
        exit 64
      fi ;;
  esac
done
[ ${#selected[@]} -gt 0 ] || selected=("${baseline_sections[@]}" "${plugin_dirs[@]}")
if [ "$quick" = 1 ]; then runs="${runs:-1}"; duration="${duration:-3}"; fi

# ------------------------------------------------------------------------------------------ dependencies
sudo_cmd=""
[ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
if [ -f scripts/install-deps.sh ]; then bash scripts/install-deps.sh; fi
missing=()
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v taskset >/dev/null 2>&1 || missing+=(util-linux)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench: installing ${missing[*]}" >&2
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# ----------------------------------------------------------------------------------------------- build
if [ -z "$jobs" ]; then
  # A busy machine (load above half the CPUs) gets a single compile job.
  if awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then jobs=1; else jobs=$(nproc); fi
fi
if [ "$build" = 1 ]; then
  echo "bench: Release build in build-release (-j$jobs)" >&2
  cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DMONLIGHT_BUILD_TESTS=OFF -DMONLIGHT_BUILD_BENCH=ON >/dev/null
  if ! cmake --build "$BUILD" -j"$jobs" >/dev/null; then
    echo "bench: the Release build failed (see above); nothing was measured" >&2
    exit 1
  fi
fi
export MONLIGHT_BUILD_DIR="$BUILD"

# ------------------------------------------------------------------------------------------------- run
mkdir -p "$RESULTS/logs"
stamp=$(date -u +%Y-%m-%dT%H:%M:%SZ)
load_start=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$load_start" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
  echo "bench: load average $load_start on $(nproc) CPUs: other work is running, expect noisy figures" >&2
fi
# Each section's stdout goes to the terminal and to logs/<section>.out; latest.json is built from those lines.
ran=()
status=0
base_args=()
[ -n "$runs" ] && base_args+=(--runs "$runs")
[ -n "$duration" ] && base_args+=(--duration "$duration")
[ "$quick" = 1 ] && base_args+=(--quick)

want_base=()
for s in "${selected[@]}"; do
  case "$s" in sqlite|fts|echo|p8|p13) printf '%s\n' "${want_base[@]}" | grep -qx "$s" || want_base+=("$s") ;; esac
done
if [ ${#want_base[@]} -gt 0 ]; then
  echo "== baseline: ${want_base[*]}" >&2
  rm -f "$RESULTS/baseline.json"
  if python3 bench/baseline/run.py "${want_base[@]}" "${base_args[@]}" | tee "$RESULTS/logs/baseline.out"; then :; else
    status=1; echo "bench: baseline section reported a failure" >&2
  fi
  ran+=(baseline)
fi

done_plugins=" "
for s in "${selected[@]}"; do
  case "$s" in sqlite|fts|echo|p8|p13) continue ;; esac
  case "$done_plugins" in *" $s "*) continue ;; esac
  done_plugins+="$s "
  dir="bench/$s"
  if [ -f "$dir/run.sh" ]; then entry=(bash "$dir/run.sh"); script="$dir/run.sh"; else entry=(python3 "$dir/run.py"); script="$dir/run.py"; fi
  args=()
  # Pass the generic options only to scripts that declare them.
  [ -n "$runs" ] && grep -q -- '--runs' "$script" && args+=(--runs "$runs")
  [ -n "$duration" ] && grep -q -- '--duration' "$script" && args+=(--duration "$duration")
  args+=("${passthrough[@]}")
  echo "== $s: ${entry[*]} ${args[*]}" >&2
  rm -f "$RESULTS/$s.json"
  if BENCH_QUICK="$quick" "${entry[@]}" "${args[@]}" | tee "$RESULTS/logs/$s.out"; then :; else
    status=1; echo "bench: $s failed (its figures so far are kept)" >&2
  fi
  ran+=("$s")
done

python3 bench/lib/collect.py --started "$stamp" --load-start "$load_start" --build "$BUILD" --out "$RESULTS/latest.json" "${ran[@]}"
echo "bench: wrote bench/results/latest.json" >&2
exit $status
