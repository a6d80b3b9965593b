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
