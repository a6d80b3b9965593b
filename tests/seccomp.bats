#!/usr/bin/env bats
# hutch's own seccomp filters: --seccomp-deny, --seccomp-errno,
# --seccomp-policy default; every ABI filtered; stacking with --seccomp.
# Each effect is seen from inside by hutch-probe (tests/hutch-probe.c),
# which prints "ok" or the errno a system call failed with.

setup() {
    load helpers
    load probe
    hutch_setup
    probe_setup
    if [[ $BATS_TEST_DESCRIPTION != "built without libseccomp"* ]]; then
        has_libseccomp || skip "hutch was built without libseccomp"
    fi
}

teardown() {
    hutch_teardown
}

has_libseccomp() { "$HUTCH" --version | grep -q libseccomp; }

# probes OPTIONS... 'PROBE ARGS;PROBE ARGS;...' : run each probe in one
# sandbox (stdin /dev/null), printing "ARGS: RESULT" lines.
probes() {
    local list=${!#}
    local script='IFS=";"; for t in $LIST; do IFS=" "; printf "%s: " "$t"; /probe/hutch-probe $t; done'
    psb "${@:1:$#-1}" --setenv LIST "$list" -- /bin/sh -c "$script" </dev/null
}

# --- --seccomp-deny and --seccomp-errno ----------------------------------------------

@test "--seccomp-deny: a denied call fails with EPERM, the others still work" {
    run --separate-stderr probes --seccomp-deny getppid 'call getppid;call getpid;call uname 0'
    assert_success
    assert_output "call getppid: EPERM
call getpid: ok
call uname 0: EFAULT"
}

@test "--seccomp-errno: denied calls fail with the errno chosen, by name or number" {
    run --separate-stderr psb --seccomp-deny getppid --seccomp-errno ENOSYS -- "$P" call getppid
    assert_success
    assert_output ENOSYS
    run --separate-stderr psb --seccomp-errno EACCES --seccomp-deny getppid -- "$P" call getppid
    assert_output EACCES
    run --separate-stderr psb --seccomp-deny getppid --seccomp-errno 61 -- "$P" call getppid
    assert_output ENODATA
}

@test "--seccomp-deny: lists and @groups add up across repeated options" {
    run --separate-stderr probes --seccomp-deny getppid,sync --seccomp-deny @keyring \
        'call getppid;call sync;call keyctl 0 -3 0;call add_key 0 0 0 0 0;call getpid'
    assert_success
    assert_output "call getppid: EPERM
call sync: EPERM
call keyctl 0 -3 0: EPERM
call add_key 0 0 0 0 0: EPERM
call getpid: ok"
}

@test "--seccomp-deny @mount covers the old and the new mount API" {
    run --separate-stderr probes --seccomp-deny @mount --seccomp-errno EHWPOISON \
        'call mount 0 0 0 0 0;call umount2 0 0;call fsopen 0 0;call getpid'
    assert_success
    assert_output "call mount 0 0 0 0 0: EHWPOISON
call umount2 0 0: EHWPOISON
call fsopen 0 0: EHWPOISON
call getpid: ok"
}

# --- other ABIs ------------------------------------------------------------------------

@test "x32 ABI: a denied call made with __X32_SYSCALL_BIT is denied too" {
    skip_unless_x86_64
    # Without a filter the kernel answers (ENOSYS where x32 is not built in).
    run --separate-stderr psb -- "$P" x32 getppid
    assert_success
    [[ $output != EPERM ]] || fail "x32 getppid fails with EPERM even without a filter"
    run --separate-stderr probes --seccomp-deny getppid 'x32 getppid;x32 keyctl 0 -3 0'
    assert_output "x32 getppid: EPERM
x32 keyctl 0 -3 0: $(psb -- "$P" x32 keyctl 0 -3 0)"
}

@test "i386 ABI: a denied call made through int \$0x80 is denied too" {
    skip_unless_x86_64
    # i386 numbers: getppid is 64, getpid 20.
    run --separate-stderr psb -- "$P" int80 64
    [[ $output != unavailable ]] ||
        skip "this kernel runs no i386 system calls (no IA32 emulation)"
    assert_output ok
    run --separate-stderr probes --seccomp-deny getppid 'int80 64;int80 20'
    assert_success
    assert_output "int80 64: EPERM
int80 20: ok"
}

# --- --seccomp-policy default ------------------------------------------------------

@test "default policy: the TIOCSTI and TIOCLINUX ioctls fail with EPERM" {
    local ioctls='ioctl tiocsti;ioctl tiocsti high;ioctl tioclinux;ioctl tioclinux high'
    # Without the policy, fd 0 (/dev/null) is just not a terminal.
    run --separate-stderr probes "$ioctls"
    assert_output "ioctl tiocsti: ENOTTY
ioctl tiocsti high: ENOTTY
ioctl tioclinux: ENOTTY
ioctl tioclinux high: ENOTTY"
    run --separate-stderr probes --seccomp-policy default "$ioctls"
    assert_success
    # "high": the request with bit 32 set too, which the kernel ignores.
    assert_output "ioctl tiocsti: EPERM
ioctl tiocsti high: EPERM
ioctl tioclinux: EPERM
ioctl tioclinux high: EPERM"
}

@test "default policy: no new user namespace (unshare, clone), clone3 is ENOSYS" {
    run --separate-stderr probes 'call unshare 0x10000000;clone-newuser;clone3'
    assert_output "call unshare 0x10000000: ok
clone-newuser: ok
clone3: ok"
    run --separate-stderr probes --seccomp-policy default \
        'call unshare 0x10000000;clone-newuser;clone3;call unshare 0x20000'
    assert_success
    # CLONE_NEWNS alone (0x20000) is still allowed.
    assert_output "call unshare 0x10000000: EPERM
clone-newuser: EPERM
clone3: ENOSYS
call unshare 0x20000: $(psb -- "$P" call unshare 0x20000)"
}

@test "default policy: keyring, mount, ptrace, perf, userfaultfd, io_uring, modules, kexec are refused" {
    local calls='call keyctl 0 -3 0;call mount 0 0 0 0 0;call fsopen 0 0;call ptrace 3 2147483647 0'
    calls+=';call perf_event_open 0 0 -1 -1 0;call userfaultfd 0;call io_uring_setup 1 0'
    calls+=';call init_module 0 0 0;call kexec_load 0 0 0 0;call swapoff 0;call acct 0'
    run --separate-stderr probes --seccomp-policy default --seccomp-errno EHWPOISON "$calls;call getpid"
    assert_success
    local want="" c
    IFS=';' read -ra list <<<"$calls"
    for c in "${list[@]}"; do
        want+="$c: EHWPOISON"$'\n'
    done
    assert_output "${want}call getpid: ok"
}

@test "default policy: ptrace is refused with EPERM" {
    run --separate-stderr psb -- "$P" call ptrace 3 2147483647 0
    assert_output ESRCH
    run --separate-stderr psb --seccomp-policy default -- "$P" call ptrace 3 2147483647 0
    assert_output EPERM
}

@test "default policy: socket families other than unix, inet, inet6, netlink get EAFNOSUPPORT" {
    # AF_UNIX 1, AF_INET 2, AF_INET6 10, AF_NETLINK 16: as without the policy.
    run --separate-stderr probes 'socket 1;socket 2;socket 10;socket 16'
    local unfiltered=$output
    run --separate-stderr probes --seccomp-policy default 'socket 1;socket 2;socket 10;socket 16'
    assert_output "$unfiltered"
    # AF_PACKET 17, AF_ALG 38, AF_VSOCK 40, AF_BLUETOOTH 31, and nonsense.
    run --separate-stderr probes --seccomp-policy default \
        'socket 17;socket 38;socket 40;socket 31;socket 0;socket 4294967298'
    assert_success
    assert_output "socket 17: EAFNOSUPPORT
socket 38: EAFNOSUPPORT
socket 40: EAFNOSUPPORT
socket 31: EAFNOSUPPORT
socket 0: EAFNOSUPPORT
socket 4294967298: EAFNOSUPPORT"
}

@test "default policy: personality() keeps the harmless personas, refuses the rest" {
    # 0xffffffff queries; 0 is PER_LINUX, 8 PER_LINUX32, 0x20000 UNAME26.
    # 0x40000 ADDR_NO_RANDOMIZE and 0x400000 READ_IMPLIES_EXEC are refused.
    run --separate-stderr probes --seccomp-policy default \
        'call personality 0xffffffff;call personality 0;call personality 8;call personality 0x20000;call personality 0x40000;call personality 0x400000;call personality 1;call personality 0x100000000'
    assert_success
    assert_output "call personality 0xffffffff: ok
call personality 0: ok
call personality 8: ok
call personality 0x20000: ok
call personality 0x40000: EPERM
call personality 0x400000: EPERM
call personality 1: EPERM
call personality 0x100000000: EPERM"
}

@test "default policy: ordinary programs still work (fork, exec, pipes, threads)" {
    run --separate-stderr psb --seccomp-policy default -- /bin/sh -c \
        'echo piped | cat; (echo subshell); sleep 0.01 & wait; ls -d /probe'
    assert_success
    assert_output "piped
subshell
/probe"
    if [[ -x /usr/bin/python3 ]]; then
        run --separate-stderr psb --seccomp-policy default -- /usr/bin/python3 -c \
            'import threading; t = threading.Thread(target=print, args=("thread",)); t.start(); t.join()'
        assert_success
        assert_output thread
    fi
}

# --- stacking with the caller's programs ------------------------------------------

# A raw BPF program (x86_64 numbers): getppid (110) fails with EACCES.
caller_filter() {
    # ld [0] (nr); jeq 110 ? next : skip 1; ret ERRNO|EACCES (13); ret ALLOW
    printf '\x20\x00\x00\x00\x00\x00\x00\x00'
    printf '\x15\x00\x00\x01\x6e\x00\x00\x00'
    printf '\x06\x00\x00\x00\x0d\x00\x05\x00'
    printf '\x06\x00\x00\x00\x00\x00\xff\x7f'
}

@test "--seccomp and hutch's filter stack; on the same call hutch's errno, loaded last, wins" {
    skip_unless_x86_64
    caller_filter >"$T/filter"
    run --separate-stderr probes --seccomp 3 'call getppid;call sync' 3<"$T/filter"
    assert_output "call getppid: EACCES
call sync: ok"
    run --separate-stderr probes --seccomp 3 --seccomp-deny sync 'call getppid;call sync' 3<"$T/filter"
    assert_output "call getppid: EACCES
call sync: EPERM"
    run --separate-stderr probes --add-seccomp-fd 3 --seccomp-deny getppid 'call getppid' 3<"$T/filter"
    assert_success
    assert_output "call getppid: EPERM"
}

# --- errors ---------------------------------------------------------------------------

@test "an unknown system call is a one-line error" {
    expect_error '--seccomp-deny: unknown system call "frobnicate"' \
        --seccomp-deny getppid,frobnicate -- /bin/true
}

@test "an unknown @group is a one-line error listing the groups" {
    expect_error '--seccomp-deny: unknown group "@nope" (known: @clock * @swap)' \
        --seccomp-deny @nope -- /bin/true
}

@test "an empty name in a --seccomp-deny list is a one-line error" {
    expect_error '--seccomp-deny: empty name in "getppid,"' --seccomp-deny getppid, -- /bin/true
    expect_error '--seccomp-deny: empty name in ""' --seccomp-deny "" -- /bin/true
}

@test "an unknown errno name is a one-line error" {
    expect_error '--seccomp-errno: unknown errno "EFROB"*' \
        --seccomp-deny getppid --seccomp-errno EFROB -- /bin/true
    expect_error '--seccomp-errno: unknown errno "4096"*' \
        --seccomp-deny getppid --seccomp-errno 4096 -- /bin/true
}

@test "an unknown policy is a one-line error" {
    expect_error '--seccomp-policy: unknown policy "strict" (known: default)' \
        --seccomp-policy strict -- /bin/true
}

@test "--seccomp-errno alone is a one-line error" {
    expect_error '--seccomp-errno needs --seccomp-deny or --seccomp-policy' \
        --ro-bind / / --seccomp-errno ENOSYS -- /bin/true
}

@test "built without libseccomp, the seccomp options are refused with one line" {
    ! has_libseccomp || skip "built with libseccomp (./configure --with-seccomp=no to test this)"
    expect_error '--seccomp-deny: hutch was built without libseccomp' \
        --seccomp-deny getppid -- /bin/true
    expect_error '--seccomp-policy: hutch was built without libseccomp' \
        --seccomp-policy default -- /bin/true
    expect_error '--seccomp-errno: hutch was built without libseccomp' \
        --seccomp-errno ENOSYS -- /bin/true
}
