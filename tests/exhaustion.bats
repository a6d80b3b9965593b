#!/usr/bin/env bats
# Hostile conditions around hutch itself: descriptors, processes and memory
# nearly exhausted, a full tmpfs, standard descriptors closed, a working
# directory that is gone, an unusable /tmp, and hutch killed or stopped at
# each phase of the build.  Each run either works or fails with one
# "hutch: ..." line; none crashes, hangs or leaves a process or a mount
# behind (teardown checks the mounts).

setup() {
    load helpers
    hutch_setup
    # A command that says it ran, in the tmpfs root.
    RUN=("${MINROOT[@]}")
}

teardown() {
    hutch_teardown
}

# clean_or_ran WANT : $output is WANT (the run worked), or the run failed
# with exactly one line starting with the program's name on stderr.
clean_or_ran() {
    if ((status == 0)); then
        [[ $output == "$1" ]] || fail "the run worked but printed something else" "$(_show_run)"
    else
        ((status == 1)) || fail "expected exit status 0 or 1 (not a crash)" "$(_show_run)"
        assert_error_line "*"
    fi
}

# child_of_info FILE : the "child-pid" of an --info-fd file
child_of_info() {
    sed -n 's/.*"child-pid": *\([0-9]*\).*/\1/p' "$1"
}

# --- limits of the caller ---------------------------------------------------------------

# bwrap: the same kind of errors (it needs a few more descriptors).
@test "RLIMIT_NOFILE as low as 4: the run works or fails with one line, nothing left" {
    local n worked=0
    for n in 4 5 6 8 10 12 16 32; do
        run --separate-stderr run_closing_fds bash -c 'ulimit -n "$1" && shift && exec "$@"' _ "$n" \
            "$HUTCH" "${RUN[@]}" --tmpfs /tmp --dir /tmp/d --seccomp-policy default \
            -- /bin/echo ran
        # (--seccomp-policy is hutch's; bubblewrap refuses it with one line too)
        clean_or_ran ran
        ((status != 0)) || worked=$((worked + 1))
    done
    ((worked > 0)) || is_bwrap || fail "no limit was enough for a run"
}

# As the unprivileged user only: root's processes are not counted.
@test "RLIMIT_NPROC of 1 or 2: the run works or fails with one line, nothing left" {
    skip_if_root
    local n v extra
    for n in 1 2 3; do
        for v in pid nopid; do
            extra=(--unshare-pid)
            [[ $v == pid ]] || extra=()
            run --separate-stderr bash -c 'ulimit -u "$1" && shift && exec "$@"' _ "$n" \
                "$HUTCH" "${SYSDIRS[@]}" "${extra[@]}" -- /bin/echo ran
            clean_or_ran ran
            if ((status != 0)); then
                [[ $stderr == *"Resource temporarily unavailable"* ]] ||
                    fail "nproc $n, $v: the error does not say what ran out" "$(_show_run)"
            fi
        done
    done
}

# A small address space: hutch needs a few MiB; less is its loader's error.
@test "a tiny RLIMIT_AS: the run works or fails with one line" {
    # (AddressSanitizer reserves terabytes of shadow memory at start-up)
    ! ldd "$HUTCH" 2>/dev/null | grep -q libasan || skip "an AddressSanitizer build can't start with a small address space"
    local mb
    for mb in 6 8 12 20 40; do
        run --separate-stderr bash -c 'ulimit -v "$1" && shift && exec "$@"' _ $((mb * 1024)) \
            "$HUTCH" "${RUN[@]}" --tmpfs /tmp --seccomp-policy default -- /bin/echo ran
        if is_bwrap && ((status != 0)); then
            continue
        fi
        clean_or_ran ran
    done
    # 20 MiB is plenty.
    run --separate-stderr bash -c 'ulimit -v 20480 && exec "$@"' _ "$HUTCH" "${RUN[@]}" -- /bin/echo ran
    assert_success
    assert_output ran
}

# bwrap: the same.
@test "a command that fills a --size tmpfs gets ENOSPC inside; the host has nothing of it" {
    skip_in_setuid_mode "--size is refused in setuid mode"
    run --separate-stderr "$HUTCH" "${RUN[@]}" --size 1048576 --tmpfs /small -- /bin/sh -c '
        dd if=/dev/zero of=/small/fill bs=65536 count=64 2>&1 | head -n 1
        stat -c %s /small/fill
        echo more >>/small/fill 2>/dev/null || echo append-refused
        rm /small/fill && echo x >/small/again && cat /small/again'
    assert_success
    assert_output "dd: error writing '/small/fill': No space left on device
1048576
append-refused
x"
    assert_no_path /small
}

# --- the caller's descriptors and directories ------------------------------------------------

# With 0, 1 or 2 closed, hutch's own descriptors take those numbers: none
# of them may reach the command, and its messages may go nowhere but fd 2.
# bwrap: the same closed descriptors reach the command.
@test "fds 0, 1, 2 closed at start, each and all: the command has none of hutch's, errors only on fd 2" {
    local probe=$BATS_TEST_DIRNAME/escape-probe
    [[ -x $probe ]] || probe=${HUTCH_BUILDDIR:-${HUTCH%/*}}/tests/escape-probe
    [[ -x $probe ]] || skip "tests/escape-probe is not built"
    local c l
    for c in 0 1 2 01 02 12 012; do
        local close=""
        [[ $c != *0* ]] || close+=" 0<&-"
        [[ $c != *1* ]] || close+=" 1>&-"
        [[ $c != *2* ]] || close+=" 2>&-"
        rm -f "$T/fds" "$T/stdout" "$T/stderr" "$T/status"
        run_closing_fds bash -c '
            t=$1; shift
            exec 0</dev/null 1>"$t/stdout" 2>"$t/stderr" 7>"$t/status"
            eval "exec'"$close"'"
            "$@" --bind "$t" /t -- /probe/escape-probe fd-targets /t/fds 7>&-
            echo "$?" >&7
            "$@" --bind /nonexistent-$$ /x -- /bin/true 7>&-
            echo "$?" >&7' _ "$T" "$HUTCH" "${MINROOT[@]}" --ro-bind "${probe%/*}" /probe
        [[ $(tr '\n' ' ' <"$T/status") == "0 1 " ]] ||
            fail "closed $c: expected a run and a failure, got: $(cat "$T/status")" "$(cat "$T/stderr")"
        # The command: 0-2 as the caller left them, nothing of hutch's.
        while read -r l; do
            case $l in
            [012]=/dev/null | 0=/dev/full | 1=*/stdout | 2=*/stderr | cwd=* | getcwd=*) ;;
            *) fail "closed $c: the command holds $l" "$(cat "$T/fds")" ;;
            esac
        done <"$T/fds"
        # (a closed one may come back as /dev/null or /dev/full: glibc does
        # that for a setuid program)
        for l in 0 1 2; do
            if [[ $c == *$l* ]] && grep -q "^$l=" "$T/fds" && ! grep -qxE "$l=/dev/(null|full)" "$T/fds"; then
                fail "closed $c: fd $l was open in the command" "$(cat "$T/fds")"
            fi
        done
        # hutch's message: on fd 2 when open, never on fd 1.
        [[ ! -s $T/stdout ]] || fail "closed $c: something went to stdout: $(cat "$T/stdout")"
        if [[ $c == *2* ]]; then
            [[ ! -s $T/stderr ]] || fail "closed $c: stderr was closed, yet: $(cat "$T/stderr")"
        else
            [[ $(cat "$T/stderr") == "$HUTCH_NAME: "*nonexistent* ]] ||
                fail "closed $c: the error line is missing: $(cat "$T/stderr")"
        fi
    done
}

# The caller's working directory was removed: getcwd() fails.  The
# command starts in $HOME if it is inside, else in / (bwrap: the same).
@test "a deleted working directory: the command starts in \$HOME or /, or in --chdir" {
    mkdir "$T/gone"
    run --separate-stderr bash -c 'cd "$1/gone" && rmdir "$1/gone" && shift && "$@" -- /bin/pwd' _ "$T" \
        "$HUTCH" "${RUN[@]}" --setenv HOME /nonexistent
    assert_success
    assert_output /
    run --separate-stderr bash -c 'cd "$1/gone" 2>/dev/null || { mkdir "$1/gone"; cd "$1/gone"; }
        rmdir "$1/gone" && shift && "$@" -- /bin/pwd' _ "$T" "$HUTCH" "${RUN[@]}" --chdir /usr
    assert_success
    assert_output /usr
    # The host's tree as the root: the caller's directory is gone there too.
    run --separate-stderr bash -c 'mkdir "$1/gone" && cd "$1/gone" && rmdir "$1/gone" && shift &&
        "$@" -- /bin/sh -c "pwd; ls -d '"$T"'/gone 2>/dev/null || echo gone"' _ "$T" \
        "$HUTCH" --ro-bind / / --setenv HOME /
    assert_success
    assert_output "/
gone"
}

# hutch makes nothing in TMPDIR or in the host's /tmp: its base is a
# tmpfs of its own mount namespace.  (bwrap: the same.)
@test "TMPDIR unusable, or a read-only and noexec /tmp: the run is as usual" {
    mkdir "$T/ro"
    chmod 0555 "$T/ro"
    run --separate-stderr env TMPDIR="$T/ro" "$HUTCH" "${RUN[@]}" -- /bin/sh -c 'echo "$TMPDIR"'
    assert_success
    # (the loader of a setuid program drops TMPDIR)
    setuid_mode && assert_output "" || assert_output "$T/ro"
    run --separate-stderr env TMPDIR=/nonexistent/dir "$HUTCH" "${RUN[@]}" --tmpfs /tmp -- /bin/echo ran
    assert_success
    assert_output ran
    if is_root && command -v unshare >/dev/null; then
        local o
        for o in ro noexec ro,noexec,nosuid,nodev; do
            # (the binary is held open first: it may itself be under /tmp)
            run --separate-stderr unshare -m /bin/sh -c 'exec 9<"$2" && mount -t tmpfs -o "$1" hostile /tmp &&
                shift 2 && /proc/self/fd/9 "$@"; st=$?; ls -A /tmp | grep -vx "hutch-[0-9]*"; exit $st' sh "$o" "$HUTCH" "${RUN[@]}" -- /bin/echo ran
            assert_success
            assert_output ran
        done
    fi
    assert_no_path "$T/ro/"*
}

# --- hutch killed or stopped at each phase -----------------------------------------------

# wait_for_block FILE : the sandbox's child pid once --info-fd is written
wait_for_child() {
    wait_until 10 file_nonempty "$1" || return 1
    CHILD=$(child_of_info "$1")
    [[ -n $CHILD ]]
}

# The monitor is SIGKILLed while the sandbox waits on --block-fd (built,
# before exec).  With --die-with-parent the sandbox dies with it.  Without,
# bwrap's sandbox runs the command once released, unwatched; hutch's
# child ends instead (it can't report the start to a monitor that is
# gone).  Either way nothing is left once released, and no mount reaches
# the host.
@test "SIGKILL of hutch while the sandbox waits on --block-fd: --die-with-parent kills it, nothing left" {
    hutch_only "bubblewrap's sandbox outlives it: its --die-with-parent is set after the wait"
    local dwp
    for dwp in yes no; do
        local extra=()
        [[ $dwp == no ]] || extra=(--die-with-parent)
        rm -f "$T/info" "$T/ran" "$T/block"
        mkfifo "$T/block"
        exec 5<>"$T/block"
        "$HUTCH" "${RUN[@]}" "${extra[@]}" --bind "$T" /t --info-fd 3 --block-fd 5 -- \
            /bin/sh -c 'touch /t/ran' 3>"$T/info" &
        local m=$!
        track_pid "$m"
        wait_for_child "$T/info" || fail "no --info-fd report"
        track_pid "$CHILD"
        sleep 0.1 # (blocked on the fd by now, not still on hutch's own pipe)
        kill -KILL "$m"
        wait "$m" 2>/dev/null || true
        if [[ $dwp == yes ]]; then
            wait_until 5 pid_gone "$CHILD" || fail "--die-with-parent: the sandbox outlived hutch"
        fi
        echo go >&5
        exec 5>&-
        wait_until 5 pid_gone "$CHILD" || fail "$dwp: the sandbox did not end"
        if [[ $dwp == yes ]]; then
            [[ ! -e $T/ran ]] || fail "--die-with-parent: the command ran after hutch died"
        elif is_bwrap; then
            [[ -e $T/ran ]] || fail "bubblewrap runs the orphaned command"
        else
            [[ ! -e $T/ran ]] || fail "hutch's orphaned child ran the command"
        fi
    done
}

# Killed while the child is still waiting for its user namespace to be
# set up by the caller (--userns-block-fd): the command never runs.
@test "SIGKILL of hutch while the child waits on --userns-block-fd: the command never runs" {
    hutch_only "bubblewrap's child outlives it: its --die-with-parent is set after the wait"
    skip_in_setuid_mode "--userns-block-fd is refused in setuid mode"
    rm -f "$T/info" "$T/ran" "$T/block"
    mkfifo "$T/block"
    exec 5<>"$T/block"
    "$HUTCH" "${RUN[@]}" --unshare-user --die-with-parent --bind "$T" /t --info-fd 3 --userns-block-fd 5 -- \
        /bin/sh -c 'touch /t/ran' 3>"$T/info" &
    local m=$!
    track_pid "$m"
    wait_for_child "$T/info" || fail "no --info-fd report"
    track_pid "$CHILD"
    sleep 0.2 # (to be blocked on the fd, not on hutch's own pipe)
    kill -KILL "$m"
    wait "$m" 2>/dev/null || true
    # What the caller of --userns-block-fd does: map its ids, then release.
    echo deny >"/proc/$CHILD/setgroups" 2>/dev/null || true
    echo "$(id -u) $(id -u) 1" >"/proc/$CHILD/uid_map" 2>/dev/null || true
    echo "$(id -g) $(id -g) 1" >"/proc/$CHILD/gid_map" 2>/dev/null || true
    echo go >&5
    exec 5>&-
    wait_until 5 pid_gone "$CHILD" || fail "the sandbox outlived hutch"
    [[ ! -e $T/ran ]] || fail "the command ran after hutch died"
}

# Killed while the command runs: --die-with-parent ends the whole sandbox
# with a PID namespace (its PID 1 goes, and the kernel ends the rest).
# Without one only the first process is signalled (PR_SET_PDEATHSIG, as in
# bwrap): what the command forked lives on, reparented.
@test "SIGKILL of hutch while the command runs: --die-with-parent ends the sandbox" {
    local v
    for v in pid nopid pid1; do
        local extra=(--unshare-pid)
        [[ $v != nopid ]] || extra=()
        [[ $v != pid1 ]] || extra=(--unshare-pid --as-pid-1)
        rm -f "$T/info" "$T/up"
        # A sleep to recognise on the host.
        local mark="600.$$$RANDOM"
        "$HUTCH" "${SYSDIRS[@]}" --proc /proc --dev /dev "${extra[@]}" --die-with-parent --bind "$T" /t \
            --info-fd 3 -- /bin/sh -c "sleep $mark & echo \$! >/t/up; wait" 3>"$T/info" &
        local m=$!
        track_pid "$m"
        wait_for_child "$T/info" || fail "no --info-fd report"
        wait_until 10 file_nonempty "$T/up" || fail "$v: the command did not start"
        track_pid "$CHILD"
        kill -KILL "$m"
        wait "$m" 2>/dev/null || true
        wait_until 5 pid_gone "$CHILD" || fail "$v: the sandbox's first process outlived hutch"
        if [[ $v == nopid ]]; then
            # (the sleep's pid is the host's: end it)
            kill -KILL "$(cat "$T/up")" 2>/dev/null || true
        else
            wait_until 5 eval '[[ -z $(pgrep -f "sleep $mark") ]]' ||
                fail "$v: a process of the sandbox is left: $(pgrep -af "sleep $mark")"
        fi
    done
}

# SIGSTOP and SIGCONT of hutch at each point: nothing is lost, the run
# ends normally with the command's status.
@test "SIGSTOP and SIGCONT of hutch while blocked, and while the command runs: a normal run" {
    rm -f "$T/info" "$T/block"
    mkfifo "$T/block"
    exec 5<>"$T/block"
    "$HUTCH" "${RUN[@]}" --bind "$T" /t --info-fd 3 --block-fd 5 --json-status-fd 4 -- \
        /bin/sh -c 'sleep 0.3; exit 7' 3>"$T/info" 4>"$T/status" &
    local m=$!
    track_pid "$m"
    wait_for_child "$T/info" || fail "no --info-fd report"
    kill -STOP "$m"
    echo go >&5
    exec 5>&-
    sleep 0.1
    kill -CONT "$m"
    kill -STOP "$m"
    sleep 0.5 # the command ends while hutch is stopped
    kill -CONT "$m"
    local st=0
    wait "$m" || st=$?
    [[ $st == 7 ]] || fail "expected the command's status 7, got $st"
    grep -q '"exit-code": *7' "$T/status" || fail "--json-status-fd: $(cat "$T/status")"
    pid_gone "$CHILD" || fail "the sandbox is left"
}

# And at random points of the build: hutch SIGKILLed after 0 to 30 ms,
# many times.  With --die-with-parent (and a PID namespace) nothing of any
# run is left, whatever phase it was in.
@test "SIGKILL of hutch at random points of the build: no process and no mount left" {
    local mark="601.$$$RANDOM" i pids=()
    for ((i = 0; i < 40; i++)); do
        "$HUTCH" "${RUN[@]}" --die-with-parent --tmpfs /tmp --dir /tmp/a/b --bind "$T" /t \
            --ro-bind /etc /x/etc --remount-ro /x -- /bin/sleep "$mark" 2>/dev/null &
        local m=$!
        track_pid "$m"
        sleep "0.0$((RANDOM % 3))$((RANDOM % 10))"
        kill -KILL "$m" 2>/dev/null || true
        wait "$m" 2>/dev/null || true
    done
    wait_until 5 eval '[[ -z $(pgrep -f "sleep $mark") ]]' ||
        fail "processes left: $(pgrep -af "sleep $mark")"
    # (teardown: no mount left on the host)
}

# The caller's key quota (kernel.keys.maxkeys, per uid) is full: hutch
# can't give the command a session keyring of its own, so the sandbox
# starts with hutch's keyring filter instead (--verbose says so), and the
# caller's keyring is not handed on: every key call fails with ENOSYS.  As
# root only, for a uid nobody uses (tests/keyring.bats does it as the
# user).  (bwrap: no keyring of its own; it runs with the caller's.)
@test "the caller's key quota is full: the sandbox starts, says so with --verbose, no key call reaches the caller's keyring" {
    hutch_only "bubblewrap makes no session keyring"
    skip_unless_root
    skip_unless_cmd setpriv
    local probe=$BATS_TEST_DIRNAME/escape-probe
    [[ -x $probe ]] || probe=${HUTCH_BUILDDIR:-${HUTCH%/*}}/tests/escape-probe
    [[ -x $probe ]] || skip "tests/escape-probe is not built"
    local uid=$((3100000 + RANDOM))
    chmod 0755 "$T"
    run --separate-stderr setpriv --reuid="$uid" --regid="$uid" --clear-groups \
        "$probe" key-fill -- "$HUTCH" "${RUN[@]}" --ro-bind "$probe" /probe --verbose \
        -- /bin/sh -c 'echo ran; /probe key-search hutch-none'
    assert_success
    [[ ${lines[0]} == filled && ${lines[1]} == ran ]] || fail "expected the command to run: $output"
    [[ ${lines[2]} == ENOSYS ]] || fail "a key call reached a keyring: $output"
    [[ $stderr == *"no new session keyring"* ]] || fail "--verbose did not say so: $stderr"
}
