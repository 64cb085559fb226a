#!/usr/bin/env bash
# The robustness checks CI runs after the normal test suite (see
# docs/robustness.md). From the repository root:
#   bash tests/robustness.sh
# 1. a sanitizer build (build-asan: address + undefined) running the whole
#    test suite; every sanitizer report of every process, Criterion's forked
#    test workers included, is written to a log directory and any report
#    fails the check (Criterion ignores its workers' exit status, so a leak
#    in a test would otherwise pass unseen);
# 2. the sanitizer-built CLI on every hostile catalogue file (the hostile
#    suite in step 1) and on every shipped lesson, print and dump included;
# 3. valgrind on `maskscope dump` (every mode) and `maskscope export --all`
#    from the normal build;
# 4. each libFuzzer target for FUZZ_SECONDS (default 60): the scenario and
#    lesson loaders, the command line, and rendering every mode × step of a
#    fuzzed scenario (the window's random-scenario fuzzing runs in step 1,
#    WINDOW_FUZZ_SECONDS, default 20).
# Environment: FUZZ_SECONDS, ROBUSTNESS_SKIP (space-separated: asan cli valgrind fuzz).
# Exits non-zero if any check fails; the summary comes last.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
fuzz_seconds=${FUZZ_SECONDS:-60}
skip=" ${ROBUSTNESS_SKIP:-} "
work=$(mktemp -d "${TMPDIR:-/tmp}/maskscope-robustness-XXXXXX")
trap 'rm -rf "$work"' EXIT
start=$SECONDS
summary=()
failed=0

say() { echo "robustness: $*"; }
result() { # name status detail
    summary+=("$(printf '  %-38s %s' "$1" "$2${3:+ ($3)}")")
    [[ $2 == ok || $2 == skipped ]] || failed=1
}
skipped() { [[ $skip == *" $1 "* ]]; }

# sanitizer options: reports go to files so none is lost in a forked worker;
# the suppressions name third-party libraries only (see the files)
asan_logs=$work/asan-logs
mkdir -p "$asan_logs"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:log_path=$asan_logs/asan"
export LSAN_OPTIONS="suppressions=$root/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$asan_logs/ubsan"

# the modes of the mode table, as `maskscope --help` lists them
modes_of() { "$1" --help | sed -n '/^MODE is one of:/,/^See /p' | awk 'NF > 1 && $1 != "MODE" && $1 != "See" {print $1}'; }

# lists the sanitizer reports written since the last call, and clears them
reports() {
    local n=0 f
    for f in "$asan_logs"/*; do
        [[ -e $f ]] || continue
        n=$((n + 1))
        if ((n <= 3)); then
            echo "    --- $(basename "$f")"
            grep -E 'ERROR|SUMMARY|runtime error|^    #[0-9] ' "$f" | head -12 | sed 's/^/    /'
        fi
        cp "$f" "$work/kept-$(basename "$f")"
        rm -f "$f"
    done
    return $((n > 0))
}

# ---- 1. the test suite under AddressSanitizer + UBSan ----
asan_ok=0
if ! skipped asan || ! skipped cli; then
    say "building build-asan (address,undefined)"
    if [[ ! -f build-asan/build.ninja ]]; then
        # -O1, as AddressSanitizer's authors advise: the checks are the same
        # and the suite runs about twice as fast as at -O0 (the 3840x2160
        # export test took 72 s at -O0, 36 s at -O1, 8 s in the normal build).
        # No -Werror here: GCC's format-truncation analysis sees the
        # sanitizers' inserted null checks and warns about paths that cannot
        # happen (strbuf_printf's format, stage_begin's directory); the
        # normal build keeps every warning an error.
        meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debug \
            -Doptimization=1 -Dwerror=false >"$work/asan-setup.log" 2>&1 || cat "$work/asan-setup.log"
    fi
    if ninja -C build-asan >"$work/asan-build.log" 2>&1; then
        asan_ok=1
    else
        tail -20 "$work/asan-build.log"
        result "sanitizer build" FAILED "build failed"
    fi
fi
if skipped asan; then
    result "sanitizer build: test suite" skipped
elif ((asan_ok)); then
    t=$SECONDS
    say "running the test suite under the sanitizers"
    # (not the web suite: the browser runs the wasm page, which no sanitizer sees)
    # (twice meson's timeouts: sanitized code is slower by design; the
    # window suite takes about 320 s of its 600 here)
    if meson test -C build-asan --num-processes 2 --timeout-multiplier 2 --no-suite web >"$work/asan-test.log" 2>&1; then
        if reports; then
            result "sanitizer build: test suite" ok "$((SECONDS - t)) s"
        else
            result "sanitizer build: test suite" FAILED "sanitizer reports above"
        fi
    else
        grep -E '^ *[0-9]+/[0-9]+ .*(FAIL|ERROR|TIMEOUT)' "$work/asan-test.log" | sed 's/^/    /'
        grep -E '^not ok' build-asan/meson-logs/testlog.txt | head -20 | sed 's/^/    /'
        reports
        result "sanitizer build: test suite" FAILED "failing tests above"
    fi
fi

# ---- 2. the sanitizer-built CLI on lessons and the running example ----
# (the hostile catalogue already ran through it: the `hostile` test above)
if skipped cli || ((asan_ok == 0)); then
    result "sanitizer CLI: lessons, print, dump" skipped
else
    bin=build-asan/app/maskscope
    bad=0
    runs=0
    check() { # expected-status command...
        local want=$1
        shift
        runs=$((runs + 1))
        "$bin" "$@" >"$work/cli.out" 2>"$work/cli.err" </dev/null
        local st=$?
        if [[ $st -ne $want ]]; then
            echo "    maskscope $*: exit $st, expected $want: $(head -c 300 "$work/cli.err")"
            bad=1
        fi
    }
    shopt -s nullglob
    for f in lessons/*.json; do
        check 0 check "$f"
        check 0 export --lesson "$f" --out-dir "$work/deck"
        rm -rf "$work/deck"
    done
    for m in $(modes_of "$bin"); do
        if [[ $m == bugs ]]; then
            # the gallery is no mask (dump and print refuse it, exit 2): its
            # own commands instead, every bug through the leak detector
            check 0 export --bugs --out-dir "$work/bugs" --size 640x360 -q
            rm -rf "$work/bugs"
            for b in $("$bin" leaks --bug nosuch 2>&1 | sed 's/.*; use //; s/,//g'); do
                "$bin" leaks --bug "$b" >/dev/null 2>"$work/leaks.err"
                st=$?
                if [[ $st -ne 0 && $st -ne 3 ]]; then
                    echo "    maskscope leaks --bug $b: exit $st: $(head -c 200 "$work/leaks.err")"
                    bad=1
                fi
            done
            continue
        fi
        check 0 dump --mode "$m" -o "$work/dump.json"
        for name in mask A_scores A_masked A_weights output; do
            check 0 print "$name" --mode "$m" --sentence all
        done
        check 0 print loss_mask --mode "$m"
        check 0 print loss --mode "$m"
    done
    check 0 print batch --scenario tests/hostile/valid-fully-masked-row.json
    shopt -u nullglob
    reports || bad=1
    if ((bad)); then
        result "sanitizer CLI: lessons, print, dump" FAILED "$runs runs"
    else
        result "sanitizer CLI: lessons, print, dump" ok "$runs runs"
    fi
fi

# ---- 3. valgrind on the normal build ----
if skipped valgrind; then
    result "valgrind: dump, export --all" skipped
else
    t=$SECONDS
    [[ -f build/build.ninja ]] || meson setup build --buildtype=debugoptimized >/dev/null
    if ! ninja -C build >"$work/build.log" 2>&1; then
        tail -20 "$work/build.log"
        result "valgrind: dump, export --all" FAILED "build failed"
    else
        bad=0
        vg() { # label expected-status command...
            local label=$1 want=$2 st=0
            shift 2
            # ASan options would only add noise here
            env -u ASAN_OPTIONS -u LSAN_OPTIONS -u UBSAN_OPTIONS SDL_VIDEODRIVER=dummy \
                valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
                --errors-for-leak-kinds=definite,indirect --suppressions=tests/valgrind.supp \
                --log-file="$work/vg-$label.log" build/app/maskscope "$@" >/dev/null 2>"$work/vg.err" || st=$?
            if [[ $st -ne $want ]]; then
                echo "    valgrind maskscope $*: exit $st, expected $want: $(head -c 200 "$work/vg.err")"
                grep -v '^==[0-9]*== *$' "$work/vg-$label.log" | head -30 | sed 's/^/    /'
                bad=1
            fi
        }
        for m in $(modes_of build/app/maskscope); do
            [[ $m == bugs ]] && continue # no tensors to dump: the leak detector runs its lines below
            vg "dump-$m" 0 dump --mode "$m" -o "$work/dump-$m.json"
        done
        vg leaks-bug 3 leaks --bug tril-for-triu
        vg dump-left 0 dump --scenario tests/hostile/valid-fully-masked-row.json --mode combined -o "$work/d.json"
        vg dump-bad 2 dump --scenario tests/hostile/duplicate-key.json -o "$work/x.json"
        if build/app/maskscope --help | grep -q 'export --all'; then
            vg export-all 0 export --all --out-dir "$work/export"
            vg export-lesson 0 export --lesson lessons/01-padding-and-loss-masking.json --out-dir "$work/deck"
            label="valgrind: dump, export --all"
        else
            label="valgrind: dump"
        fi
        if ((bad)); then
            result "$label" FAILED
        else
            result "$label" ok "$((SECONDS - t)) s"
        fi
    fi
fi

# ---- 4. fuzzing ----
if skipped fuzz; then
    result "fuzzing" skipped
else
    for target in scenario lesson cli render; do
        say "fuzzing $target for ${fuzz_seconds}s"
        line=$(env -u ASAN_OPTIONS -u UBSAN_OPTIONS -u LSAN_OPTIONS FUZZ_DIR="$root/build-fuzz" \
            bash tests/fuzz/run.sh "$target" "$fuzz_seconds" 2>&1)
        st=$?
        echo "$line" | sed 's/^/    /'
        execs=$(echo "$line" | sed -n 's/.* \([0-9][0-9]*\) execs.*/\1/p' | tail -1)
        if ((st == 0)); then
            result "fuzz $target" ok "${execs:-?} execs in ${fuzz_seconds} s"
        else
            result "fuzz $target" FAILED "finding kept in build-fuzz/"
        fi
    done
fi

# kept sanitizer reports go to build-asan for inspection
if compgen -G "$work/kept-*" >/dev/null; then
    mkdir -p build-asan/sanitizer-reports
    cp "$work"/kept-* build-asan/sanitizer-reports/
    say "sanitizer reports kept in build-asan/sanitizer-reports/"
fi

echo
say "summary after $((SECONDS - start)) s"
printf '%s\n' "${summary[@]}"
if ((failed)); then
    say "FAILED"
    exit 1
fi
say "all checks passed"
