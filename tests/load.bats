#!/usr/bin/env bats
# Load and faults: many sandboxes at once, hutch killed or signalled in the
# middle of a run, a tmpfs that fills up.  Afterwards nothing of the
# sandboxes may be left: no process, no zombie, no mount on the host.

setup() {
    load helpers
    hutch_setup
    MARK="hutch-load-$$-$BATS_TEST_NUMBER"
    ROOT=(--ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib
        --symlink usr/lib64 /lib64 --ro-bind /etc /etc --dev /dev)
}

teardown() {
    pkill -KILL -f -- "$MARK" 2>/dev/null || true
    hutch_teardown
}

# Processes whose command line holds the marker (hutch, its child, the
# command), zombies included.
marked() {
    pgrep -f -- "$MARK"
}

nothing_marked() {
    ! marked >/dev/null
}

assert_nothing_left() {
    wait_until 10 nothing_marked ||
        fail "processes left:" "$(ps -o pid,stat,args -p "$(marked | paste -sd,)")"
}

# The key quota is per uid (kernel.keys.maxkeys, 200 by default): as root,
# the sandboxes run as a uid of their own (root's quota is 1,000,000 and
# not what a user meets).
LOAD_UID=3899999

# keys_of UID : the number of keys UID has (/proc/key-users), 0 if none
keys_of() {
    awk -v u="$1:" '$1 == u { print $2; found = 1 } END { if (!found) print 0 }' /proc/key-users
}

keys_at_most() { (($(keys_of "$1") <= $2)); }

# Issue 17: each sandbox took two keys of the quota, freed only a while
# after it ended; hundreds at once died with "Can't join a new session
# keyring: Disk quota exceeded".
@test "300 sandboxes at once, 5 rounds, default key quota: all succeed, each sees only fds 0-2, nothing left" {
    local as=() uid
    uid=$(id -u)
    if is_root; then
        skip_unless_cmd setpriv
        as=(setpriv --reuid="$LOAD_UID" --regid="$LOAD_UID" --clear-groups --)
        uid=$LOAD_UID
        "${as[@]}" test -x "$HUTCH" || skip "$HUTCH is not executable by uid $LOAD_UID"
        wait_until 30 keys_at_most "$uid" 0 || fail "uid $uid has keys: $(keys_of "$uid")"
    fi
    local before
    before=$(keys_of "$uid")
    # Each run prints one line: what its command saw, or its status and
    # hutch's message.
    # shellcheck disable=SC2016
    run run_closing_fds "${as[@]}" bash -c '
        cd / || exit 1
        hutch=$1 mark=$2; shift 2
        for round in 1 2 3 4 5; do
            seq 300 | xargs -P 300 -I{} sh -c "out=\$(\"\$0\" \"\$@\" 2>&1) && echo \"\$out\" || echo \"exit \$?: \$out\"" \
                "$hutch" "$@" --unshare-pid --proc /proc -- /bin/sh -c "ls /proc/self/fd | tr \"\\n\" \" \"; echo $mark"
        done' _ "$HUTCH" "$MARK" "${ROOT[@]}"
    assert_success
    # ls's own directory fd is the 4th entry (3); nothing else.
    local ok bad
    ok=$(grep -cx "0 1 2 3 $MARK" <<<"$output")
    bad=$(grep -vx "0 1 2 3 $MARK" <<<"$output" | sort | uniq -c | sort -rn | head -n 3)
    [[ $ok -eq 1500 ]] || fail "$ok of 1500 runs succeeded; the others:" "$bad"
    assert_nothing_left
    # No zombie anywhere among the caller's children.
    [[ -z $(ps -o stat= --ppid $$ | grep Z) ]] || fail "zombies left"
    # The sandboxes' keyrings, once the kernel has freed them: counted only
    # for a uid of the test's own (as root), since the other suites of an
    # unprivileged user make and free keys of its quota meanwhile.
    if is_root; then
        wait_until 30 keys_at_most "$uid" "$before" || fail "uid $uid: $(keys_of "$uid") keys, $before before"
    fi
}

@test "hutch's monitor holds as many fds with 1 op as with 100" {
    skip_unless_root # a non-dumpable process's /proc/PID/fd is root's to read
    hutch_only "fd count of hutch's monitor"
    local ops=() i counts=()
    for ((i = 0; i < 100; i++)); do
        ops+=(--dir "/d$i")
    done
    local variant
    for variant in 1 100; do
        mkdir -p "$T/flag$variant"
        run_closing_fds "$HUTCH" "${ROOT[@]}" "${ops[@]:0:$((variant * 2))}" --die-with-parent \
            --bind "$T/flag$variant" /flag -- /bin/sh -c 'touch /flag/up; sleep 30' "$MARK" &
        track_pid $!
        wait_until 10 file_exists "$T/flag$variant/up" || fail "the sandbox did not start"
        counts+=("$(ls /proc/$!/fd | wc -l)")
        kill -KILL $!
    done
    [[ ${counts[0]} -eq ${counts[1]} ]] || fail "fds of the monitor: ${counts[*]}"
    assert_nothing_left
}

@test "SIGKILL to hutch with --die-with-parent --unshare-pid: the whole sandbox goes" {
    mkdir "$T/flag"
    "$HUTCH" "${ROOT[@]}" --unshare-pid --die-with-parent --bind "$T/flag" /flag -- \
        /bin/sh -c '/bin/sh -c "sleep 300; :" "$0" & /bin/sh -c "sleep 300; :" "$0" &
            touch /flag/up; wait' "$MARK" &
    local pid=$!
    track_pid "$pid"
    wait_until 10 file_exists "$T/flag/up" || fail "the sandbox did not start"
    [[ $(marked | wc -l) -ge 5 ]] || fail "expected hutch, PID 1, the shell and its two children"
    kill -KILL "$pid"
    assert_nothing_left
}

@test "SIGKILL to hutch with --die-with-parent, no PID namespace: the command goes" {
    mkdir "$T/flag"
    "$HUTCH" "${ROOT[@]}" --die-with-parent --bind "$T/flag" /flag -- \
        /bin/sh -c 'touch /flag/up; exec sleep 300' "$MARK" &
    local pid=$!
    track_pid "$pid"
    wait_until 10 file_exists "$T/flag/up" || fail "the sandbox did not start"
    kill -KILL "$pid"
    assert_nothing_left
}

# start_trapping SIG : a sandbox whose command exits 7 on SIG, in the
# background, with the signal's default disposition restored (a shell
# starts background jobs with SIGINT ignored).
start_trapping() {
    mkdir -p "$T/flag"
    env --default-signal="$1" "$HUTCH" "${ROOT[@]}" "${@:2}" --bind "$T/flag" /flag -- \
        /bin/sh -c "trap 'echo got-$1 >/flag/got; exit 7' $1; touch /flag/up; while :; do sleep 0.1; done" \
        "$MARK" &
    SANDBOX=$!
    track_pid "$SANDBOX"
    wait_until 10 file_exists "$T/flag/up" || fail "the sandbox did not start"
}

@test "SIGTERM and SIGINT to hutch reach the command; hutch exits with its status" {
    env --help 2>&1 | grep -q default-signal || skip "env lacks --default-signal"
    local sig extra
    for sig in TERM INT; do
        for extra in "" --unshare-pid; do
            rm -rf "$T/flag"
            # shellcheck disable=SC2086
            start_trapping "$sig" $extra
            kill -"$sig" "$SANDBOX"
            local st=0
            wait "$SANDBOX" || st=$?
            [[ $st -eq 7 ]] || fail "SIG$sig ${extra:-(no pid ns)}: hutch exited $st, not 7"
            assert_file_content "$T/flag/got" "got-$sig"
        done
    done
    assert_nothing_left
}

# bubblewrap forwards no signal by default (SIGUSR1 ends bwrap itself);
# its --forward-signals (after 0.11) forwards them.
@test "SIGUSR1 reaches the command only with --forward-signals; without it, it ends hutch" {
    env --help 2>&1 | grep -q default-signal || skip "env lacks --default-signal"
    local extra st
    for extra in "" --unshare-pid; do
        rm -rf "$T/flag"
        # shellcheck disable=SC2086
        start_trapping USR1 $extra --die-with-parent
        kill -USR1 "$SANDBOX"
        st=0
        wait "$SANDBOX" || st=$?
        [[ $st -eq 138 ]] || fail "without --forward-signals ${extra:-(no pid ns)}: hutch exited $st, not 138"
        assert_no_path "$T/flag/got"
        assert_nothing_left
        rm -rf "$T/flag"
        # shellcheck disable=SC2086
        start_trapping USR1 $extra --forward-signals
        kill -USR1 "$SANDBOX"
        st=0
        wait "$SANDBOX" || st=$?
        [[ $st -eq 7 ]] || fail "--forward-signals ${extra:-(no pid ns)}: hutch exited $st, not 7"
        assert_file_content "$T/flag/got" "got-USR1"
    done
    assert_nothing_left
}

@test "a full tmpfs: ENOSPC for the command, a clear message when hutch's own setup fills it" {
    skip_in_setuid_mode "--size is refused"
    head -c 1048576 /dev/zero >"$T/big"
    run --separate-stderr "$HUTCH" "${ROOT[@]}" --size 65536 --tmpfs /t -- /bin/sh -c \
        'head -c 1048576 /dev/zero >/t/fill; echo "status $?"; stat -c %s /t/fill'
    assert_success
    [[ ${lines[0]} != "status 0" ]] || fail "writing past the size succeeded: $output"
    [[ ${lines[1]} -le 65536 ]] || fail "${lines[1]} bytes written: $output"
    [[ $stderr == *"No space left on device"* ]] || fail "the command did not see ENOSPC: $stderr"
    run --separate-stderr "$HUTCH" "${ROOT[@]}" --size 4096 --tmpfs /t --file 3 /t/big -- \
        /bin/echo ran 3<"$T/big"
    assert_status 1
    assert_error_line "Can't write data to file /t/big: No space left on device"
    assert_output ""
    assert_nothing_left
}
