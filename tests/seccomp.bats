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

# --- every call the man page claims, on every ABI (issue 24) ---------------------------

# The man page is the source of truth: SECCOMP, Groups lists each group's
# calls and "The default policy" what it refuses outright.  Found beside
# this copy of the suite, in the build tree or beside $HUTCH.
seccomp_doc() {
    local d
    for d in "$BATS_TEST_DIRNAME/.." "${HUTCH%/*}" ${HUTCH_BUILDDIR:+"$HUTCH_BUILDDIR"}; do
        if [[ -f $d/man/hutch.1.scd ]]; then
            DOC=$d/man/hutch.1.scd
            return 0
        fi
    done
    skip "man/hutch.1.scd is not beside this copy of the suite"
}

# doc_calls TARGET: "ABI NAME NUMBER" for each call the man page says
# TARGET (a @group, or "default") refuses; ABI n (x86_64), i (i386), x
# (x32).  A call an ABI lacks is left out there (subpage_prot is powerpc's);
# a name no architecture of libseccomp's has comes out as "? NAME -".
doc_calls() {
    /usr/bin/python3 - "$DOC" "$1" <<'PY'
import sys
import re
import sys

import seccomp

doc = open(sys.argv[1]).read()
target = sys.argv[2]


def names_of(text):
    return [w.strip().replace("\\_", "_") for w in text.split(",") if w.strip()]


section = doc[doc.index("## Groups\n"):doc.index("## The default policy\n")]
groups = {}
for m in re.finditer(r"^\*(@[a-z-]+)\*\n((?:\t.*\n)+)", section, re.M):
    text = " ".join(line.strip() for line in m.group(2).splitlines())
    groups[m.group(1)] = names_of(text.rsplit(": ", 1)[1].rstrip("."))
policy = doc[doc.index("## The default policy\n"):]
policy = " ".join(policy.split("It refuses outright:", 1)[1].split(".", 1)[0].split())


def expand(names, depth=0):
    out = set()
    for n in names:
        if n.startswith("@"):
            if depth > 4 or n not in groups:
                sys.exit("seccomp-doc-calls: unknown or looping group %s" % n)
            out |= expand(groups[n], depth + 1)
        else:
            out.add(n)
    return out


other_arches = [getattr(seccomp.Arch, a) for a in dir(seccomp.Arch) if a.isupper()]


def known_on(arch, name):
    try:
        return seccomp.resolve_syscall(arch, name) >= 0
    except Exception:
        return False


calls = expand(names_of(policy) if target == "default" else groups[target])
arches = (("n", seccomp.Arch.X86_64), ("i", seccomp.Arch.X86), ("x", seccomp.Arch.X32))
for name in sorted(calls):
    known = False
    for abi, arch in arches:
        try:
            nr = seccomp.resolve_syscall(arch, name)
        except Exception:
            continue
        # i386 socket calls resolve to socketcall(2): not this call.
        if nr < 0 or (abi == "i" and nr == 102 and name != "socketcall"):
            continue
        known = True
        print(abi, name, nr)
    if not known and not any(known_on(a, name) for a in other_arches):
        print("?", name, "-")
PY
}

# refused_everywhere TARGET OPTIONS... : each call doc_calls TARGET lists
# fails with EHWPOISON (the errno asked for) on its ABI, under OPTIONS.
refused_everywhere() {
    local target=$1 abi name nr line
    shift
    local -A nrs=() names=()
    while read -r abi name nr; do
        [[ $abi != "?" ]] || fail "the man page lists $name under $target: no such system call"
        nrs[$abi]+=" $nr" names[$abi]+=" $name"
    done < <(doc_calls "$target")
    [[ -n ${nrs[n]} ]] || fail "the man page lists no x86_64 call for $target"
    local -A verb=([n]=nr [i]=int80nr [x]=x32nr)
    local bad=()
    for abi in n i x; do
        [[ -n ${nrs[$abi]} ]] || continue
        if [[ $abi == i && $("$PROBE" int80nr 20) == unavailable ]]; then
            continue # no IA32 emulation in this kernel
        fi
        # --cap-drop ALL: a call the filter let through can't do harm.
        run --separate-stderr psb --cap-drop ALL --new-session "$@" --seccomp-errno EHWPOISON -- \
            "$P" "${verb[$abi]}" ${nrs[$abi]}
        assert_success
        local -a got=() n=(${names[$abi]}) r=(${nrs[$abi]})
        mapfile -t got <<<"$output"
        ((${#got[@]} == ${#n[@]})) || fail "$abi: ${#got[@]} results for ${#n[@]} calls: $output"
        for i in "${!n[@]}"; do
            [[ ${got[$i]} == EHWPOISON ]] || bad+=("$abi ${n[$i]} (${r[$i]}): ${got[$i]}")
        done
    done
    ((${#bad[@]} == 0)) || fail "not refused under $*:" "${bad[@]}"
}

@test "every call of every group the man page lists is refused on x86_64, i386 and x32" {
    skip_unless_x86_64
    seccomp_doc
    local g groups
    groups=$(sed -n 's/^\*\(@[a-z-]*\)\*$/\1/p' "$DOC")
    [[ $(wc -w <<<"$groups") -ge 13 ]] || fail "the man page lists only: $groups"
    for g in $groups; do
        refused_everywhere "$g" --seccomp-deny "$g"
    done
}

@test "default policy: every call the man page says it refuses outright is refused on every ABI" {
    skip_unless_x86_64
    seccomp_doc
    # The program compiled at build time, then one compiled at run time
    # (a --seccomp-deny list makes hutch compile the filter itself).
    refused_everywhere default --seccomp-policy default
    refused_everywhere default --seccomp-policy default --seccomp-deny sync
}

@test "default policy: modify_ldt is refused on x86_64 and i386 (it is in @cpu-emulation)" {
    skip_unless_x86_64
    # modify_ldt(0, NULL, 0) reads the LDT: it works without a filter.
    run --separate-stderr psb -- "$P" nr 154
    assert_output ok
    run --separate-stderr psb --seccomp-policy default -- /bin/sh -c '/probe/hutch-probe nr 154; /probe/hutch-probe int80nr 123'
    assert_success
    if [[ ${lines[1]} == unavailable ]]; then
        assert_output "EPERM
unavailable"
    else
        assert_output "EPERM
EPERM"
    fi
}

@test "default policy: socketpair() gets the families socket() gets, directly and through i386 socketcall" {
    skip_unless_x86_64
    # AF_PACKET 17, AF_VSOCK 40, AF_XDP 44 reach their create functions
    # without the policy (they answer for themselves, not EAFNOSUPPORT from
    # a filter); AF_UNIX 1 makes a pair.
    run --separate-stderr probes 'socketpair 1;socketpair 17;socketpair 40;socketpair 44'
    [[ ${lines[0]} == "socketpair 1: ok" ]] || fail "no AF_UNIX pair: $output"
    run --separate-stderr probes --seccomp-policy default \
        'socketpair 1;socketpair 17;socketpair 40;socketpair 44;socketpair 0;socketpair 4294967297'
    assert_success
    assert_output "socketpair 1: ok
socketpair 17: EAFNOSUPPORT
socketpair 40: EAFNOSUPPORT
socketpair 44: EAFNOSUPPORT
socketpair 0: EAFNOSUPPORT
socketpair 4294967297: EAFNOSUPPORT"
    run --separate-stderr psb -- "$P" socketcall-pair 40
    [[ $output != unavailable ]] || skip "this kernel runs no i386 system calls (no IA32 emulation)"
    [[ $output != EAFNOSUPPORT ]] || fail "AF_VSOCK socketpair is EAFNOSUPPORT without a filter"
    run --separate-stderr probes --seccomp-policy default 'socketcall-pair 40;socketcall-pair 1;int80nr 360'
    assert_output "socketcall-pair 40: EAFNOSUPPORT
socketcall-pair 1: EAFNOSUPPORT
int80nr 360: EAFNOSUPPORT"
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
    # 4095 (MAX_ERRNO) is refused by libseccomp: by hutch's parser too.
    expect_error '--seccomp-errno: unknown errno "4095" (a name such as EPERM, or 1 to 4094)' \
        --seccomp-deny getppid --seccomp-errno 4095 -- /bin/true
    run --separate-stderr psb --seccomp-deny getppid --seccomp-errno 4094 -- "$P" call getppid
    assert_success
    assert_output E?
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
