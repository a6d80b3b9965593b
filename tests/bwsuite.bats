#!/usr/bin/env bats
# What a run of bubblewrap's own test suite through a bwrap link showed
# (issue 16): behaviour where hutch differed from bubblewrap 0.11.1 and
# was fixed.  The tests are hutch's own; they compare with what 0.11.1 does.

setup() {
    load helpers
    hutch_setup
}

teardown() {
    hutch_teardown
}

# strace_inject SYSCALL ERRNO ARGS... : run "$HUTCH ARGS..." with every call of
# SYSCALL failing with ERRNO (as in a container whose seccomp profile lacks
# it, or on a kernel older than the call); status, stdout and stderr in
# $status, $output and $stderr.
strace_inject() {
    local call=$1 err=$2
    shift 2
    run --separate-stderr strace -f -qq -o /dev/null -e trace="$call" \
        -e inject="$call":error="$err" "$HUTCH" "$@"
}

# --- openat2 -------------------------------------------------------------------

# hutch resolves every destination inside the new root with openat2
# (Linux 5.6).  Without it bubblewrap 0.11.1 still runs; hutch cannot, and
# used to say "Can't mkdir parents for /: Function not implemented", which
# names neither the call nor the cause.
@test "openat2 missing or refused: one line naming openat2, nothing run, nothing left" {
    skip_in_setuid_mode "strace runs the binary without its setuid bit"
    skip_unless_cmd strace
    run --separate-stderr strace -f -qq -o /dev/null "$HUTCH" --ro-bind / / -- /bin/true
    ((status == 0)) || skip "strace can't trace here: ${stderr%%$'\n'*}"
    local err
    for err in ENOSYS EPERM; do
        host_snapshot
        strace_inject openat2 "$err" --ro-bind / / --bind "$T" "$T" -- /bin/sh -c ": > $T/marker"
        assert_host_unchanged
        ((status == 1)) || fail "$err: status $status" "$(_show_run)"
        assert_error_line "*openat2*Linux 5.6*"
        if [[ $err == ENOSYS ]]; then
            assert_error_line "*: Function not implemented"
        else
            assert_error_line "*: Operation not permitted"
        fi
        [[ ! -e $T/marker ]] || fail "$err: the command ran"
        [[ -z $output ]] || fail "$err: stdout: $output"
    done
    # openat2 is not needed to print the plan.
    strace_inject openat2 ENOSYS --dry-run --ro-bind / / -- /bin/true
    assert_success
}

# --- started with SIGCHLD ignored ----------------------------------------------------

# A caller that ignores SIGCHLD (Erlang's ports, some panel applets) passes
# that disposition on through exec.  Children are then reaped by the kernel
# and never signalled: the monitor waited for ever.  bubblewrap 0.11.1
# resets SIGCHLD to the default first; hutch must too, and the command must
# not inherit the ignored SIGCHLD either.
@test "started with SIGCHLD ignored: the run ends with the command's status, the command's SIGCHLD is the default" {
    local variant extra
    for variant in plain pidns aspid1; do
        case $variant in
        plain) extra=(--ro-bind / /) ;;
        pidns) extra=("${SB[@]}") ;;
        aspid1) extra=("${SB[@]}" --as-pid-1) ;;
        esac
        # (timeout only ends a hung run; KILL, as a hung monitor forwards TERM.)
        run --separate-stderr timeout -s KILL 10 bash -c 'trap "" CHLD; exec "$@"' _ \
            "$HUTCH" "${extra[@]}" -- /bin/sh -c 'grep "^SigIgn:" /proc/self/status; exit 7'
        ((status == 7)) || fail "$variant: status $status (137: the run hung)" "$(_show_run)"
        [[ $output == SigIgn:* ]] || fail "$variant: no SigIgn line" "$(_show_run)"
        # SIGCHLD is signal 17: bit 16 of the mask.
        (((16#${output##*[[:space:]]} & 16#10000) == 0)) ||
            fail "$variant: the command still ignores SIGCHLD" "$(_show_run)"
        assert_stderr_empty
    done
    # --diagnose's probes wait for their children too.
    run --separate-stderr timeout -s KILL 20 bash -c 'trap "" CHLD; exec "$@"' _ "$HUTCH" --diagnose
    assert_output_not_contains "No child processes"
}
