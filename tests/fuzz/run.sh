#!/usr/bin/env bash
# Builds one libFuzzer target in a meson build configured for fuzzing
# (clang, -Dfuzz=true, address + undefined sanitizers; see
# tests/fuzz/meson.build) and runs it for a bounded time.
#   tests/fuzz/run.sh TARGET SECONDS      TARGET: scenario, lesson, cli, render or window
# (window: the window test's random scenarios in the sanitizer build
# build-asan, under Xvfb, with a seed from the clock)
# Fails (non-zero) on any finding: crash, leak, undefined behaviour,
# timeout or out-of-memory; the reproducer is left in $FUZZ_DIR. Prints
# the exec count reached. New corpus entries go to $FUZZ_DIR/corpus-TARGET,
# never into the seed corpus under tests/fuzz/corpus/.
# Environment: FUZZ_DIR (the build directory, default build-fuzz),
#              FUZZ_JOBS (parallel workers, default 1), CC (default clang).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
target=${1:?usage: tests/fuzz/run.sh scenario|lesson|cli|render|window SECONDS}
seconds=${2:?usage: tests/fuzz/run.sh TARGET SECONDS}
if [[ $target == window ]]; then
    asan=${ASAN_DIR:-$root/build-asan}
    if [[ ! -f $asan/build.ninja ]]; then
        meson setup "$asan" "$root" -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debug >/dev/null
    fi
    ninja -C "$asan" tests/test_window >/dev/null
    seed=${WINDOW_FUZZ_SEED:-$(date +%s)}
    log=$asan/window-fuzz.log
    status=0
    env SDL_RENDER_DRIVER=software MASKSCOPE_SOURCE_ROOT="$root" MASKSCOPE_DATA_DIR="$root/assets" \
        WINDOW_FUZZ_SECONDS="$seconds" WINDOW_FUZZ_SEED="$seed" \
        ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
        LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0" \
        "$root/tests/xvfb-wrap.sh" "$asan/tests/test_window" --filter 'window_fuzz/*' --jobs 1 >"$log" 2>&1 || status=$?
    if [[ $status -ne 0 ]] || grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error' "$log"; then
        echo "fuzz window: FAILED (seed $seed); log: $log"
        grep -E 'ERROR|SUMMARY|runtime error|Assertion|window fuzz' "$log" | head -10 | sed 's/^/    /'
        exit 1
    fi
    echo "fuzz window: ok, $(grep -o '[0-9]* random scenarios' "$log" | head -1) in ${seconds}s (seed $seed)"
    exit 0
fi
case $target in
    scenario) dict=json.dict; max_len=8192; extra=() ;;
    lesson) dict=json.dict; max_len=16384; extra=() ;;
    cli) dict=cli.dict; max_len=512; extra=(-close_fd_mask=3) ;;
    render) dict=json.dict; max_len=4096; extra=() ;;
    *) echo "run.sh: unknown target '$target'; use scenario, lesson, cli, render or window" >&2; exit 2 ;;
esac
out=${FUZZ_DIR:-$root/build-fuzz}
if [[ ! -f $out/build.ninja ]]; then
    CC=${CC:-clang} meson setup "$out" "$root" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
        -Dtests=false --buildtype=debugoptimized >/dev/null
fi
ninja -C "$out" "tests/fuzz/fuzz_$target" >/dev/null
mkdir -p "$out/corpus-$target"
bin="$out/tests/fuzz/fuzz_$target"

jobs=${FUZZ_JOBS:-1}
if ((jobs > 1)); then
    extra+=(-fork="$jobs")
fi
log="$out/$target.log"
status=0
MASKSCOPE_DATA_DIR=${MASKSCOPE_DATA_DIR:-$root/assets} SDL_VIDEODRIVER=dummy \
ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1} \
"$bin" "$out/corpus-$target" "$root/tests/fuzz/corpus/$target" \
    -dict="$root/tests/fuzz/$dict" -max_len=$max_len -max_total_time="$seconds" \
    -timeout=25 -rss_limit_mb=3072 -print_final_stats=1 \
    -artifact_prefix="$out/$target-" "${extra[@]}" >"$log" 2>&1 || status=$?

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
[[ -n $execs ]] || execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#') # -fork mode
cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
corpus=$(ls "$out/corpus-$target" | wc -l)
if [[ $status -ne 0 ]]; then
    echo "fuzz $target: FAILED after ${execs:-?} execs (libFuzzer status $status); log: $log"
    grep -E 'ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -10 | sed 's/^/    /'
    exit 1
fi
echo "fuzz $target: ok, ${execs:-0} execs in ${seconds}s, coverage ${cov:-?} edges, corpus $corpus new inputs"
