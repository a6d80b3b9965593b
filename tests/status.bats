#!/usr/bin/env bats
# Reports to the caller: --info-fd and --json-status-fd.

setup() {
    load helpers
    hutch_setup
    mkdir "$T/flag"
}

teardown() {
    hutch_teardown
}

# json_number FILE KEY : the integer value of "KEY" in FILE (first occurrence)
json_number() {
    sed -n 's/.*"'"$2"'"[[:space:]]*:[[:space:]]*\([0-9][0-9]*\).*/\1/p' "$1" | head -n 1
}

# json_valid FILE : every JSON document in FILE parses (when python3 is here)
json_valid() {
    local py
    py=$(command -v /usr/bin/python3 || command -v python3) || return 0
    "$py" - "$1" <<'EOF'
import json, sys
text = open(sys.argv[1]).read()
dec = json.JSONDecoder()
i = 0
n = 0
while True:
    while i < len(text) and text[i].isspace():
        i += 1
    if i == len(text):
        break
    obj, i = dec.raw_decode(text, i)
    assert isinstance(obj, dict), obj
    n += 1
assert n > 0, "no JSON document"
EOF
}

# Start a sandbox in the background that reports on fd 3 into FILE, writes
# $T/flag/ready and waits (at most 30 s) for $T/flag/go.
start_reporting_sandbox() {
    local opt=$1 file=$2
    shift 2
    "$HUTCH" "${SB[@]}" --die-with-parent --bind "$T/flag" "$T/flag" "$@" "$opt" 3 -- \
        /bin/sh -c 'echo up > "$1/ready"; i=0; while [ ! -e "$1/go" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done' \
        sh "$T/flag" 3>"$file" >/dev/null 2>&1 &
    SANDBOX_PID=$!
    track_pid "$SANDBOX_PID"
    wait_until 20 file_exists "$T/flag/ready" || fail "the sandbox did not start"
}

finish_sandbox() {
    touch "$T/flag/go"
    wait "$SANDBOX_PID"
}

# --- --info-fd ---------------------------------------------------------------------

@test "--info-fd: a JSON object with the child's pid, written before the command runs" {
    start_reporting_sandbox --info-fd "$T/info"
    # The command is running, so the report is already complete.
    local pid
    pid=$(json_number "$T/info" child-pid)
    [[ -n $pid ]] || fail "no child-pid in: $(cat "$T/info")"
    json_valid "$T/info"
    [[ -d /proc/$pid ]] || fail "child-pid $pid is not a running process"
    finish_sandbox
}

@test "--info-fd: child-pid is a host pid whose namespaces are the ones reported" {
    skip_in_setuid_mode "the caller may not look into a namespace root created"
    start_reporting_sandbox --info-fd "$T/info" --unshare-ipc --unshare-uts --unshare-net
    local pid type key want got
    pid=$(json_number "$T/info" child-pid)
    [[ -n $pid ]] || fail "no child-pid in: $(cat "$T/info")"
    # hutch's PID 1 is not dumpable (its /proc/PID/exe is hutch's binary),
    # so a caller without CAP_SYS_PTRACE reads the namespaces of the
    # command, its child, which shares them all.
    local nspid=$pid
    if [[ ! -r /proc/$pid/ns/mnt ]] && ! stat -L "/proc/$pid/ns/mnt" >/dev/null 2>&1; then
        nspid=$(pgrep -P "$pid" | head -n 1)
        [[ -n $nspid ]] || fail "no child of $pid"
    fi
    for type in mnt pid ipc uts net; do
        key=$type-namespace
        want=$(json_number "$T/info" "$key")
        [[ -n $want ]] || fail "no $key in: $(cat "$T/info")"
        got=$(stat -L -c %i "/proc/$nspid/ns/$type")
        [[ $got == "$want" ]] || fail "$key: reported $want, /proc/$pid/ns/$type is $got"
        [[ $got != $(stat -L -c %i "/proc/self/ns/$type") ]] ||
            fail "$type namespace is the host's"
    done
    finish_sandbox
}

@test "--info-fd: the command's own namespaces match the report" {
    run --separate-stderr hutch_sh --unshare-net --info-fd 3 \
        'stat -L -c %i /proc/self/ns/net /proc/self/ns/mnt' 3>"$T/info"
    assert_success
    [[ ${lines[0]} == "$(json_number "$T/info" net-namespace)" ]] ||
        fail "net: ${lines[0]} vs $(cat "$T/info")"
    [[ ${lines[1]} == "$(json_number "$T/info" mnt-namespace)" ]] ||
        fail "mnt: ${lines[1]} vs $(cat "$T/info")"
}

@test "--info-fd: the descriptor is closed for the command" {
    run --separate-stderr hutch_sh --info-fd 3 \
        '[ -e /proc/$$/fd/3 ] && echo open || echo closed' 3>"$T/info"
    assert_success
    assert_output closed
    [[ -s $T/info ]] || fail "nothing was written"
}

# --- --json-status-fd -------------------------------------------------------------------

@test "--json-status-fd: first a line with child-pid, last { \"exit-code\": N }" {
    run --separate-stderr hutch_sh --json-status-fd 3 'exit 3' 3>"$T/status"
    assert_status 3
    json_valid "$T/status"
    local first last
    first=$(head -n 1 "$T/status")
    last=$(tail -n 1 "$T/status")
    [[ $first =~ ^\{.*\"child-pid\":\ *[0-9]+ ]] || fail "first line: $first"
    [[ $last =~ ^\{\ *\"exit-code\":\ *3\ *\}$ ]] || fail "last line: $last"
}

@test "--json-status-fd: the first line also names the namespaces" {
    run --separate-stderr hutch_sh --json-status-fd 3 'exit 0' 3>"$T/status"
    assert_success
    local first
    first=$(head -n 1 "$T/status")
    [[ $first == *'"mnt-namespace"'* && $first == *'"pid-namespace"'* ]] ||
        fail "first line: $first"
}

@test "--json-status-fd: the first line is written while the command runs, the exit code after" {
    start_reporting_sandbox --json-status-fd "$T/status"
    [[ $(json_number "$T/status" child-pid) =~ ^[0-9]+$ ]] || fail "status: $(cat "$T/status")"
    ! grep -q exit-code "$T/status" || fail "exit-code before the end: $(cat "$T/status")"
    finish_sandbox
    grep -q '"exit-code": *0' "$T/status" || fail "status: $(cat "$T/status")"
}

@test "--json-status-fd: a command killed by a signal reports 128+N" {
    run --separate-stderr hutch_sh --json-status-fd 3 'kill -9 $$' 3>"$T/status"
    assert_status 137
    [[ $(tail -n 1 "$T/status") =~ ^\{\ *\"exit-code\":\ *137\ *\}$ ]] ||
        fail "status: $(cat "$T/status")"
}

@test "--json-status-fd: no exit-code when the command never started" {
    run --separate-stderr "$HUTCH" "${SB[@]}" --setenv PATH /usr/bin:/bin \
        --json-status-fd 3 -- nonexistentcmd 3>"$T/status"
    assert_status 1
    assert_error_line "execvp nonexistentcmd: *"
    ! grep -q exit-code "$T/status" || fail "status: $(cat "$T/status")"
}

@test "--json-status-fd: the descriptor is closed for the command" {
    run --separate-stderr hutch_sh --json-status-fd 3 \
        '[ -e /proc/$$/fd/3 ] && echo open || echo closed' 3>"$T/status"
    assert_success
    assert_output closed
}

@test "--info-fd and --json-status-fd report the same child" {
    run --separate-stderr hutch_sh --info-fd 3 --json-status-fd 4 'true' 3>"$T/info" 4>"$T/status"
    assert_success
    local a b
    a=$(json_number "$T/info" child-pid)
    b=$(json_number "$T/status" child-pid)
    [[ -n $a && $a == "$b" ]] || fail "info $a, status $b"
}
