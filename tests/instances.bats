#!/usr/bin/env bats
# Running sandboxes: --name, --list, --enter, --stop (instance.c, enter.c).
#
# Each test has a state directory of its own ($XDG_RUNTIME_DIR/hutch under
# the test's directory), so that the sandboxes of other runs on the machine
# never show.

setup() {
    load helpers
    hutch_setup
    hutch_only "running sandboxes are hutch's"
    export XDG_RUNTIME_DIR=$T/xdg
    mkdir -m 700 "$XDG_RUNTIME_DIR"
    STATE=$XDG_RUNTIME_DIR/hutch
    OTHER_UID=
}

teardown() {
    hutch_teardown
}

# start NAME [OPTIONS...] -- COMMAND... : a default sandbox named NAME in the
# background (its stdout in $T/NAME.out), listed once it returns; $MON is
# its hutch's PID.
start() {
    local name=$1
    shift
    "$HUTCH" --quiet --name "$name" "$@" >"$T/$name.out" 2>"$T/$name.err" &
    MON=$!
    track_pid "$MON"
    wait_until 20 listed "$name" || fail "sandbox $name never listed" "$(cat "$T/$name.err")"
}

listed() {
    "$HUTCH" --list 2>/dev/null | awk -v n="$1" '$1 == n { found = 1 } END { exit !found }'
}

# The value of KEY of the --list=json entry named NAME.
json_of() {
    "$HUTCH" --list=json | /usr/bin/python3 -c '
import json, sys
for e in json.load(sys.stdin):
    if e["name"] == sys.argv[1]:
        print(e[sys.argv[2]])' "$1" "$2"
}

# What a process sees of its sandbox: root (a marker file only its /tmp
# has), PID namespace and PID 1, hostname, ids, namespaces, confinement.
VIEW='cat /tmp/marker; readlink /proc/self/ns/pid /proc/self/ns/user /proc/self/ns/mnt \
/proc/self/ns/net /proc/self/ns/uts /proc/self/ns/ipc /proc/self/ns/cgroup; \
cut -d" " -f1-2 /proc/1/stat; uname -n; id -u; id -g; pwd; \
grep -E "^(CapEff|CapPrm|CapBnd|Seccomp|Seccomp_filters|NoNewPrivs):" /proc/self/status; \
ulimit -n'

@test "--enter: a named default sandbox's root, PID 1, hostname, ids and confinement, as its command has them" {
    skip_in_setuid_mode "--enter is refused there (tested below)"
    start box -- sh -c "echo inside-$$ >/tmp/marker; $VIEW >/tmp/view; cat /tmp/view; exec sleep 300"
    wait_until 10 file_nonempty "$T/box.out"
    run --separate-stderr "$HUTCH" --enter box -- sh -c "$VIEW"
    assert_success
    [[ $output == "$(cat "$T/box.out")" ]] ||
        fail "the entered view differs from the command's:" "$(diff <(echo "$output") "$T/box.out")"
    assert_output_contains "inside-$$"
    assert_output_contains $'\nhutch\n'       # the default sandbox's hostname
    assert_output_matches $'\n1 \\(hutch\\)\n' # PID 1 of its PID namespace
    assert_output_contains "Seccomp:	2"
    assert_output_contains "NoNewPrivs:	1"
    is_root || assert_output_contains "CapEff:	0000000000000000"
    [[ $output != *"$(host_ns pid)"* && $output != *"$(host_ns mnt)"* ]] ||
        fail "the entered command is in a host namespace"
    assert_no_path /tmp/marker-never
    [[ ! -e /tmp/marker || $(cat /tmp/marker) != "inside-$$" ]] || fail "the marker is on the host"
}

@test "--enter: the nested user namespace of --uid, the sandbox's environment plus TERM, rlimits, status" {
    skip_in_setuid_mode "--enter is refused there"
    start env1 --setenv FOO from-sandbox --unsetenv BAR --uid 4321 --rlimit nofile=77 \
        -- sh -c 'readlink /proc/self/ns/user; id -u; exec sleep 300'
    wait_until 10 file_nonempty "$T/env1.out"
    BAR=host TERM=xterm-from-client run --separate-stderr "$HUTCH" --enter env1 -- \
        sh -c 'readlink /proc/self/ns/user; id -u; echo "FOO=$FOO BAR=${BAR-unset} TERM=$TERM"; ulimit -n; exit 7'
    assert_status 7
    [[ $output == "$(cat "$T/env1.out")"$'\n'"FOO=from-sandbox BAR=unset TERM=xterm-from-client"$'\n'77 ]] ||
        fail "unexpected view:" "$output" "command's: $(cat "$T/env1.out")"
}

@test "--enter: a command killed by a signal gives 128+N; SIGTERM to hutch --enter reaches it" {
    skip_in_setuid_mode "--enter is refused there"
    start sig -- sleep 300
    run "$HUTCH" --enter sig -- sh -c 'kill -KILL $$'
    assert_status 137
    "$HUTCH" --enter sig -- sh -c 'echo $$ >/tmp/entered; trap "echo got-term >/tmp/term; exit 3" TERM; while :; do sleep 0.1; done' >/dev/null 2>&1 &
    local client=$!
    track_pid "$client"
    wait_until 10 "$HUTCH" --enter sig -- test -s /tmp/entered
    kill -TERM "$client"
    local st=0
    wait "$client" || st=$?
    ((st == 3)) || fail "expected the entered command's status 3, got $st"
    run "$HUTCH" --enter sig -- cat /tmp/term
    assert_output "got-term"
}

@test "--enter is refused in the setuid mode, with one line" {
    setuid_mode || skip "only the setuid mode refuses it"
    start suid -- sleep 300
    expect_error "--enter is not available in the setuid mode*" --enter suid -- true
    listed suid || fail "the sandbox went away"
}

@test "--enter: another user's sandbox is not found, by name or by PID" {
    skip_unless_root
    start mine -- sleep 300
    # Another uid (no account needed), with this test's environment: its
    # state directory is not this one (not its own), so nothing of root's shows.
    run --separate-stderr setpriv --reuid 54321 --regid 54321 --clear-groups -- \
        "$HUTCH" --enter mine -- true
    assert_status 1
    assert_error_line "--enter: no running sandbox of yours is named mine (see * --list)"
    run --separate-stderr setpriv --reuid 54321 --regid 54321 --clear-groups -- \
        "$HUTCH" --enter "$MON" -- true
    assert_status 1
    assert_error_line "--enter: PID $MON is not a running sandbox of yours (see * --list)"
    run --separate-stderr setpriv --reuid 54321 --regid 54321 --clear-groups -- "$HUTCH" --list
    [[ $output != *mine* ]] || fail "another user lists root's sandbox: $output"
    run --separate-stderr setpriv --reuid 54321 --regid 54321 --clear-groups -- \
        "$HUTCH" --stop mine
    assert_status 1
    listed mine || fail "another user stopped root's sandbox"
    assert_no_path /tmp/hutch-54321
}

@test "--stop: every process of the sandbox ends, hutch exits as on SIGTERM, no state is left" {
    start st -- sh -c 'sleep 300 & sleep 301 & echo $$; wait'
    local child
    child=$(json_of st child-pid)
    wait_until 10 file_nonempty "$T/st.out"
    local pids
    pids=$(pgrep -f 'sleep 30[01]' -P "$(pgrep -P "$child" -d, || echo 0)" -d ' ' || true)
    run --separate-stderr "$HUTCH" --stop st
    assert_success
    assert_stderr_empty
    pid_gone "$MON" || fail "hutch still runs after --stop returned"
    local st=0
    wait "$MON" || st=$?
    ((st == 143)) || fail "expected hutch to exit 143, got $st"
    pid_gone "$child" || fail "the sandbox's PID 1 survived"
    for p in $pids; do pid_gone "$p" || fail "process $p survived"; done
    [[ -z $(ls -A "$STATE") ]] || fail "state left: $(ls -A "$STATE")"
    run "$HUTCH" --list
    assert_output_not_contains " st "
}

@test "an unnamed sandbox is listed once it has run 0.1 s, entered and stopped by its PID" {
    "$HUTCH" --quiet -- sh -c 'echo $$; exec sleep 300' >"$T/unnamed.out" 2>&1 &
    MON=$!
    track_pid "$MON"
    unnamed_listed() { "$HUTCH" --list | awk -v p="$MON" '$1 == "-" && $2 == p { f = 1 } END { exit !f }'; }
    wait_until 20 unnamed_listed || fail "never listed: $("$HUTCH" --list)"
    if ! setuid_mode; then
        run --separate-stderr "$HUTCH" --enter "$MON" -- sh -c 'readlink /proc/self/ns/pid; ps -o comm= -p 2 2>/dev/null || cat /proc/2/comm'
        assert_success
        [[ ${lines[0]} != "$(host_ns pid)" && ${lines[1]} == sleep ]] || fail "not in the sandbox:" "$output"
    fi
    run --separate-stderr "$HUTCH" --stop "$MON"
    assert_success
    local st=0
    wait "$MON" || st=$?
    ((st == 143)) || fail "expected 143, got $st"
    [[ -z $(ls -A "$STATE") ]] || fail "state left: $(ls -A "$STATE")"
}

@test "--stop: SIGKILL after --grace for a command that ignores SIGTERM; by PID too" {
    start stubborn -- sh -c 'trap "" TERM; echo ready; while :; do sleep 0.1; done'
    wait_until 10 file_nonempty "$T/stubborn.out"
    local t0=$SECONDS
    run --separate-stderr "$HUTCH" --stop "$MON" --grace 0.5
    assert_success
    ((SECONDS - t0 < 10)) || fail "--stop took too long"
    local st=0
    wait "$MON" || st=$?
    ((st == 137)) || fail "expected hutch to exit 137 (SIGKILL), got $st"
    [[ -z $(ls -A "$STATE") ]] || fail "state left: $(ls -A "$STATE")"
}

@test "50 named sandboxes are listed while they run, and none after" {
    local i mons=()
    for i in $(seq 1 50); do
        "$HUTCH" --quiet --name "n$i" -- sleep 300 >/dev/null 2>&1 &
        mons+=($!)
        track_pid "$!"
    done
    count() { [[ $("$HUTCH" --list=json | /usr/bin/python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') == "$1" ]]; }
    wait_until 60 count 50 || fail "not 50 sandboxes listed: $("$HUTCH" --list)"
    run "$HUTCH" --list=json
    assert_success
    local want got
    want=$(for i in $(seq 1 50); do echo "n$i ${mons[i - 1]}"; done | sort)
    got=$(/usr/bin/python3 -c 'import json,sys
for e in json.loads(sys.argv[1]): print(e["name"], e["pid"], " ".join(e["command"]), e["network"], ",".join(e["namespaces"]))' "$output")
    [[ $(awk '{ print $1, $2 }' <<<"$got" | sort) == "$want" ]] || fail "wrong list:" "$got"
    [[ $(awk '$3 == "sleep" && $4 == "300" && $5 == "none" && $6 ~ /pid/' <<<"$got" | wc -l) == 50 ]] ||
        fail "wrong fields:" "$got"
    kill -TERM "${mons[@]}"
    for i in "${mons[@]}"; do wait "$i" || true; done
    run "$HUTCH" --list=json
    assert_output "[]"
    [[ -z $(ls -A "$STATE") ]] || fail "state left: $(ls -A "$STATE")"
}

@test "a SIGKILLed monitor's sandbox is never listed, its entry is removed and its name free again" {
    start killed -- sleep 300
    local child
    child=$(json_of killed child-pid)
    kill -KILL "$MON"
    wait "$MON" || true
    run "$HUTCH" --list
    assert_output_not_contains "killed"
    # --die-with-parent of the default sandbox: its processes go too.
    wait_until 10 pid_gone "$child" || kill -KILL "$child"
    [[ -z $(ls -A "$STATE") ]] || fail "stale state left: $(ls -A "$STATE")"
    start killed -- sleep 300
    run "$HUTCH" --stop killed
    assert_success
}

@test "hostile entries are ignored and never followed: symlinks, foreign PIDs, bad names" {
    start real -- sleep 300
    local start1
    start1=$(awk '{ sub(/.*\) /, ""); print $20 }' /proc/1/stat)
    ln -s /etc/passwd "$STATE/99999.1"
    ln -s /etc "$STATE/99998.1.sock"
    # Locked by a process that is not the one it names (PID 1).
    printf 'hutch-instance 1\npid=1\nchild=1\nstarted=0\npidns=1\nname=evil\nnamespaces=pid\nnet=none\ncommand\nx\0' \
        >"$STATE/1.$start1"
    /usr/bin/python3 -c 'import fcntl,sys,time; f=open(sys.argv[1],"r+"); fcntl.lockf(f, fcntl.LOCK_EX); print("locked", flush=True); time.sleep(60)' \
        "$STATE/1.$start1" >"$T/locker" 2>&1 &
    track_pid $!
    wait_until 10 file_nonempty "$T/locker"
    # A name with a slash, in an entry whose lock is free (stale: removed).
    printf 'hutch-instance 1\npid=%d\nname=a/b\ncommand\nx\0' $$ >"$STATE/$$.1"
    run --separate-stderr "$HUTCH" --list
    assert_success
    assert_output_contains "real"
    assert_output_not_contains "evil"
    assert_output_not_contains "a/b"
    [[ $(wc -l <<<"$output") == 2 ]] || fail "only the header and one sandbox expected:" "$output"
    [[ -L $STATE/99999.1 && -e /etc/passwd ]] || fail "the symlink or its target changed"
    assert_no_path "$STATE/$$.1"
    expect_error "--stop: PID 1 is not a running sandbox of yours (see * --list)" --stop 1
    expect_error "--stop: no running sandbox of yours is named evil (see * --list)" --stop evil
}

@test "a state directory that is not the caller's alone: --name refused with one line, others run unlisted" {
    rm -r "$XDG_RUNTIME_DIR"
    mkdir -m 700 "$XDG_RUNTIME_DIR"
    mkdir -m 755 "$XDG_RUNTIME_DIR/hutch"
    expect_error "Can't use the state directory $XDG_RUNTIME_DIR/hutch (it must be a directory of yours, mode 0700; or set XDG_RUNTIME_DIR): Operation not permitted" \
        --quiet --name x -- touch "$T/ran"
    assert_no_path "$T/ran"
    [[ -z $(ls -A "$XDG_RUNTIME_DIR/hutch") ]] || fail "hutch wrote into it"
    rmdir "$XDG_RUNTIME_DIR/hutch"
    mkdir -m 700 "$T/elsewhere"
    ln -s "$T/elsewhere" "$XDG_RUNTIME_DIR/hutch"
    expect_error "Can't use the state directory $XDG_RUNTIME_DIR/hutch (*" --quiet --name y -- true
    run --separate-stderr "$HUTCH" --ro-bind / / --bind "$T" "$T" --unshare-pid -- touch "$T/ran"
    assert_success
    assert_stderr_empty
    [[ -e $T/ran ]] || fail "the unnamed sandbox did not run"
    [[ -z $(ls -A "$T/elsewhere") ]] || fail "hutch wrote through the symlink"
    expect_error "Can't use the state directory $XDG_RUNTIME_DIR/hutch (*" --list
}

@test "a hutch inside a read-only sandbox runs unlisted (nowhere to write), a named one says why" {
    skip_in_setuid_mode "a setuid hutch can't run inside a sandbox (no_new_privs)"
    run --separate-stderr "$HUTCH" --ro-bind / / --dev /dev --proc /proc --unshare-pid \
        -- "$HUTCH" --ro-bind / / --unshare-pid -- echo nested
    assert_success
    assert_output "nested"
    assert_stderr_empty
    run --separate-stderr "$HUTCH" --ro-bind / / --dev /dev --proc /proc --unshare-pid \
        --setenv XDG_RUNTIME_DIR /nonexistent \
        -- "$HUTCH" --name inner --ro-bind / / --unshare-pid -- echo never
    assert_status 1
    assert_error_line "Can't *: Read-only file system"
    [[ $output != *never* ]] || fail "the named sandbox ran"
}

@test "--name and --info-fd, --json-status-fd: the name is reported" {
    run "$HUTCH" --quiet --name reported --info-fd 3 --json-status-fd 4 -- true 3>"$T/info" 4>"$T/json"
    assert_success
    grep -q '"name": "reported"' "$T/info" || fail "no name in --info-fd: $(cat "$T/info")"
    grep -q '"name": "reported"' "$T/json" || fail "no name in --json-status-fd: $(cat "$T/json")"
    run "$HUTCH" --quiet --info-fd 3 -- true 3>"$T/info2"
    ! grep -q '"name"' "$T/info2" || fail "a name without --name"
}

@test "bad inputs: bad names, a duplicate name, nothing to enter, a PID not ours, a stop without a PID namespace" {
    expect_error '--name: "a/b" is not a valid name (*' --name a/b -- true
    expect_error '--name: "" is not a valid name (*' --name "" -- true
    expect_error '--name: ".." is not a valid name (*' --name .. -- true
    expect_error "--name: \"$(printf 'x%.0s' {1..65})\" is not a valid name (*" \
        --name "$(printf 'x%.0s' {1..65})" -- true
    start dup -- sleep 300
    expect_error "--name: a sandbox named dup is already running (monitor PID $MON); *" \
        --quiet --name dup -- touch "$T/ran"
    assert_no_path "$T/ran"
    if setuid_mode; then
        expect_error "--enter is not available in the setuid mode*" --enter nothing
    else
        expect_error "--enter: no running sandbox of yours is named nothing (see * --list)" --enter nothing
        expect_error '--enter: "a/b" is neither a sandbox name (*' --enter a/b
    fi
    expect_error "--stop: no running sandbox of yours is named nothing (see * --list)" --stop nothing
    expect_error "--stop: PID $$ is not a running sandbox of yours (see * --list)" --stop $$
    expect_error '--stop: "a/b" is neither a sandbox name (*' --stop a/b
    expect_error "--list takes no other option" --list --unshare-pid
    expect_error "--stop takes no other option but --grace SECONDS" --stop dup --unshare-net
    expect_error "--grace goes with --stop" --grace 1 --quiet -- true
    expect_error '--grace: invalid duration "soon" (*' --stop dup --grace soon
    expect_error "--list: only one of --list, --enter and --stop at a time" --stop dup --list
    "$HUTCH" --name nopid --ro-bind / / --die-with-parent -- sleep 300 >/dev/null 2>&1 &
    local nopid=$!
    track_pid "$nopid"
    wait_until 20 listed nopid
    expect_error "--stop: the sandbox has no PID namespace of its own*" --stop nopid
    pid_alive "$nopid" || fail "the refused --stop stopped it"
    listed dup || fail "a refusal stopped dup"
}
