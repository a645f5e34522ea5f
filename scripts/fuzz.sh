#!/usr/bin/env bash
# Builds the libFuzzer harnesses of fuzz/ with clang (-fsanitize=fuzzer,address,undefined) into ./build-fuzz and
# runs each for a bounded time, starting from its committed seed corpus (fuzz/corpus/<harness>, read only: new
# inputs go to build-fuzz/corpus/<harness>). Fails when any harness crashes; the crashing input is saved as
# build-fuzz/artifacts/<harness>/crash-* (reproduce: build-fuzz/fuzz/<harness> <that file>).
# Usage: scripts/fuzz.sh [harness ...]     (default: all of them)
#   FUZZ_SECONDS   seconds per harness (default 60)
#   FUZZ_JOBS      harnesses run at the same time (default 1)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${FUZZ_SECONDS:-60}"
jobs="${FUZZ_JOBS:-1}"
launcher=()
if command -v ccache >/dev/null 2>&1; then launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache); fi
cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMONLIGHT_FUZZ=ON \
  -DMONLIGHT_BUILD_TESTS=OFF -DMONLIGHT_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
cmake --build build-fuzz --target fuzzers -j"$(nproc)"

harnesses=("$@")
if [ ${#harnesses[@]} -eq 0 ]; then
  for d in fuzz/corpus/*/; do
    h=$(basename "$d")
    # A harness whose code is not in this tree (fuzz/CMakeLists.txt builds it only then) is skipped.
    if [ -x "build-fuzz/fuzz/$h" ]; then harnesses+=("$h"); else echo "fuzz: $h not built here, skipped"; fi
  done
fi
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
mkdir -p build-fuzz/logs
run_one() {
  local h=$1
  mkdir -p "build-fuzz/corpus/$h" "build-fuzz/artifacts/$h"
  if "build-fuzz/fuzz/$h" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 \
      -artifact_prefix="build-fuzz/artifacts/$h/" "build-fuzz/corpus/$h" "fuzz/corpus/$h" \
      >"build-fuzz/logs/$h.log" 2>&1; then
    echo "fuzz: $h ok ($(grep -E '^stat::number_of_executed_units' "build-fuzz/logs/$h.log" | awk '{print $2}') runs," \
      "$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "build-fuzz/logs/$h.log" | tail -1))"
  else
    echo "fuzz: $h FAILED, see build-fuzz/logs/$h.log and build-fuzz/artifacts/$h/" >&2
    grep -E 'ERROR|invariant violated|SUMMARY|runtime error' "build-fuzz/logs/$h.log" | head -5 >&2
    return 1
  fi
}
failed=0
pids=()
for h in "${harnesses[@]}"; do
  [ -x "build-fuzz/fuzz/$h" ] || { echo "fuzz: no harness $h" >&2; failed=1; continue; }
  run_one "$h" &
  pids+=($!)
  if [ ${#pids[@]} -ge "$jobs" ]; then
    wait "${pids[0]}" || failed=1
    pids=("${pids[@]:1}")
  fi
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done
exit $failed
