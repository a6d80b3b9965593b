#!/bin/bash
# Build hutch's libFuzzer targets and run each for a bounded time.
#
#   fuzz/run.sh [--seconds N] [--build-only] [BUILD_DIR]
#
# BUILD_DIR is a configured build (its config.h says which libraries
# hutch uses); default: the source directory.  Needs clang with its
# libFuzzer runtime (Debian: clang, libclang-rt-14-dev).
#
# Targets (fuzz/*.c): fuzz-options (argv words, NUL-separated) and
# fuzz-args (the data of an --args fd).  Every top-level source but
# sandbox.c (main) is compiled in, with ASan and UBSan, and with
# -Dexit=hutch_fuzz_exit so that die() jumps back into the target instead
# of ending the process (fuzz/fuzz.h).
#
# Each run starts from the seed corpus fuzz/corpus/TARGET (command lines of
# the test suite) and first replays fuzz/regressions/TARGET, the inputs of
# crashes found before, which must stay fixed.  A new crash leaves its
# input in the work directory (printed) and makes the script fail: copy it
# to fuzz/regressions/TARGET/ once fixed.  The last line is
# "N passed, N failed".

set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) || exit 2
srcdir=${here%/fuzz}
seconds=${FUZZ_SECONDS:-60}
build_only=0
while (($#)); do
    case $1 in
    --seconds) seconds=$2; shift 2 ;;
    --build-only) build_only=1; shift ;;
    -h | --help) sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
    *) break ;;
    esac
done
build_dir=$(cd "${1:-$srcdir}" && pwd) || exit 2
[[ -f $build_dir/config.h ]] || { echo "fuzz/run.sh: no config.h in $build_dir: run ./configure first" >&2; exit 2; }

CLANG=${CLANG:-clang}
command -v "$CLANG" >/dev/null || { echo "fuzz/run.sh: $CLANG not found (apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }

out=${FUZZ_OUT:-$build_dir/fuzz-build}
mkdir -p "$out"

libs=$(pkg-config --libs libcap)
cflags=$(pkg-config --cflags libcap)
if grep -q '^#define HAVE_LIBSECCOMP 1' "$build_dir/config.h"; then
    libs+=" $(pkg-config --libs libseccomp)"
    cflags+=" $(pkg-config --cflags libseccomp)"
fi
if grep -q '^#define HAVE_SELINUX 1' "$build_dir/config.h"; then
    libs+=" $(pkg-config --libs libselinux)"
    cflags+=" $(pkg-config --cflags libselinux)"
fi

sources=()
for f in "$srcdir"/*.c; do
    [[ ${f##*/} == sandbox.c ]] || sources+=("$f")
done

flags=(-g -O1 -std=gnu11 -fno-sanitize-recover=undefined -fno-omit-frame-pointer
    -D_GNU_SOURCE -Dexit=hutch_fuzz_exit -iquote "$build_dir" -iquote "$srcdir" -iquote "$here"
    -Wno-unused-command-line-argument)
# shellcheck disable=SC2206
flags+=($cflags)
echo "== building the fuzz targets in $out"
mkdir -p "$out/obj"
objects=()
for f in "${sources[@]}"; do
    o=$out/obj/$(basename "$f" .c).o
    objects+=("$o")
    "$CLANG" "${flags[@]}" -fsanitize=fuzzer-no-link,address,undefined -c "$f" -o "$o" &
    (($(jobs -rp | wc -l) < $(nproc))) || wait -n
done
wait
for o in "${objects[@]}"; do
    [[ -s $o ]] || { echo "fuzz/run.sh: compiling ${o##*/} failed" >&2; exit 1; }
done
targets=(fuzz-options fuzz-args)
for t in "${targets[@]}"; do
    # shellcheck disable=SC2086
    "$CLANG" "${flags[@]}" -fsanitize=fuzzer,address,undefined "$here/$t.c" "${objects[@]}" \
        $libs -o "$out/$t" || exit 1
done
((build_only)) && exit 0

pass=0 failed=0
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# fuzz_one TARGET : replay its past crashes, then fuzz it; "ok"/"not ok" lines
fuzz_one() {
    local t=$1 name work regressions runs
    name=${t#fuzz-}
    work=$(mktemp -d "${TMPDIR:-/tmp}/hutch-$t.XXXXXX")
    mkdir "$work/corpus"
    cp "$here/corpus/$name"/* "$work/corpus/" 2>/dev/null || true
    # The crashes of the past, once each.
    regressions=("$here/regressions/$name"/*)
    if [[ -e ${regressions[0]} ]]; then
        if "$out/$t" -detect_leaks=0 "${regressions[@]}" >"$work/regressions.log" 2>&1; then
            echo "ok $t: ${#regressions[@]} past crashes replayed"
        else
            echo "not ok $t: a past crash is back:"
            tail -n 30 "$work/regressions.log"
        fi
    fi
    echo "== $t for $seconds s (work directory $work)"
    if "$out/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -detect_leaks=0 \
        -close_fd_mask=3 -print_final_stats=1 -artifact_prefix="$work/" \
        "$work/corpus" >"$work/fuzz.log" 2>&1; then
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log")
        echo "ok $t: ${runs:-?} inputs in $seconds s, no crash"
        rm -rf "$work"
    else
        echo "not ok $t: a crash, input kept in $work:"
        ls "$work"/crash-* "$work"/timeout-* "$work"/oom-* 2>/dev/null
        grep -A 25 -m 1 'ERROR:\|runtime error\|deadly signal' "$work/fuzz.log"
    fi
}

# The targets run side by side, one per CPU: each is single-threaded.
logs=()
for t in "${targets[@]}"; do
    logs+=("$(mktemp)")
    fuzz_one "$t" >"${logs[-1]}" 2>&1 &
done
wait
for log in "${logs[@]}"; do
    cat "$log"
    pass=$((pass + $(grep -c '^ok ' "$log")))
    failed=$((failed + $(grep -c '^not ok ' "$log")))
    rm -f "$log"
done
echo "$pass passed, $failed failed"
((failed == 0))
