#!/usr/bin/env bats
# PID 1, signals and waits (issue 24, part A): PID 1 of the sandbox gives
# the command nothing (it can't be written, it runs with the command's
# limits), no signal of the command's reaches the caller's process group,
# the caller's terminal goes to the sandbox and comes back, every wait of
# the setup ends on a signal, and an error of PID 1's or the monitor's is
# hutch's error, never the command's status.
#
# The attacks run through tests/escape-probe (tests/escape-probe.c).

setup() {
    load helpers
    hutch_setup
    PROBE=$(test_program escape-probe "${ESCAPE_PROBE:-}") ||
        fail "tests/escape-probe is not built: run make check (or make tests/escape-probe)"
    P=/probe/escape-probe
    BASE=("${SYSDIRS[@]}" --ro-bind "${PROBE%/*}" /probe --proc /proc --dev /dev --unshare-pid)
    # The command as root without capabilities, or in a user namespace of
    # its own as uid 1000: never more than PID 1's uid without privilege.
    AS=(default)
    if is_root; then
        AS=(nocaps userns)
    fi
}

teardown() {
    hutch_teardown
}

# as_args VARIANT : the options of one way of running the command
as_args() {
    case $1 in
    default) ARGS=() ;;
    nocaps) ARGS=(--cap-drop ALL) ;;
    userns) ARGS=(--unshare-user --uid 1000 --gid 1000) ;;
    esac
}

# assert_all_refused : every line of $output is an errno name
assert_all_refused() {
    local line
    [[ -n $output ]] || fail "no output" "$(_show_run)"
    for line in "${lines[@]}"; do
        [[ $line =~ ^E[A-Z0-9]+$ ]] || fail "an attack succeeded: $line" "$(_show_run)"
    done
}

# --- PID 1 gives the command nothing ------------------------------------------------

# bwrap: its PID 1 is dumpable, so the command writes its memory.
@test "the command can't write PID 1's memory nor read its registers" {
    local v
    for v in "${AS[@]}"; do
        as_args "$v"
        run --separate-stderr "$HUTCH" "${BASE[@]}" "${ARGS[@]}" -- /bin/sh -c "
            $P mem-w 1; $P vm-write 1; $P read-fd -100 /proc/1/syscall; $P read-fd -100 /proc/1/mem"
        assert_success
        ((${#lines[@]} == 4)) || fail "$v: expected 4 answers" "$(_show_run)"
        # EFAULT from process_vm_writev means the kernel let it reach PID 1.
        assert_all_refused
        [[ ${lines[1]} != EFAULT ]] || fail "$v: process_vm_writev reached PID 1" "$(_show_run)"
    done
}

@test "PID 1 is not dumpable: its /proc files are root's, not the caller's" {
    skip_if_root
    "$HUTCH" "${BASE[@]}" --bind "$T" "$T" --info-fd 3 -- /bin/sh -c "touch '$T/up'; exec sleep 30" 3>"$T/info" &
    track_pid $!
    wait_until 10 file_exists "$T/up" || fail "the sandbox did not start"
    local pid1
    pid1=$(sed -n 's/.*"child-pid": *\([0-9]*\).*/\1/p' "$T/info")
    [[ -n $pid1 && -d /proc/$pid1 ]] || fail "no PID 1: $(cat "$T/info")"
    [[ $(awk '/^Uid:/ { print $2 }' "/proc/$pid1/status") == "$EUID" ]] || fail "PID 1 is not the caller's"
    # A dumpable process's /proc/PID/mem belongs to its uid; a
    # non-dumpable one's to root.
    run stat -c %u "/proc/$pid1/mem"
    assert_success
    assert_output 0
}

# bwrap: has no --rlimit.
@test "PID 1 runs with the command's --rlimit values" {
    hutch_only "--rlimit is hutch's"
    run --separate-stderr "$HUTCH" "${BASE[@]}" --rlimit nofile=50:60 --rlimit core=0 -- /bin/sh -c '
        grep -E "^Max (open files|core file size)" /proc/1/limits | tr -s " "
        grep -E "^Max (open files|core file size)" /proc/self/limits | tr -s " "'
    assert_success
    assert_output "Max core file size 0 0 bytes 
Max open files 50 60 files 
Max core file size 0 0 bytes 
Max open files 50 60 files "
}

# --- kill(0) and the caller's process group -----------------------------------------

# in_group SCRIPT : run bash SCRIPT as the leader of a new process group
# (and session), with a sibling sleeper of that group; prints the script's
# output, then whether the group's shell and the sleeper are still there.
in_group() {
    setsid -w bash -c '
        sleep 60 </dev/null >/dev/null 2>&1 & s=$!
        '"$1"'
        echo "hutch=$?"
        if kill -0 $s 2>/dev/null; then echo "sleeper alive"; else echo "sleeper killed"; fi
        kill $s 2>/dev/null
        echo "shell alive"' </dev/null
}

# bwrap: without --new-session the command shares the caller's process
# group, and kill(0) kills the caller's job.
@test "with --unshare-pid, kill(0) and the caller's group id reach nothing outside the sandbox" {
    skip_unless_cmd setsid
    local extra name
    for extra in "" --as-pid-1; do
        name=${extra:-reaper}
        # (setsid: the caller's shell leads its group, whose id is its pid.)
        run --separate-stderr in_group "
            $(printf '%q ' "$HUTCH" "${BASE[@]}" $extra) -- /bin/sh -c \"
                $P pgrp; $P kill -\$\$ 9; $P kill 0 0; kill -TERM 0; echo survived\""
        assert_success
        has_line "sleeper alive" "$output" || fail "$name: the caller's group was signalled" "$(_show_run)"
        has_line "shell alive" "$output" || fail "$name: the caller's shell was killed" "$(_show_run)"
        # The command's group is its own, and the caller's is not there.
        [[ ${lines[0]} == "pgid=1 sid=0 "* ]] || fail "$name: the command's group: ${lines[0]}" "$(_show_run)"
        [[ ${lines[1]} == ESRCH ]] || fail "$name: the caller's group is reachable: ${lines[1]}" "$(_show_run)"
        [[ ${lines[2]} == ok ]] || fail "$name: kill(0) reached nothing at all" "$(_show_run)"
        if [[ -z $extra ]]; then
            # kill -TERM 0 reached the command's own group: the command.
            ! has_line "survived" "$output" || fail "kill -TERM 0 did not reach the command" "$(_show_run)"
            has_line "hutch=143" "$output" || fail "hutch did not exit as its command" "$(_show_run)"
        fi
    done
}

@test "--new-session: the command's session (and group) are its own, as before" {
    # (The command, pid 2, leads a session of its own.)
    run --separate-stderr "$HUTCH" "${BASE[@]}" --new-session -- "$P" pgrp
    assert_success
    assert_output "pgid=2 sid=2 fg=-1"
}

@test "without a PID namespace the command stays in the caller's group (bubblewrap's way)" {
    local pg
    pg=$(ps -o pgid= -p $$ | tr -d ' ')
    run --separate-stderr "$HUTCH" "${SYSDIRS[@]}" --ro-bind "${PROBE%/*}" /probe -- "$P" pgrp
    assert_success
    [[ $output == "pgid=$pg "* ]] || fail "the command left the caller's group $pg" "$(_show_run)"
}

# --- the caller's terminal ----------------------------------------------------------

# in_pty SCRIPT [INPUT-SCRIPT] : bash SCRIPT in a new terminal (script(1)),
# its input from bash INPUT-SCRIPT (default: none for 1 s)
in_pty() {
    SHELL=/bin/bash script -qec "$1" /dev/null < <(bash -c "${2:-sleep 1}")
}

@test "in the foreground of a terminal, the sandbox is the foreground job, and the terminal comes back" {
    skip_unless_cmd script
    local cmd
    cmd=$(printf '%q ' "$HUTCH" "${BASE[@]}" -- "$P" pgrp)
    run in_pty "$PROBE pgrp; $cmd; echo rc=\$?; $PROBE pgrp; read -r -t 1 x; echo read=\$?" "sleep 2"
    local clean=${output//$'\r'/}
    local before inside after
    before=$(sed -n 1p <<<"$clean") inside=$(sed -n 2p <<<"$clean") after=$(sed -n 4p <<<"$clean")
    [[ $inside == "pgid=1 sid=0 fg=1" ]] || fail "inside: $inside (not the foreground group)" "$clean"
    [[ $after == "$before" ]] || fail "the terminal did not come back: $before -> $after" "$clean"
    [[ $before =~ ^pgid=([0-9]+)\ sid=[0-9]+\ fg=([0-9]+)$ && ${BASH_REMATCH[1]} == "${BASH_REMATCH[2]}" ]] ||
        fail "the caller was not in the foreground: $before"
    # A read from the terminal afterwards times out (142) instead of
    # stopping the caller's shell with SIGTTIN.
    [[ $clean == *"rc=0"*"read=142"* ]] || fail "after the run: $clean"
}

@test "in a terminal, Ctrl-C ends the command (and hutch with it) and the terminal comes back" {
    skip_unless_cmd script
    local cmd
    cmd=$(printf '%q ' "$HUTCH" "${BASE[@]}" --bind "$T" "$T" -- /bin/sh -c "touch '$T/started'; exec sleep 30")
    SECONDS=0
    run in_pty "$cmd; echo rc=\$?; $PROBE pgrp" \
        "for i in \$(seq 150); do [ -e '$T/started' ] && break; sleep 0.1; done; sleep 0.5; printf '\\003'; sleep 1"
    local clean=${output//$'\r'/}
    ((SECONDS < 20)) || fail "Ctrl-C did not end the command ($SECONDS s)" "$clean"
    [[ $clean == *"rc=130"* ]] || fail "hutch did not exit as on SIGINT" "$clean"
    [[ $clean =~ pgid=([0-9]+)\ sid=[0-9]+\ fg=([0-9]+) && ${BASH_REMATCH[1]} == "${BASH_REMATCH[2]}" ]] ||
        fail "the terminal did not come back" "$clean"
}

@test "in an interactive shell, Ctrl-Z stops the sandbox as a job and fg resumes it in the foreground" {
    skip_unless_cmd script
    mkfifo "$T/in"
    local cmd
    cmd=$(printf '%q ' "$HUTCH" "${BASE[@]}" --bind "$T" "$T" -- /bin/sh -c \
        "touch '$T/started'; while [ ! -e '$T/go' ]; do sleep 0.1; done; echo fin\${x}ished; $P pgrp")
    TERM=dumb SHELL=/bin/bash script -qec "bash --norc --noprofile -i" /dev/null <"$T/in" >"$T/out" 2>&1 3>&- &
    track_pid $!
    exec 7>"$T/in"
    echo "$cmd" >&7
    wait_until 15 file_exists "$T/started" || fail "the sandbox did not start" "$(cat "$T/out")"
    sleep 0.5
    printf '\032' >&7
    wait_until 15 grep -q Stopped "$T/out" || fail "the shell saw no stopped job" "$(cat "$T/out")"
    # Stopped: the command does not go on when told to.
    touch "$T/go"
    sleep 1
    ! grep -q finished "$T/out" || fail "the command ran on while its job was stopped" "$(cat "$T/out")"
    echo fg >&7
    wait_until 15 grep -q finished "$T/out" || fail "fg did not resume the command" "$(cat "$T/out")"
    wait_until 5 grep -q "fg=1" "$T/out" || fail "after fg the sandbox is not in the foreground" "$(cat "$T/out")"
    echo exit >&7
    exec 7>&-
}

@test "in an interactive shell, a sandbox started in the background stops on a read of the terminal; fg gives it the terminal" {
    skip_unless_cmd script
    mkfifo "$T/in"
    local cmd
    cmd=$(printf '%q ' "$HUTCH" "${BASE[@]}" --bind "$T" "$T" -- /bin/sh -c \
        "touch '$T/started'; read -r x; echo \"g\"ot:\$x; $P pgrp")
    TERM=dumb SHELL=/bin/bash script -qec "bash --norc --noprofile -i" /dev/null <"$T/in" >"$T/out" 2>&1 3>&- &
    track_pid $!
    exec 7>"$T/in"
    echo "$cmd &" >&7
    wait_until 15 file_exists "$T/started" || fail "the sandbox did not start" "$(cat "$T/out")"
    # Its read from the terminal stops the job, as for any background job.
    echo jobs >&7
    wait_until 15 grep -q Stopped "$T/out" || fail "the shell saw no stopped job" "$(cat "$T/out")"
    echo fg >&7
    sleep 1
    echo hello >&7
    wait_until 15 grep -q "got:hello" "$T/out" || fail "the command did not read the terminal after fg" "$(cat "$T/out")"
    wait_until 5 grep -q "fg=1" "$T/out" || fail "after fg the sandbox is not in the foreground" "$(cat "$T/out")"
    echo exit >&7
    exec 7>&-
}

# --- every wait of the setup ends on a signal, no open blocks ----------------------

# bwrap: opens a fifo there for reading and waits for a writer.
@test "a fifo at a --lock-file or --file destination is refused at once, not waited on" {
    mkdir "$T/d"
    mkfifo "$T/d/fifo"
    SECONDS=0
    expect_error "Unable to lock file $T/d/fifo: not a regular file or a directory" \
        --ro-bind / / --bind "$T/d" "$T/d" --lock-file "$T/d/fifo" -- touch "$T/ran"
    assert_no_path "$T/ran"
    expect_error "Can't create file $T/d/fifo: it exists and is not a regular file" \
        --ro-bind / / --bind "$T/d" "$T/d" --file 3 "$T/d/fifo" -- touch "$T/ran" 3</dev/null
    assert_no_path "$T/ran"
    [[ -p $T/d/fifo ]] || fail "the fifo was replaced"
    ((SECONDS < 10)) || fail "took $SECONDS s"
}

# wait_ends SIGNAL OPTIONS... : hutch with OPTIONS whose setup waits on an fd
# (3, a fifo nobody writes) ends on SIGNAL: exits 128+N, the command never
# ran, nothing of the run is left
wait_ends() {
    local sig=$1
    shift
    [[ -p $T/p ]] || mkfifo "$T/p"
    rm -f "$T/ran" "$T/json"
    (
        exec 3<>"$T/p"
        exec "$HUTCH" "$@" --json-status-fd 4 -- /bin/sh -c "touch '$T/ran'" 4>"$T/json" 5>"$T/info"
    ) 3>&- &
    local pid=$!
    track_pid $pid
    wait_until 10 file_nonempty "$T/json" || fail "hutch did not start"
    sleep 0.3
    kill -"$sig" $pid
    local status=0 started=$SECONDS
    wait $pid || status=$?
    ((SECONDS - started < 10)) || fail "$sig took $((SECONDS - started)) s"
    local want
    want=$((128 + $(kill -l "$sig")))
    ((status == want)) || fail "$*: exit $status on SIG$sig, expected $want"
    assert_no_path "$T/ran"
    ! grep -q exit-code "$T/json" || fail "an exit-code was reported: $(cat "$T/json")"
    # Nothing of the run is left: no process holds the fifo.
    ! fuser "$T/p" >/dev/null 2>&1 || fail "a process of the run still holds the fifo"
}

@test "SIGTERM, SIGINT and SIGHUP end a setup that waits on --block-fd, --file or --userns-block-fd" {
    skip_unless_cmd fuser
    local sig
    for sig in TERM INT HUP; do
        wait_ends $sig --ro-bind / / --unshare-pid --block-fd 3
        wait_ends $sig --ro-bind / / --block-fd 3
        wait_ends $sig --ro-bind / / --unshare-pid --tmpfs /tmp --file 3 /tmp/f
    done
    if ! setuid_mode; then
        wait_ends TERM --ro-bind / / --unshare-user --info-fd 5 --userns-block-fd 3
    fi
}

# --- errors of PID 1's and the monitor's are hutch's, never the command's status ---

# The injector of tests/fault-sweep.sh fails one system call of one process.
build_injector() {
    skip_unless_root
    skip_unless_cmd cc
    INJECT=$BATS_FILE_TMPDIR/fault-inject
    [[ -x $INJECT ]] || cc -std=gnu11 -O2 -o "$INJECT" "$BATS_TEST_DIRNAME/fault-sweep/inject.c" ||
        fail "can't build the injector"
}

# nth_call LOG PROC NR [pipe] : the index of PROC's first system call NR
nth_call() {
    awk -v p="$2" -v nr="$3" -v pipe="${4:-}" \
        '$1 == "call" && $2 == p && $4 == nr && (pipe == "" || $5 == pipe) { print $3; exit }' "$1"
}

# record OPTIONS... : run hutch once as inject() does, every call logged
# in $T/rec.log
record() {
    "$INJECT" -T 20 -l "$T/rec.log" -v -- \
        "$HUTCH" "$@" --bind "$T" "$T" --json-status-fd 3 -- /bin/sh -c "touch '$T/ran'" 3>"$T/json" ||
        fail "the run without a failure failed"
    [[ -e $T/ran ]] || fail "the command did not run without a failure"
}

# inject PROC:INDEX:ERRNO OPTIONS... : run hutch once with that call failed
inject() {
    local point=$1
    shift
    rm -f "$T/json" "$T/ran"
    run --separate-stderr "$INJECT" -T 20 -l "$T/inject.log" -f "$point" -- \
        "$HUTCH" "$@" --bind "$T" "$T" --json-status-fd 3 -- /bin/sh -c "touch '$T/ran'" 3>"$T/json"
    local where=${point%:*}
    grep -q "^injected ${where/:/ } " "$T/inject.log" || fail "the call $point was not reached"
}

assert_not_the_commands() {
    assert_no_path "$T/ran"
    ! grep -q exit-code "$T/json" || fail "reported as the command's status: $(cat "$T/json")"
}

# inject_nr NR PROC ERRNO OPTIONS... : record a run, then fail PROC's first
# call NR in the next one; false if that index held another call this time
# (the monitor's calls depend on which of its fds wake it first)
inject_nr() {
    local nr=$1 proc=$2 err=$3
    shift 3
    record "$@"
    local point
    point=$(nth_call "$T/rec.log" "$proc" "$nr")
    [[ -n $point ]] || fail "process $proc made no system call $nr"
    inject "$proc:$point:$err" "$@"
    grep -q "^injected $proc $point $nr " "$T/inject.log"
}

@test "a failure of PID 1's confinement is hutch's error: its message, exit 1, no exit-code, no command" {
    hutch_only "the injection points are hutch's"
    build_injector
    local opts=(--ro-bind / / --proc /proc --unshare-pid --rlimit nofile=64)
    # prlimit64 (302) of PID 1 (process 0.1): its --rlimit.
    inject_nr 302 0.1 EPERM "${opts[@]}" || fail "PID 1's prlimit64 was not the call failed"
    assert_status 1
    assert_error_line "Can't set --rlimit nofile=64:64: Operation not permitted"
    assert_not_the_commands
    "$HUTCH" --ro-bind / / --landlock-ro / -- /bin/true 2>/dev/null || skip "no Landlock here"
    # landlock_restrict_self (446) of PID 1.
    inject_nr 446 0.1 EPERM "${opts[@]}" --landlock-ro / --landlock-rw "$T" ||
        fail "PID 1's landlock_restrict_self was not the call failed"
    assert_status 1
    assert_error_line "Can't enforce the Landlock ruleset on PID 1: Operation not permitted"
    assert_not_the_commands
}

@test "a failed wait of the monitor's stops the run with a message instead of hanging" {
    hutch_only "the injection points are hutch's"
    build_injector
    local opts=(--ro-bind / /) i
    for i in 1 2 3 4 5 6; do
        SECONDS=0
        ! inject_nr 61 0 EINVAL "${opts[@]}" || break
        ((i < 6)) || fail "the monitor's wait4 was never the call failed"
    done
    ((SECONDS < 30)) || fail "the monitor hung ($SECONDS s)"
    assert_status 1
    assert_error_line "Can't wait for the sandbox process *: Invalid argument"
    ! grep -q exit-code "$T/json" || fail "reported as the command's status: $(cat "$T/json")"
    # EINTR is retried: the run goes on as without it.
    for i in 1 2 3 4 5 6; do
        ! inject_nr 61 0 EINTR "${opts[@]}" || break
        ((i < 6)) || fail "the monitor's wait4 was never the call failed"
    done
    assert_success
    [[ -e $T/ran ]] || fail "the command did not run"
    grep -q '"exit-code": 0' "$T/json" || fail "no exit-code: $(cat "$T/json")"
}

@test "a failure on the namespace-id pipe says what failed, on either end" {
    hutch_only "the injection points are hutch's"
    build_injector
    local opts=(--ro-bind / / --unshare-pid)
    record "${opts[@]}"
    local point
    # The child's first write to a pipe sends the ids; the monitor's first
    # read of a pipe receives them.
    point=$(nth_call "$T/rec.log" 0.1 1 pipe)
    [[ -n $point ]] || fail "the child wrote to no pipe"
    inject "0.1:$point:EIO" "${opts[@]}"
    assert_status 1
    assert_error_line "Can't send the namespace ids to hutch's monitor: Input/output error"
    assert_not_the_commands
    point=$(nth_call "$T/rec.log" 0 0 pipe)
    [[ -n $point ]] || fail "the monitor read no pipe"
    inject "0:$point:EIO" "${opts[@]}"
    assert_status 1
    assert_error_line "Can't read the namespace ids from the sandbox process: Input/output error"
    assert_not_the_commands
}
