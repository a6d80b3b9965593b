#!/bin/bash
# Compare hutch with Debian's bwrap: start-up time and the cost of many
# read-only binds.  Prints each case's mean wall time and the ratio
# bwrap/hutch (above 1: hutch is faster).
#
# usage: bench/compare.sh [HUTCH] [BWRAP]     (defaults: ./hutch, /usr/bin/bwrap)
set -euo pipefail
HUTCH=${1:-./hutch}
BWRAP=${2:-/usr/bin/bwrap}
RUNS=${RUNS:-20}

[ -x "$HUTCH" ] || { echo "bench: no hutch at $HUTCH" >&2; exit 1; }
[ -x "$BWRAP" ] || { echo "bench: no bwrap at $BWRAP (apt-get install bubblewrap)" >&2; exit 1; }

# Mean wall time in milliseconds of RUNS runs of "$@".
mean_ms() {
  local start end
  start=$(date +%s%N)
  for _ in $(seq "$RUNS"); do "$@" >/dev/null 2>&1 || { echo "bench: failed: $*" >&2; return 1; }; done
  end=$(date +%s%N)
  echo $(( (end - start) / RUNS / 1000 ))
}

binds() {
  local n=$1 i
  for ((i = 0; i < n; i++)); do printf -- '--ro-bind\0/usr\0/tmp/b/%d\0' "$i"; done
}

run_case() {
  local name=$1; shift
  local h b
  h=$(mean_ms "$HUTCH" "$@")
  b=$(mean_ms "$BWRAP" "$@")
  awk -v n="$name" -v h="$h" -v b="$b" \
    'BEGIN { printf "%-34s hutch %9.2f ms   bwrap %9.2f ms   ratio %6.2fx\n", n, h/1000, b/1000, (h > 0 ? b/h : 0) }'
}

echo "hutch: $("$HUTCH" --version | head -1)   bwrap: $("$BWRAP" --version)   runs: $RUNS"
run_case "start: --ro-bind / / true" --ro-bind / / true
run_case "start: --unshare-all + proc/dev" --ro-bind / / --unshare-all --proc /proc --dev /dev true
for n in 100 500 1000; do
  f=$(mktemp); binds "$n" >"$f"
  RUNS=$(( n >= 1000 ? 3 : (n >= 500 ? 5 : RUNS) ))
  h=$(RUNS=$RUNS mean_ms sh -c "exec \"$HUTCH\" --ro-bind / / --tmpfs /tmp --args 3 true 3<$f")
  b=$(RUNS=$RUNS mean_ms sh -c "exec \"$BWRAP\" --ro-bind / / --tmpfs /tmp --args 3 true 3<$f")
  awk -v n="$n --ro-bind (--args)" -v h="$h" -v b="$b" \
    'BEGIN { printf "%-34s hutch %9.2f ms   bwrap %9.2f ms   ratio %6.2fx\n", n, h/1000, b/1000, (h > 0 ? b/h : 0) }'
  rm -f "$f"
done
