#!/usr/bin/env bats
# Joining namespaces made elsewhere (--userns, --userns2, --pidns) and
# keeping the command from making more (--disable-userns,
# --assert-userns-disabled).  The namespaces to join belong to a "holder":
# another sandbox whose command waits, as a flatpak instance would.

setup() {
    load helpers
    hutch_setup
}

teardown() {
    hutch_teardown
}

# start_holder [OPTIONS...] : start a sandbox with its own user and PID
# namespaces whose command (PID 1 there) waits; HOLDER is that command's
# pid on the host.  It dies with the test.
start_holder() {
    "$HUTCH" --ro-bind / / --bind "$T" "$T" --proc /proc --unshare-user --unshare-pid \
        --as-pid-1 --die-with-parent --info-fd 3 "$@" \
        -- /bin/sh -c "echo > '$T/ready'; exec sleep 60" 3>"$T/holder-info" &
    track_pid $!
    wait_until 10 file_exists "$T/ready" || fail "the holder sandbox did not start"
    HOLDER=$(sed -n 's/.*"child-pid": *\([0-9][0-9]*\).*/\1/p' "$T/holder-info")
    [[ -n $HOLDER ]] || fail "no child-pid from the holder: $(cat "$T/holder-info")"
}

# ns_inode PID TYPE : the inode number of PID's namespace of TYPE
ns_inode() { stat -L -c %i "/proc/$1/ns/$2"; }

# with_userns_pair PID COMMAND... : run COMMAND with fd 3 open on the
# parent of PID's user namespace and fd 4 on PID's user namespace itself
with_userns_pair() {
    python3 -c '
import fcntl, os, sys
pid, argv = sys.argv[1], sys.argv[2:]
inner = os.open("/proc/%s/ns/user" % pid, os.O_RDONLY)
outer = fcntl.ioctl(inner, 0xb702)  # NS_GET_PARENT
outer, inner = fcntl.fcntl(outer, fcntl.F_DUPFD, 10), fcntl.fcntl(inner, fcntl.F_DUPFD, 10)
os.dup2(outer, 3)
os.dup2(inner, 4)
os.execvp(argv[0], argv)' "$@"
}

# --- --userns ---------------------------------------------------------------------

@test "--userns FD: the command runs in the user namespace FD is open on" {
    skip_in_setuid_mode "--userns is refused"
    start_holder
    run --separate-stderr "$HUTCH" --ro-bind / / --userns 3 -- /bin/sh -c \
        'readlink /proc/self/ns/user; id -u; id -g' 3<"/proc/$HOLDER/ns/user"
    assert_success
    assert_output "$(readlink "/proc/$HOLDER/ns/user")
$(id -u)
$(id -g)"
    [[ ${lines[0]} != "$(host_ns user)" ]] || fail "the holder shares the host's user namespace"
}

@test "--userns FD: the other namespaces are new ones made inside the joined user namespace" {
    skip_in_setuid_mode "--userns is refused"
    start_holder
    run --separate-stderr "$HUTCH" --ro-bind / / --userns 3 --unshare-ipc --unshare-uts \
        --hostname joined -- /bin/sh -c \
        'readlink /proc/self/ns/mnt /proc/self/ns/ipc; hostname' 3<"/proc/$HOLDER/ns/user"
    assert_success
    [[ ${lines[0]} != "$(readlink "/proc/$HOLDER/ns/mnt")" && ${lines[0]} != "$(host_ns mnt)" ]] ||
        fail "not a new mount namespace: ${lines[0]}"
    [[ ${lines[1]} != "$(host_ns ipc)" ]] || fail "not a new IPC namespace"
    [[ ${lines[2]} == joined ]] || fail "hostname: ${lines[2]}"
}

@test "--userns with --unshare-user or --unshare-user-try is refused" {
    expect_error "--userns not compatible --unshare-user" \
        --ro-bind / / --unshare-user --userns 3 -- /bin/true 3</proc/self/ns/user
    expect_error "--userns not compatible --unshare-user-try" \
        --ro-bind / / --unshare-user-try --userns 3 -- /bin/true 3</proc/self/ns/user
}

@test "--userns naming the caller's own user namespace: bubblewrap's 'not a descendant' error" {
    skip_in_setuid_mode "--userns is refused"
    expect_error "Joining the specified user namespace failed, it might not be a descendant of the current user namespace." \
        --ro-bind / / --userns 3 -- /bin/true 3</proc/self/ns/user
}

@test "--userns: a word that is not an fd number, a closed fd, a file that is no user namespace" {
    expect_error "Invalid fd: three" --ro-bind / / --userns three -- /bin/true
    hutch_only "bubblewrap finds these out only when setns fails"
    expect_error "--userns 7: Bad file descriptor" --ro-bind / / --userns 7 -- /bin/true
    expect_error "--userns 3: not a user namespace" --ro-bind / / --userns 3 -- /bin/true 3</proc/self/ns/net
}

# --- --userns2 --------------------------------------------------------------------

@test "--userns2 FD: set up in the --userns namespace, then run in the second one" {
    skip_in_setuid_mode "--userns and --userns2 are refused"
    skip_unless_cmd python3
    # The holder runs as uid 5 in a nested user namespace below the one
    # where it was set up (root mapped there, for --dev).
    start_holder --dev /dev --uid 5 --gid 5
    run --separate-stderr with_userns_pair "$HOLDER" "$HUTCH" --ro-bind / / --userns 3 --userns2 4 \
        -- /bin/sh -c 'readlink /proc/self/ns/user; id -u; id -g'
    assert_success
    assert_output "$(readlink "/proc/$HOLDER/ns/user")
5
5"
}

# --- --pidns ----------------------------------------------------------------------

@test "--pidns FD: the command joins the holder's PID namespace and sees its processes" {
    skip_in_setuid_mode "--userns and --pidns are refused"
    start_holder
    run --separate-stderr "$HUTCH" --ro-bind / / --userns 3 --pidns 4 --proc /proc -- /bin/sh -c \
        'readlink /proc/self/ns/pid; cat /proc/1/comm' \
        3<"/proc/$HOLDER/ns/user" 4<"/proc/$HOLDER/ns/pid"
    assert_success
    assert_output "$(readlink "/proc/$HOLDER/ns/pid")
sleep"
}

@test "--pidns FD as root, without --userns" {
    skip_unless_root
    skip_in_setuid_mode "--pidns is refused"
    start_holder
    run --separate-stderr "$HUTCH" --ro-bind / / --pidns 3 --proc /proc -- /bin/sh -c \
        'readlink /proc/self/ns/pid; cat /proc/1/comm' 3<"/proc/$HOLDER/ns/pid"
    assert_success
    assert_output "$(readlink "/proc/$HOLDER/ns/pid")
sleep"
}

@test "--pidns FD with --unshare-pid: a new PID namespace, under a reaper; the exit status comes back" {
    skip_in_setuid_mode "--userns and --pidns are refused"
    start_holder
    run --separate-stderr "$HUTCH" --ro-bind / / --userns 3 --pidns 4 --unshare-pid --proc /proc \
        -- /bin/sh -c 'echo $$; readlink /proc/self/ns/pid; grep -lx sleep /proc/[0-9]*/comm; exit 7' \
        3<"/proc/$HOLDER/ns/user" 4<"/proc/$HOLDER/ns/pid"
    assert_status 7
    [[ ${#lines[@]} -eq 2 ]] || fail "expected 2 lines (the holder's sleep is not visible)" "$(_show_run)"
    [[ ${lines[0]} == 2 ]] || fail "the command is not PID 2 under a reaper" "$(_show_run)"
    [[ ${lines[1]} != "$(readlink "/proc/$HOLDER/ns/pid")" ]] || fail "no new PID namespace"
}

# parent_pidns PID : the inode of the parent of PID's PID namespace
parent_pidns() {
    python3 -c 'import fcntl, os, sys
fd = os.open("/proc/%s/ns/pid" % sys.argv[1], os.O_RDONLY)
print(os.fstat(fcntl.ioctl(fd, 0xb702)).st_ino)' "$1"  # NS_GET_PARENT
}

@test "--pidns FD with --unshare-pid: a child of the holder's PID namespace, reported by --info-fd; signals reach the command" {
    skip_in_setuid_mode "--userns and --pidns are refused"
    skip_unless_cmd python3 pgrep
    start_holder
    # (a command line of its own, to find the command from outside)
    local naptime=30.$$$RANDOM
    "$HUTCH" --ro-bind / / --bind "$T" "$T" --userns 3 --pidns 4 --unshare-pid --proc /proc \
        --info-fd 5 -- /bin/sh -c "echo > '$T/started'; exec sleep $naptime" \
        3<"/proc/$HOLDER/ns/user" 4<"/proc/$HOLDER/ns/pid" 5>"$T/info" &
    local pid=$! sleeper child
    track_pid "$pid"
    wait_until 10 file_exists "$T/started" || fail "the sandbox did not start"
    wait_until 5 eval 'sleeper=$(pgrep -x -f "sleep $naptime")' || fail "no sleep $naptime"
    [[ $(parent_pidns "$sleeper") == "$(ns_inode "$HOLDER" pid)" ]] ||
        fail "the parent of the command's PID namespace is not the holder's"
    # --info-fd names the sandbox's PID 1, in the new PID namespace.
    child=$(sed -n 's/.*"child-pid": *\([0-9][0-9]*\).*/\1/p' "$T/info")
    # (PID 1 may not be dumpable: its status, not its ns links, tells.)
    [[ $(awk '/^NSpid:/ { print NF - 1, $NF }' "/proc/$child/status") == "3 1" ]] ||
        fail "child-pid $child is not PID 1 two levels down:" "$(grep NSpid "/proc/$child/status")"
    grep -q "\"pid-namespace\": $(ns_inode "$sleeper" pid)" "$T/info" ||
        fail "pid-namespace is not the command's: $(cat "$T/info")"
    kill -TERM "$pid"
    wait_until 5 pid_gone "$pid" || fail "SIGTERM did not end the sandbox"
    local st=0
    wait "$pid" || st=$?
    [[ $st -eq 143 ]] || fail "exit status $st, expected 143 (SIGTERM)"
}

@test "--pidns without rights over the PID namespace: 'Setting pidns failed'" {
    skip_if_root
    skip_in_setuid_mode "--pidns is refused"
    start_holder
    expect_error "Setting pidns failed: Operation not permitted" \
        --ro-bind / / --pidns 3 -- /bin/true 3<"/proc/$HOLDER/ns/pid"
}

# --- --disable-userns, --assert-userns-disabled -------------------------------------

@test "--disable-userns: the command cannot make a user namespace; without it, it can" {
    skip_unless_cmd unshare
    local try='unshare -U true && echo made'
    run --separate-stderr sb --unshare-user -- /bin/sh -c "$try"
    assert_success
    assert_output made
    run sb --unshare-user --disable-userns -- /bin/sh -c "$try; echo status=\$?"
    assert_success
    assert_output "unshare: unshare failed: No space left on device
status=1"
}

@test "--disable-userns: also with --uid, and the ids are still those asked for" {
    skip_unless_cmd unshare
    run --separate-stderr sb --unshare-user --disable-userns --uid 12 --gid 34 -- /bin/sh -c \
        'id -u; id -g; unshare -U true 2>/dev/null || echo refused'
    assert_success
    assert_output "12
34
refused"
}

@test "--disable-userns requires --unshare-user" {
    expect_error "--disable-userns requires --unshare-user" --ro-bind / / --disable-userns -- /bin/true
}

@test "--assert-userns-disabled with --disable-userns: the command runs" {
    run --separate-stderr sb --unshare-user --disable-userns --assert-userns-disabled -- echo ran
    assert_success
    assert_output ran
    assert_stderr_empty
}

@test "--assert-userns-disabled where user namespaces can be made: refused, the command never runs" {
    hutch_error --ro-bind / / --bind "$T" /mnt --unshare-user --assert-userns-disabled -- \
        /bin/sh -c 'echo > /mnt/ran'
    assert_status 1
    assert_error_line "creation of new user namespaces was not disabled as requested"
    assert_no_path "$T/ran"
}

@test "--assert-userns-disabled alone, inside a sandbox that disabled user namespaces" {
    skip_in_setuid_mode "--cap-add is refused"
    # Inside, uid 0 with its capabilities needs no user namespace of its own.
    run --separate-stderr sb --unshare-user --disable-userns --uid 0 --gid 0 --cap-add ALL -- \
        "$HUTCH" --ro-bind / / --assert-userns-disabled -- echo ran
    assert_success
    assert_output ran
    run --separate-stderr sb --unshare-user --uid 0 --gid 0 --cap-add ALL -- \
        "$HUTCH" --ro-bind / / --assert-userns-disabled -- echo ran
    assert_status 1
    assert_error_line "creation of new user namespaces was not disabled as requested"
}
