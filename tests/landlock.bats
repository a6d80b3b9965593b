#!/usr/bin/env bats
# Landlock: --landlock-ro, --landlock-rw, --landlock-connect-tcp,
# --landlock-bind-tcp, --scope-abstract-unix, --scope-signals,
# --landlock-best-effort.  Effects seen from inside with hutch-probe
# (tests/hutch-probe.c), which prints "ok" or the errno of its call.

setup() {
    load helpers
    load probe
    hutch_setup
    probe_setup
    # A tree on the host, mounted read-write at /t inside.
    mkdir -p "$T/tree/ro" "$T/tree/rw" "$T/tree/other"
    for d in ro rw other; do
        echo "$d" >"$T/tree/$d/f"
    done
    echo two >"$T/tree/other/g"
}

teardown() {
    hutch_teardown
}

# llsb OPTIONS... -- COMMAND... : psb with the tree at /t
llsb() {
    psb --bind "$T/tree" /t "$@"
}

# --- files ---------------------------------------------------------------------------

@test "--landlock-ro: reads beneath the path work, reads elsewhere fail with EACCES" {
    skip_unless_landlock 1
    # Control: without Landlock everything is readable.
    run --separate-stderr llsb -- "$P" read /t/other/f
    assert_output ok
    local ll=(--landlock-ro /probe --landlock-ro /t/ro --landlock-rw /t/rw)
    run --separate-stderr llsb "${ll[@]}" -- "$P" read /t/ro/f
    assert_success
    assert_output ok
    run --separate-stderr llsb "${ll[@]}" -- "$P" read /t/other/f
    assert_output EACCES
    run --separate-stderr llsb "${ll[@]}" -- "$P" read /etc/passwd
    assert_output EACCES
    run --separate-stderr llsb "${ll[@]}" -- "$P" list /t/ro
    assert_output ok
    run --separate-stderr llsb "${ll[@]}" -- "$P" list /
    assert_output EACCES
}

@test "--landlock-ro: writes beneath a read-only path fail with EROFS; --landlock-rw allows them" {
    skip_unless_landlock 1
    local ll=(--landlock-ro /probe --landlock-ro /t/ro --landlock-rw /t/rw)
    # Outside the --landlock-rw paths the mounts are read-only too (see
    # "chmod, utimes and setxattr" below): EROFS before Landlock's EACCES.
    run --separate-stderr llsb "${ll[@]}" -- "$P" write /t/ro/new
    assert_output EROFS
    run --separate-stderr llsb "${ll[@]}" -- "$P" write /t/other/new
    assert_output EROFS
    run --separate-stderr llsb "${ll[@]}" -- "$P" write /t/rw/new
    assert_output ok
    assert_no_path "$T/tree/ro/new"
    assert_no_path "$T/tree/other/new"
    assert_file_content "$T/tree/rw/new" probe
    # rw implies reading.
    run --separate-stderr llsb "${ll[@]}" -- "$P" read /t/rw/f
    assert_output ok
}

@test "--landlock-ro FILE: only that file, not its siblings" {
    skip_unless_landlock 1
    run --separate-stderr llsb --landlock-ro /probe --landlock-ro /t/other/f -- "$P" read /t/other/f
    assert_success
    assert_output ok
    run --separate-stderr llsb --landlock-ro /probe --landlock-ro /t/other/f -- "$P" read /t/other/g
    assert_output EACCES
}

@test "--landlock-rw: the restriction holds for every process the command starts" {
    skip_unless_landlock 1
    run --separate-stderr llsb --landlock-ro / --landlock-rw /t/rw -- /bin/sh -c \
        'cat /t/ro/f; echo a >/t/rw/a && echo wrote a; echo b >/t/ro/b || echo no b'
    assert_success
    assert_output "ro
wrote a
no b"
    assert_file_content "$T/tree/rw/a" a
    assert_no_path "$T/tree/ro/b"
}

@test "--landlock-ro of a path missing inside the sandbox is a one-line error" {
    skip_unless_landlock 1
    expect_error '--landlock-ro /nonexistent: No such file or directory' \
        "${MINROOT[@]}" --landlock-ro /nonexistent -- /bin/true
}

# --- TCP ------------------------------------------------------------------------------

@test "--landlock-connect-tcp: connecting to a listed port works, to another fails with EACCES" {
    skip_unless_landlock 4
    probe_listen "$T/port1" listen-tcp
    probe_listen "$T/port2" listen-tcp
    local a b
    a=$(cat "$T/port1") b=$(cat "$T/port2")
    # Control: both listeners take connections from a sandbox.
    run --separate-stderr psb -- "$P" connect-tcp "$b"
    assert_output ok
    run --separate-stderr psb --landlock-connect-tcp "1-2,$a,65535" -- "$P" connect-tcp "$a"
    assert_success
    assert_output ok
    run --separate-stderr psb --landlock-connect-tcp "1-2,$a,65535" -- "$P" connect-tcp "$b"
    assert_output EACCES
    run --separate-stderr psb --landlock-connect-tcp none -- "$P" connect-tcp "$a"
    assert_output EACCES
}

@test "--landlock-bind-tcp: binding a listed port works, another fails with EACCES" {
    skip_unless_landlock 4
    # A network namespace of its own: every port is free there.
    run --separate-stderr psb --unshare-net -- "$P" bind-tcp 5001
    assert_output ok
    run --separate-stderr psb --unshare-net --landlock-bind-tcp 4990-5000 -- "$P" bind-tcp 5000
    assert_success
    assert_output ok
    run --separate-stderr psb --unshare-net --landlock-bind-tcp 4990-5000 -- "$P" bind-tcp 5001
    assert_output EACCES
}

# --- scopes -----------------------------------------------------------------------

@test "--scope-abstract-unix: an abstract socket made outside is unreachable, one made inside works" {
    skip_unless_landlock 6
    local name=hutch-test-$$-$RANDOM
    probe_listen "$T/ready" listen-abstract "$name"
    # The sandbox shares the host's network namespace, where the name lives.
    run --separate-stderr psb -- "$P" connect-abstract "$name"
    assert_output ok
    run --separate-stderr psb --scope-abstract-unix -- "$P" connect-abstract "$name"
    assert_success
    assert_output EPERM
    run --separate-stderr psb --scope-abstract-unix -- /bin/sh -c '
        /probe/hutch-probe listen-abstract inner-$$ >/dev/null &
        for i in $(seq 100); do
            r=$(/probe/hutch-probe connect-abstract inner-$$)
            [ "$r" = ok ] && break
            sleep 0.05
        done
        kill $!; echo "$r"'
    assert_output ok
}

@test "--scope-signals: no signal reaches a process outside the sandbox's Landlock domain" {
    skip_unless_landlock 6
    # PID 1 of the sandbox is hutch's reaper, outside the command's domain.
    run --separate-stderr psb -- "$P" signal 1
    assert_output ok
    run --separate-stderr psb --scope-signals -- "$P" signal 1
    assert_success
    assert_output EPERM
    # A process the command starts is inside it.
    run --separate-stderr psb --scope-signals -- /bin/sh -c \
        'sleep 10 & /probe/hutch-probe signal $!; kill $!'
    assert_output ok
}

# --- what the kernel supports -------------------------------------------------------

# Options and the Landlock ABI each needs.
LL_OPTIONS=("--landlock-ro / 1 LANDLOCK_ACCESS_FS_READ_FILE"
    "--landlock-rw / 1 LANDLOCK_ACCESS_FS_WRITE_FILE"
    "--landlock-connect-tcp 80 4 LANDLOCK_ACCESS_NET_CONNECT_TCP"
    "--landlock-bind-tcp 80 4 LANDLOCK_ACCESS_NET_BIND_TCP"
    "--scope-abstract-unix - 6 LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET"
    "--scope-signals - 6 LANDLOCK_SCOPE_SIGNAL")

@test "each Landlock option runs where the kernel's ABI has its right, and is refused where not" {
    local abi opt arg need right args
    abi=$(landlock_abi)
    for o in "${LL_OPTIONS[@]}"; do
        read -r opt arg need right <<<"$o"
        args=("$opt")
        [[ $arg == - ]] || args+=("$arg")
        if ((abi >= need)); then
            run --separate-stderr psb "${args[@]}" -- /bin/true
            assert_success
            assert_stderr_empty
        else
            expect_error "$opt: the Landlock right $right needs ABI $need, the kernel has ABI $abi*" \
                "${MINROOT[@]}" "${args[@]}" -- /bin/true
        fi
    done
}

# A hutch whose view of the kernel has no Landlock: the outer sandbox makes
# landlock_create_ruleset fail with ENOSYS, as on a kernel without it.
no_landlock() {
    "$HUTCH" "${SB[@]}" --seccomp-deny landlock_create_ruleset --seccomp-errno ENOSYS -- \
        "$HUTCH" "$@"
}

@test "a Landlock right the kernel lacks is an error naming the right, the ABI it needs and the kernel's" {
    "$HUTCH" --version | grep -q libseccomp || skip "needs --seccomp-deny (libseccomp)"
    for o in "${LL_OPTIONS[@]}"; do
        read -r opt arg need right <<<"$o"
        args=("$opt")
        [[ $arg == - ]] || args+=("$arg")
        hutch_error "${SB[@]}" --seccomp-deny landlock_create_ruleset --seccomp-errno ENOSYS -- \
            "$HUTCH" --ro-bind / / "${args[@]}" -- /bin/echo ran
        assert_status 1
        assert_error_line "$opt: the Landlock right $right needs ABI $need, the kernel has ABI 0 (--landlock-best-effort goes on without it)"
        [[ -z $output ]] || fail "the command ran: $output"
    done
}

@test "--landlock-best-effort: a missing right is a warning and the command runs" {
    "$HUTCH" --version | grep -q libseccomp || skip "needs --seccomp-deny (libseccomp)"
    run --separate-stderr no_landlock --ro-bind / / --landlock-best-effort --landlock-ro / \
        --scope-signals -- /bin/echo ran
    assert_success
    assert_output ran
    [[ $stderr == "$HUTCH_NAME: --landlock-ro: the Landlock right LANDLOCK_ACCESS_FS_READ_FILE needs ABI 1, the kernel has ABI 0: going on without it"$'\n'"$HUTCH_NAME: --scope-signals: the Landlock right LANDLOCK_SCOPE_SIGNAL needs ABI 6, the kernel has ABI 0: going on without it" ]] ||
        fail "unexpected warnings: $stderr"
}

@test "--landlock-best-effort applies what the kernel supports" {
    skip_unless_landlock 1
    run --separate-stderr llsb --landlock-best-effort --landlock-ro /probe -- "$P" read /t/ro/f
    assert_output EACCES
}

# --- errors ----------------------------------------------------------------------------

@test "a bad port list is a one-line error" {
    local bad
    for bad in "" x 80, ,80 1-0 65536 80-90-100 -5 " 80" 0x50 99999; do
        expect_error "--landlock-connect-tcp: invalid port list \"$bad\" (ports 0-65535 and ranges, e.g. 80,443,8000-8080)" \
            --landlock-connect-tcp "$bad" -- /bin/true
    done
    expect_error '--landlock-bind-tcp: invalid port list "http"*' --landlock-bind-tcp http -- /bin/true
}

@test "--landlock-best-effort without a Landlock option is a one-line error" {
    expect_error '--landlock-best-effort needs a Landlock option*' \
        --ro-bind / / --landlock-best-effort -- /bin/true
}

@test "an empty --landlock-ro path is a one-line error" {
    expect_error '--landlock-ro: empty path' --landlock-ro "" -- /bin/true
}

# --- what Landlock does not see, closed by hutch (issue 24) ---------------------------

# meta_of FILE: mode, mtime and hutch's xattr of a host file.
meta_of() {
    local x
    x=$(/usr/bin/python3 -c 'import os,sys
try: print(os.getxattr(sys.argv[1], "user.hutch").decode())
except OSError: print("-")' "$1")
    echo "$(stat -c '%a %Y' "$1") $x"
}

@test "--landlock-ro: chmod, utimes and setxattr fail outside the --landlock-rw paths, work beneath them" {
    skip_unless_landlock 1
    local ll=(--landlock-ro /probe --landlock-ro /t/ro --landlock-rw /t/rw) f before
    # Control: without Landlock the probe changes the files (where the
    # file system has user xattrs).
    run --separate-stderr llsb -- /bin/sh -c \
        '/probe/hutch-probe chmod /t/other/g; /probe/hutch-probe utimes /t/other/g'
    assert_output "ok
ok"
    [[ $(stat -c %a "$T/tree/other/g") == 600 ]] || fail "the control chmod did nothing"
    local w
    for f in ro/f other/f; do
        before=$(meta_of "$T/tree/$f")
        for w in chmod utimes setxattr write; do
            run --separate-stderr llsb "${ll[@]}" -- "$P" $w /t/$f
            assert_output EROFS
        done
        [[ $(meta_of "$T/tree/$f") == "$before" ]] || fail "$f changed: $before -> $(meta_of "$T/tree/$f")"
    done
    assert_file_content "$T/tree/ro/f" ro
    for w in write chmod utimes; do
        run --separate-stderr llsb "${ll[@]}" -- "$P" $w /t/rw/f
        assert_success
        assert_output ok
    done
    [[ $(stat -c '%a %Y' "$T/tree/rw/f") == "600 1" ]] || fail "rw/f: $(stat -c '%a %Y' "$T/tree/rw/f")"
    assert_file_content "$T/tree/rw/f" probe
}

@test "--landlock-rw keeps its mounts as they were: a read-only bind beneath it stays read-only" {
    skip_unless_landlock 1
    mkdir "$T/rodir"
    echo x >"$T/rodir/f"
    run --separate-stderr llsb --ro-bind "$T/rodir" /t/rw/sub --landlock-ro / --landlock-rw /t/rw \
        --landlock-rw /dev/null -- /bin/sh -c 'echo a >/t/rw/a && echo wrote a; /probe/hutch-probe chmod /t/rw/sub/f; /probe/hutch-probe write /dev/null; cd /t/rw && echo b >b && echo wrote b'
    assert_success
    assert_output "wrote a
EROFS
ok
wrote b"
    assert_file_content "$T/tree/rw/a" a
    assert_file_content "$T/tree/rw/b" b
    [[ $(stat -c %a "$T/rodir/f") == 644 ]] || fail "the read-only bind's file changed mode"
}

@test "--landlock-rw /: nothing is made read-only" {
    skip_unless_landlock 1
    run --separate-stderr llsb --landlock-rw / -- /probe/hutch-probe chmod /t/ro/f
    assert_success
    assert_output ok
    [[ $(stat -c %a "$T/tree/ro/f") == 600 ]] || fail "chmod did not reach the file"
}

@test "--landlock-connect-tcp: TCP Fast Open and MPTCP don't get around it; a listed port still connects" {
    skip_unless_landlock 4
    probe_listen "$T/port1" listen-tcp
    local a ways='fastopen sendto;fastopen sendmsg;fastopen sockopt'
    a=$(cat "$T/port1")
    # Control: each way connects without Landlock.
    run --separate-stderr psb -- /bin/sh -c "for w in sendto sendmsg sockopt; do /probe/hutch-probe fastopen \$w $a; done; /probe/hutch-probe mptcp $a"
    assert_output "ok
ok
ok
ok"
    run --separate-stderr psb --landlock-connect-tcp none -- /bin/sh -c "for w in sendto sendmsg sockopt; do /probe/hutch-probe fastopen \$w $a; done; /probe/hutch-probe mptcp $a; /probe/hutch-probe call io_uring_setup 1 0; /probe/hutch-probe connect-tcp $a"
    assert_success
    assert_output "EOPNOTSUPP
EOPNOTSUPP
EOPNOTSUPP
EPROTONOSUPPORT
ENOSYS
EACCES"
    run --separate-stderr psb --landlock-connect-tcp "$a" -- /bin/sh -c "/probe/hutch-probe connect-tcp $a; /probe/hutch-probe fastopen sendto $a"
    assert_output "ok
EOPNOTSUPP"
}

@test "--landlock-bind-tcp none: listen() on a socket never bound gets no port; a listed port still binds" {
    skip_unless_landlock 4
    run --separate-stderr psb --unshare-net -- "$P" listen-unbound
    assert_output ok
    run --separate-stderr psb --unshare-net --landlock-bind-tcp none -- /bin/sh -c \
        '/probe/hutch-probe listen-unbound; /probe/hutch-probe mptcp 1; /probe/hutch-probe bind-tcp 5000'
    assert_success
    assert_output "EACCES
EPROTONOSUPPORT
EACCES"
    run --separate-stderr psb --unshare-net --landlock-bind-tcp 5000 -- /bin/sh -c \
        '/probe/hutch-probe bind-tcp 5000; /probe/hutch-probe listen-bound 5000'
    assert_output "ok
ok"
}

@test "built without libseccomp, the Landlock port rules are refused with one line (a warning with --landlock-best-effort)" {
    ! "$HUTCH" --version | grep -q libseccomp || skip "built with libseccomp (./configure --with-seccomp=no to test this)"
    skip_unless_landlock 4
    expect_error "--landlock-connect-tcp: closing the ways around Landlock's port rules (MPTCP, TCP Fast Open, listen) needs a hutch built with libseccomp (--landlock-best-effort goes on without it)" \
        "${MINROOT[@]}" --landlock-connect-tcp 80 -- /bin/true
    run --separate-stderr psb --unshare-net --landlock-best-effort --landlock-bind-tcp none -- "$P" bind-tcp 5000
    assert_success
    assert_output EACCES
    [[ $stderr == *"--landlock-bind-tcp: closing the ways around Landlock's port rules (MPTCP, TCP Fast Open, listen) needs a hutch built with libseccomp: going on without it" ]] ||
        fail "no warning: $stderr"
}
