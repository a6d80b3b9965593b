#!/usr/bin/env bats
# The caller's keys (issue 17): the sandbox joins one new session keyring,
# or, when none can be had (the key quota, kernel.keys.maxkeys, is used up),
# still starts, with add_key, keyctl and request_key failing with ENOSYS.
#
# The key calls are made by keys_py (python3 ctypes; Debian's keyutils is
# not needed).  The key quota is per uid: as root, the tests that fill or
# count it run as a uid of their own (setpriv), not as root (whose quota is
# 1,000,000) and not as a uid other suites use at the same time.

setup() {
    load helpers
    hutch_setup
    hutch_only "bubblewrap does not touch keyrings"
    PY=/usr/bin/python3
    [[ -x $PY ]] || skip "needs $PY"
    # A uid no other process has, for the root pass.
    SPARE_UID=$((3900000 + BATS_TEST_NUMBER))
    # Root without a user namespace always has the keyring filter (its @u
    # is root's own: tests/fds.bats); the join is tested in one.
    USERNS=()
    ! is_root || USERNS=(--unshare-user)
}

teardown() {
    hutch_teardown
}

# keys_py outer [--fill] DESC DATA CMD...
#     join a session keyring of the test's own, add the "user" key DESC
#     (DATA) to it, print "session ID", "key ID", "outside DATA-READ" and
#     "filters N" (this process's seccomp filters); with --fill, add keys
#     until the uid's quota is used up and print "join ERRNO" (what a new
#     session keyring gets now), and go on taking every key given back
#     while CMD runs; run CMD with HUTCH_TEST_KEY=ID; clear the keyring;
#     exit with CMD's status.
# keys_py inner DESC
#     print "session ID-or-ERRNO" (@s), "search ..." (DESC in @s), "read
#     ..." (key $HUTCH_TEST_KEY), "add ok-or-ERRNO" (a key added to @s).
# Exit 3: a machine whose system call numbers it does not know.
# shellcheck disable=SC2016
KEYS_PY='
import ctypes, errno, os, subprocess, sys
NRS = {"x86_64": (248, 249, 250), "aarch64": (217, 218, 219), "riscv64": (217, 218, 219),
       "s390x": (278, 279, 280), "i686": (286, 287, 288), "armv7l": (309, 310, 311)}
if os.uname().machine not in NRS:
    print("unknown machine", os.uname().machine); sys.exit(3)
ADD, REQ, CTL = NRS[os.uname().machine]
SES = -3
JOIN, CLEAR, SEARCH, READ, GET_ID = 1, 7, 10, 11, 0
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
def call(nr, *args):
    a = [ctypes.c_long(x) if isinstance(x, int) else x for x in args]
    r = libc.syscall(ctypes.c_long(nr), *a)
    return (r, None) if r >= 0 else (None, errno.errorcode.get(ctypes.get_errno(), "E?"))
def add(desc, data, ring=SES):
    return call(ADD, b"user", desc.encode(), data.encode(), len(data), ring)
def show(what, r):
    print(what, r[0] if r[0] is not None else r[1], flush=True)
def read(key):
    buf = ctypes.create_string_buffer(256)
    n, e = call(CTL, READ, key, buf, 255, 0)
    return (buf.raw[:n].decode(), None) if e is None else (None, e)
def filters():
    for line in open("/proc/self/status"):
        if line.startswith("Seccomp_filters:"):
            return line.split()[1]
    return "?"
def refuse_join(err):
    # A filter of the caller (as a container profile has): keyctl(JOIN)
    # fails with err; everything else is allowed.
    import struct
    arch = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}.get(os.uname().machine)
    if arch is None:
        print("no filter for", os.uname().machine); sys.exit(3)
    ins = [(0x20, 0, 0, 4), (0x15, 0, 5, arch), (0x20, 0, 0, 0), (0x15, 0, 3, CTL),
           (0x20, 0, 0, 16), (0x15, 0, 1, JOIN), (0x06, 0, 0, 0x50000 | getattr(errno, err)),
           (0x06, 0, 0, 0x7FFF0000)]
    prog = b"".join(struct.pack("HBBI", *i) for i in ins)
    buf = ctypes.create_string_buffer(prog)
    class Fprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
    fp = Fprog(len(ins), ctypes.addressof(buf))
    if libc.prctl(38, 1, 0, 0, 0) != 0 or libc.prctl(22, 2, ctypes.byref(fp), 0, 0) != 0:
        print("filter", errno.errorcode[ctypes.get_errno()]); sys.exit(4)
if sys.argv[1] == "outer":
    refuse = sys.argv[2].startswith("--refuse=")
    if refuse:
        err = sys.argv.pop(2)[len("--refuse="):]
    fill = sys.argv[2] == "--fill"
    desc, data = sys.argv[2 + fill:4 + fill]
    cmd = sys.argv[4 + fill:]
    ses, e = call(CTL, JOIN, None)
    if e: print("join", e); sys.exit(4)
    print("session", ses)
    key, e = add(desc, data)
    if e: print("add", e); sys.exit(4)
    print("key", key)
    show("outside", read(key))
    if refuse:
        refuse_join(err)
        print("join", call(CTL, JOIN, None)[1], flush=True)
    print("filters", filters(), flush=True)
    if fill:
        import threading, time
        def fill_up():
            n = 0
            while True:
                r, e = add("hutch-test-fill-%d-%d" % (time.monotonic_ns(), n), "x")
                if e: return n, e
                n += 1
        # Until no key has been given back for 0.3 s: the keys of processes
        # that ended just before are freed a while after them.
        print("filled", fill_up()[1], flush=True)
        quiet = 0
        while quiet < 0.3:
            time.sleep(0.02)
            quiet = 0 if fill_up()[0] else quiet + 0.02
        pid = os.fork()
        if pid == 0:
            r, e = call(CTL, JOIN, None)
            os._exit(0 if e is None else getattr(errno, e))
        st = os.waitpid(pid, 0)[1]
        print("join", errno.errorcode.get(os.waitstatus_to_exitcode(st), "ok"), flush=True)
        # Keys other processes of the uid give back are taken again at once,
        # until the sandbox is done.
        done = threading.Event()
        def refill():
            while not done.is_set():
                fill_up()
                time.sleep(0.001)
        t = threading.Thread(target=refill)
        t.start()
    st = subprocess.call(cmd, env=dict(os.environ, HUTCH_TEST_KEY=str(key)))
    if fill:
        done.set()
        t.join()
    call(CTL, CLEAR, SES)
    sys.exit(st)
if sys.argv[1] == "inner":
    show("in-session", call(CTL, GET_ID, SES, 0))
    show("in-search", call(CTL, SEARCH, SES, b"user", sys.argv[2].encode(), 0))
    show("in-read", read(int(os.environ["HUTCH_TEST_KEY"])))
    r, e = add("hutch-test-inside", "y")
    print("in-add", e or "ok")
'

# The command run in the sandbox: what it can do with the caller's key, then
# the seccomp filters of PID 1 and its own.
INNER='/usr/bin/python3 -c "$0" inner hutch-test-secret
echo "filters-pid1 $(sed -n "s/^Seccomp_filters:[[:space:]]*//p" /proc/1/status)"
echo "filters-self $(sed -n "s/^Seccomp_filters:[[:space:]]*//p" /proc/self/status)"
echo ran'

# as_test_user CMD... : CMD as the uid whose key quota a test may use up:
# SPARE_UID when run as root, else the caller itself.
as_test_user() {
    if is_root; then
        (cd / && setpriv --reuid="$SPARE_UID" --regid="$SPARE_UID" --clear-groups -- "$@")
    else
        "$@"
    fi
}

test_uid() { if is_root; then echo "$SPARE_UID"; else id -u; fi; }

# keys_of UID : the number of keys UID has (/proc/key-users), 0 if none
keys_of() {
    awk -v u="$1:" '$1 == u { print $2; found = 1 } END { if (!found) print 0 }' /proc/key-users
}

keys_at_most() { (($(keys_of "$1") <= $2)); }

needs_spare_uid() {
    if is_root; then
        skip_unless_cmd setpriv
        setpriv --reuid="$SPARE_UID" --regid="$SPARE_UID" --clear-groups -- test -x "$HUTCH" ||
            skip "$HUTCH is not executable by uid $SPARE_UID"
        # Left from an earlier run: freed a moment after its processes end.
        wait_until 10 keys_at_most "$SPARE_UID" 0 || fail "uid $SPARE_UID has keys: $(keys_of "$SPARE_UID")"
    fi
}

# line WORD : the rest of the line of $output that starts with WORD
line() {
    local l
    for l in "${lines[@]}"; do
        [[ $l != "$1 "* ]] || { echo "${l#"$1 "}"; return 0; }
    done
    echo "(no $1 line)"
}

# assert_key_hidden new-keyring|new-keyring-full|filter
# The caller's key as seen from the sandbox: found and read by the caller,
# neither found nor read inside (ENOKEY/EACCES with the sandbox's keyring,
# ENOSYS with the filter); the key calls refused only with the filter, for
# PID 1 too.
assert_key_hidden() {
    [[ $(line outside) == hunter2 ]] || fail "the key is not readable outside" "$(_show_run)"
    [[ ${lines[-1]} == ran ]] || fail "the sandbox did not run" "$(_show_run)"
    local f=$(($(line filters) + 1)) # the caller's filters, plus hutch's keyring filter
    if [[ $1 == new-keyring* ]]; then
        [[ $(line in-session) =~ ^[0-9]+$ && $(line in-session) != "$(line session)" ]] ||
            fail "the sandbox has the caller's session keyring" "$(_show_run)"
        [[ $(line in-search) == ENOKEY ]] || fail "the key was found inside" "$(_show_run)"
        [[ $(line in-read) == EACCES ]] || fail "the key was read inside" "$(_show_run)"
        # (With the quota used up, the key is refused for the quota.)
        [[ $(line in-add) == ok || ($1 == new-keyring-full && $(line in-add) == EDQUOT) ]] ||
            fail "no key of its own can be added inside" "$(_show_run)"
        f=$((f - 1))
    else
        local what
        for what in in-session in-search in-read in-add; do
            [[ $(line "$what") == ENOSYS ]] || fail "$what: not ENOSYS" "$(_show_run)"
        done
    fi
    [[ $(line filters-self) == "$f" ]] || fail "the command has not $f seccomp filters" "$(_show_run)"
    if [[ -n $PIDNS ]]; then # (no PID 1 of hutch's without a PID namespace)
        [[ $(line filters-pid1) == "$f" ]] || fail "PID 1 has not $f seccomp filters" "$(_show_run)"
    fi
    assert_output_not_contains "hunter2
hunter2"
}

# run_keys [--fill|--refuse=ERRNO] [WRAPPER...] : the caller with its key,
# then the sandbox (with $PIDNS) that runs INNER; or
# run_keys [--fill|--refuse=ERRNO] "$HUTCH" ARGS... : that sandbox instead
run_keys() {
    local fill=()
    [[ $1 != --fill && $1 != --refuse=* ]] || { fill=("$1"); shift; }
    local wrap=() cmd=()
    if [[ ${1-} == "$HUTCH" ]]; then
        cmd=("$@")
    else
        wrap=("$@")
        # shellcheck disable=SC2086
        cmd=("$HUTCH" "${USERNS[@]}" --ro-bind / / --proc /proc --dev /dev $PIDNS --verbose -- /bin/sh -c "$INNER" "$KEYS_PY")
    fi
    run --separate-stderr "${wrap[@]}" "$PY" -c "$KEYS_PY" outer "${fill[@]}" hutch-test-secret hunter2 "${cmd[@]}"
    [[ $status -ne 3 ]] || skip "$output"
    [[ $status -ne 4 ]] || skip "no keyring of the test's own: $output"
}

@test "the caller's session key is neither found nor read inside; one new keyring for PID 1 and the command" {
    for PIDNS in --unshare-pid ""; do
        run_keys
        assert_success
        if [[ $stderr == *"no new session keyring"* ]]; then
            # (Another suite running as this uid used the key quota up.)
            assert_key_hidden filter
        else
            assert_key_hidden new-keyring
        fi
    done
}

@test "key quota used up: the sandbox starts, the key calls fail with ENOSYS, --verbose says why" {
    needs_spare_uid
    local uid before
    uid=$(test_uid)
    before=$(keys_of "$uid")
    local attempt
    for PIDNS in --unshare-pid ""; do
        # As a user, other suites' keys of the same uid are given back at
        # any time (a while after their sandboxes end): a sandbox may get a
        # keyring after all, though rarely twice.
        for attempt in 1 2 3 4 5; do
            run_keys --fill as_test_user
            [[ $(line filled) == EDQUOT && $(line join) == EDQUOT ]] ||
                fail "the quota is not used up: a new keyring is possible" "$(_show_run)"
            assert_success
            [[ $stderr != *"no new session keyring"* ]] || break
            ! is_root || fail "a new keyring with the quota used up" "$(_show_run)"
            assert_key_hidden new-keyring-full
        done
        assert_key_hidden filter
        [[ $stderr == *"$HUTCH_NAME: no new session keyring (Disk quota exceeded): add_key, keyctl and request_key fail with ENOSYS in the sandbox instead"* ]] ||
            fail "--verbose did not say so" "$(_show_run)"
    done
    # The test's keys go once its processes are gone: counted as root, for
    # a uid of the test's own (as a user, other suites' sandboxes, such as
    # instances.bats' fifty, hold keys of the same uid meanwhile).
    if is_root; then
        wait_until 30 keys_at_most "$uid" "$before" || fail "uid $uid: $(keys_of "$uid") keys, $before before"
    fi
}

@test "a sandbox costs one key of the caller's quota, with and without PID 1" {
    skip_unless_root # counted for a uid of its own; as a user, other suites add and free keys of the same uid
    needs_spare_uid
    # While the sandbox runs, its keys are counted from inside: the caller's
    # session keyring and key (2), and the sandbox's keyring.
    local pidns count
    for pidns in --unshare-pid ""; do
        # The keys of the run before are freed a moment after it.
        wait_until 30 keys_at_most "$SPARE_UID" 0 || fail "uid $SPARE_UID: $(keys_of "$SPARE_UID") keys left"
        # shellcheck disable=SC2086
        run --separate-stderr as_test_user "$PY" -c "$KEYS_PY" outer hutch-test-secret hunter2 \
            "$HUTCH" --ro-bind / / --proc /proc $pidns -- \
            /bin/sh -c 'awk -v u="$(id -u):" "\$1 == u { print \"count\", \$2 }" /proc/key-users'
        [[ $status -ne 3 ]] || skip "$output"
        assert_success
        count=$(line count)
        [[ $count == 3 ]] || fail "${pidns:-no pid namespace}: $count keys, expected 3" "$(_show_run)"
    done
    wait_until 30 keys_at_most "$SPARE_UID" 0 || fail "uid $SPARE_UID: $(keys_of "$SPARE_UID") keys left"
}

@test "a join refused by a filter of the caller's (EPERM, ENOSYS): the sandbox starts, the key calls fail" {
    skip_in_setuid_mode "the caller's filter needs no_new_privs, which keeps the setuid build from running"
    local err
    for err in EPERM ENOSYS; do # (EACCES takes the same way)
        PIDNS=--unshare-pid
        run_keys --refuse="$err"
        [[ $(line join) == "$err" ]] || fail "the caller's filter did not refuse the join" "$(_show_run)"
        assert_success
        assert_key_hidden filter
        [[ $stderr == *"$HUTCH_NAME: no new session keyring ($(python3 -c "import os, errno; print(os.strerror(errno.$err))")): "* ]] ||
            fail "--verbose did not say so" "$(_show_run)"
    done
}

@test "the keyring filter: key calls fail with ENOSYS through the x86_64, x32 and i386 ABIs; other calls pass" {
    skip_in_setuid_mode "the caller's filter needs no_new_privs, which keeps the setuid build from running"
    load probe
    probe_setup
    skip_unless_x86_64
    # i386 numbers: add_key 286, request_key 287, keyctl 288, getppid 64.
    # (hutch-probe knows no request_key by name: that one through i386 only.)
    local calls=("call keyctl 0 -3 0" "call add_key 0 0 0 0 0" "x32 keyctl 0 -3 0"
        "x32 add_key 0 0 0 0 0" "int80 288 0 -3 0" "int80 286" "int80 287"
        "call getppid" "x32 getppid" "int80 64")
    local script='p=$0; for t; do printf "%s: " "$t"; $p $t; done'
    # Without the filter: what the kernel answers (x32 may not be built in).
    run --separate-stderr "$HUTCH" "${USERNS[@]}" --ro-bind / / --unshare-pid -- /bin/sh -c "$script" "$PROBE" "${calls[@]}"
    assert_success
    local x32 i386
    x32=$(sed -n 's/^x32 getppid: //p' <<<"$output")
    i386=$(sed -n 's/^int80 64: //p' <<<"$output")
    [[ $output == *"call keyctl 0 -3 0: ok"* ]] || fail "keyctl fails without the filter" "$(_show_run)"
    run_keys --refuse=EPERM "$HUTCH" --ro-bind / / --unshare-pid -- /bin/sh -c "$script" "$PROBE" "${calls[@]}"
    [[ $(line join) == EPERM ]] || fail "the caller's filter did not refuse the join" "$(_show_run)"
    assert_success
    local t expect
    for t in "${calls[@]}"; do
        case $t in
        *getppid | "int80 64") expect=ok ;;
        *) expect=ENOSYS ;;
        esac
        [[ $t != x32* || $x32 == ok ]] || expect=ENOSYS # no x32 in this kernel: ENOSYS anyway
        [[ $t != int80* || $i386 == ok ]] || expect=unavailable
        [[ $(line "$t:") == "$expect" ]] || fail "$t: expected $expect" "$(_show_run)"
    done
}

@test "the keyring filter and --seccomp-deny @keyring: the errno asked for is the one seen" {
    skip_in_setuid_mode "the caller's filter needs no_new_privs, which keeps the setuid build from running"
    run_keys --refuse=EPERM "$HUTCH" --ro-bind / / --unshare-pid --verbose \
        --seccomp-deny @keyring --seccomp-errno EACCES -- /bin/sh -c "$INNER" "$KEYS_PY"
    [[ $stderr != *"built without libseccomp"* ]] || skip "built without libseccomp"
    [[ $(line join) == EPERM ]] || fail "the caller's filter did not refuse the join" "$(_show_run)"
    assert_success
    [[ $stderr == *"no new session keyring"* ]] || fail "no fallback" "$(_show_run)"
    local what
    for what in in-session in-search in-read in-add; do
        [[ $(line "$what") == EACCES ]] || fail "$what: not EACCES" "$(_show_run)"
    done
    [[ ${lines[-1]} == ran ]] || fail "the sandbox did not run" "$(_show_run)"
}
