# tests/probe.bash — the hutch-probe helper of the confinement suites
# (seccomp.bats, landlock.bats, limits.bats).  Load it after helpers:
#     setup() { load helpers; load probe; hutch_setup; probe_setup; }
#
# hutch-probe (tests/hutch-probe.c, built by `make check`) makes one system
# call and prints "ok" or the errno's name.  It is looked for in
# $HUTCH_PROBE, next to the suites (tests/run-tests.sh copies it there for
# the unprivileged run), in $HUTCH_BUILDDIR/tests and next to $HUTCH.

probe_setup() {
    hutch_only "hutch's own confinement options"
    if ! PROBE=$(test_program hutch-probe "${HUTCH_PROBE:-}"); then
        fail "hutch-probe is not built: run make check (or make tests/hutch-probe)"
        return 1
    fi
    PROBE_DIR=${PROBE%/*}
    # Inside psb the probe is here.
    P=/probe/hutch-probe
}

# psb [OPTIONS...] -- COMMAND... : $HUTCH with the tmpfs root of MINROOT
# and the probe's directory read-only at /probe.
psb() {
    "$HUTCH" "${MINROOT[@]}" --ro-bind "$PROBE_DIR" /probe "$@"
}

# The kernel's Landlock ABI (0: none).
landlock_abi() { "$PROBE" landlock-abi; }

# skip_unless_landlock N : skip when the kernel's Landlock ABI is below N.
skip_unless_landlock() {
    local abi
    abi=$(landlock_abi)
    ((abi >= $1)) || skip "needs Landlock ABI $1, the kernel has ABI $abi"
}

skip_unless_x86_64() {
    [[ $(uname -m) == x86_64 ]] || skip "x86_64 only (system call numbers and ABIs)"
}

# probe_listen FILE ARGS... : start "hutch-probe ARGS" in the background
# (outside any sandbox); wait until it has written its first line to FILE.
probe_listen() {
    local file=$1
    shift
    "$PROBE" "$@" >"$file" 2>/dev/null 3>&- </dev/null &
    track_pid $!
    wait_until 10 file_nonempty "$file" || fail "hutch-probe $* did not start"
}
