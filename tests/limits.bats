#!/usr/bin/env bats
# Limits of the command: --rlimit (seen in /proc/self/limits and in effect)
# and --timeout (SIGTERM, then SIGKILL after the grace; exit 124; nothing
# of the sandbox left; reported on --json-status-fd).

setup() {
    load helpers
    hutch_only "hutch's own --rlimit and --timeout"
    hutch_setup
    # A marker unique to this test, to find leftover processes by.
    MARK=$((7000000 + RANDOM * 32 + $$ % 32))
}

teardown() {
    pkill -KILL -f "sleep $MARK" 2>/dev/null || true
    hutch_teardown
}

# limit_line NAME : "SOFT HARD" of a /proc/self/limits line from $output
limit_line() {
    awk -v name="$1" 'index($0, name) == 1 {
        rest = substr($0, length(name) + 1); split(rest, f, " "); print f[1], f[2] }' <<<"$output"
}

elapsed_ms() { echo $(($(date +%s%N) / 1000000)); }

no_process_with() {
    local left
    left=$(pgrep -af -- "$1" || true)
    [[ -z $left ]] || fail "processes left behind:" "$left"
}

# --- --rlimit -----------------------------------------------------------------------

@test "--rlimit: the limits show in the command's /proc/self/limits" {
    # "unlimited" can't be above the current hard limit where that is unlimited.
    local as=unlimited as_arg=as=infinity:unlimited
    if [[ $(ulimit -Hv) != unlimited ]]; then
        as=$(($(ulimit -Hv) * 1024)) as_arg=as=$as
    fi
    run --separate-stderr hutch_sh --rlimit nofile=100:200 --rlimit core=0 --rlimit cpu=10:20 \
        --rlimit "$as_arg" --rlimit msgqueue=4096:8192 'cat /proc/self/limits'
    assert_success
    [[ $(limit_line "Max open files") == "100 200" ]] || fail "nofile:" "$output"
    [[ $(limit_line "Max core file size") == "0 0" ]] || fail "core:" "$output"
    [[ $(limit_line "Max cpu time") == "10 20" ]] || fail "cpu:" "$output"
    [[ $(limit_line "Max address space") == "$as $as" ]] || fail "as:" "$output"
    [[ $(limit_line "Max msgqueue size") == "4096 8192" ]] || fail "msgqueue:" "$output"
}

@test "--rlimit: one value sets both limits; the last --rlimit of a resource wins" {
    run --separate-stderr hutch_sh --rlimit nofile=300:400 --rlimit nofile=64 'cat /proc/self/limits'
    assert_success
    [[ $(limit_line "Max open files") == "64 64" ]] || fail "nofile:" "$output"
}

@test "--rlimit fsize: a write past the limit fails (SIGXFSZ) and the file stops there" {
    run --separate-stderr min_sh --bind "$T" /t --rlimit fsize=1024 \
        'head -c 4096 /dev/zero >/t/big; echo "status $?"'
    assert_success
    assert_output "status 153"
    [[ $(stat -c %s "$T/big") -eq 1024 ]] || fail "size: $(stat -c %s "$T/big")"
}

@test "--rlimit: a hard limit above the current one is refused in a user namespace" {
    local hard
    hard=$(ulimit -Hn)
    [[ $hard != unlimited ]] || skip "the hard limit of nofile is unlimited here"
    expect_error "--rlimit nofile: the hard limit $((hard + 1)) is above the current one, $hard, which only root outside a user namespace can raise" \
        --unshare-user --ro-bind / / --rlimit "nofile=10:$((hard + 1))" -- /bin/true
}

@test "--rlimit: bad input is a one-line error" {
    expect_error '--rlimit: expected NAME=SOFT\[:HARD], got "nofile"' --rlimit nofile -- /bin/true
    expect_error '--rlimit: expected NAME=SOFT\[:HARD], got "=5"' --rlimit =5 -- /bin/true
    expect_error '--rlimit: unknown resource "files" (as, core,*stack)' --rlimit files=5 -- /bin/true
    local bad
    for bad in "" x -1 10: :10 1.5 99999999999999999999999 "10:20:30"; do
        expect_error "--rlimit nofile: invalid value \"$bad\"*" --rlimit "nofile=$bad" -- /bin/true
    done
    expect_error '--rlimit nofile: the soft limit 10 is above the hard limit 5' \
        --rlimit nofile=10:5 -- /bin/true
    expect_error '--rlimit core: the soft limit unlimited is above the hard limit 0' \
        --rlimit core=unlimited:0 -- /bin/true
}

# --- --timeout --------------------------------------------------------------------

@test "--timeout: a sleeping command is killed at the timeout, exit 124, no process left" {
    local start end
    start=$(elapsed_ms)
    run --separate-stderr hutch_sh --timeout 1 "sleep $MARK & sleep $MARK; echo not reached"
    end=$(elapsed_ms)
    assert_status 124
    assert_output ""
    assert_stderr_empty
    (((end - start) >= 1000)) || fail "ended after $((end - start)) ms, before the timeout"
    (((end - start) < 8000)) || fail "ended after $((end - start)) ms"
    no_process_with "sleep $MARK"
}

@test "--timeout: a command that ignores SIGTERM is killed with SIGKILL after GRACE" {
    local start end
    start=$(elapsed_ms)
    run --separate-stderr hutch_sh --timeout 0.5:1.5 \
        "trap '' TERM; sleep $MARK & sleep $MARK; echo not reached"
    end=$(elapsed_ms)
    assert_status 124
    assert_output ""
    (((end - start) >= 2000)) || fail "ended after $((end - start)) ms, before timeout + grace"
    (((end - start) < 9000)) || fail "ended after $((end - start)) ms"
    no_process_with "sleep $MARK"
}

@test "--timeout: the command gets SIGTERM first and may clean up within the grace" {
    run --separate-stderr min_sh --bind "$T" /t --timeout 0.5:5 \
        "trap 'echo cleaned >/t/trap; exit 0' TERM; sleep $MARK & wait"
    assert_status 124
    assert_file_content "$T/trap" cleaned
    no_process_with "sleep $MARK"
}

@test "--timeout without a PID namespace: the command's children die too, even in a new session" {
    run --separate-stderr "$HUTCH" --ro-bind / / --dev /dev --timeout 0.5:0.5 -- /bin/sh -c \
        "trap '' TERM; setsid sleep $MARK & sleep $MARK"
    assert_status 124
    no_process_with "sleep $MARK"
}

@test "--timeout with --as-pid-1: the namespace's init is killed and everything with it" {
    run --separate-stderr hutch_sh --as-pid-1 --timeout 0.5:0.5 "sleep $MARK & sleep $MARK"
    assert_status 124
    no_process_with "sleep $MARK"
}

@test "--timeout: a command that ends in time keeps its own exit status" {
    local start end
    start=$(elapsed_ms)
    run --separate-stderr hutch_sh --timeout 30 'echo done; exit 3'
    end=$(elapsed_ms)
    assert_status 3
    assert_output done
    (((end - start) < 5000)) || fail "took $((end - start)) ms"
}

@test "--timeout: --json-status-fd reports the timeout, then exit-code 124" {
    run --separate-stderr hutch_sh --json-status-fd 3 --timeout 0.5 "sleep $MARK" 3>"$T/status"
    assert_status 124
    local lines
    mapfile -t lines <"$T/status"
    [[ ${#lines[@]} -eq 3 ]] || fail "expected 3 lines:" "${lines[@]}"
    [[ ${lines[0]} == '{ "child-pid": '* ]] || fail "first: ${lines[0]}"
    [[ ${lines[1]} == '{ "timeout": 0.5 }' ]] || fail "second: ${lines[1]}"
    [[ ${lines[2]} == '{ "exit-code": 124 }' ]] || fail "third: ${lines[2]}"
}

@test "--timeout: bad input is a one-line error" {
    local bad
    for bad in "" x -1 1:x 1:2:3 1.2.3 " 1" 1s 99999999999; do
        expect_error "--timeout: invalid duration \"$bad\" (SECONDS\\[:GRACE], e.g. 30 or 1.5:5)" \
            --timeout "$bad" -- /bin/true
    done
    expect_error '--timeout: the timeout must be more than 0 seconds, got "0"' --timeout 0 -- /bin/true
    expect_error '--timeout: the timeout must be more than 0 seconds, got "0.0:1"' \
        --timeout 0.0:1 -- /bin/true
}
