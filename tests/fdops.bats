#!/usr/bin/env bats
# Options that take a file descriptor from the caller: --bind-fd and
# --ro-bind-fd, the caller's seccomp programs (--seccomp, --add-seccomp-fd),
# and the descriptors that tie the sandbox's life to the caller's
# (--lock-file, --sync-fd, --block-fd, --userns-block-fd).

setup() {
    load helpers
    hutch_setup
    mkdir -p "$T/d"
    echo in-d >"$T/d/f"
}

teardown() {
    hutch_teardown
}

# --- --bind-fd, --ro-bind-fd -----------------------------------------------------------

@test "--bind-fd: the directory the fd is open on, writable, writes reach the host" {
    run --separate-stderr sb --bind-fd 3 /mnt -- /bin/sh -c 'cat /mnt/f; echo w >/mnt/w' 3<"$T/d"
    assert_success
    assert_output in-d
    assert_file_content "$T/d/w" w
}

@test "--ro-bind-fd: the directory the fd is open on, read-only" {
    run --separate-stderr sb --ro-bind-fd 3 /mnt -- /bin/sh -c \
        'cat /mnt/f; touch /mnt/w 2>/dev/null || echo refused' 3<"$T/d"
    assert_success
    assert_output "in-d
refused"
    assert_no_path "$T/d/w"
}

@test "--bind-fd: an O_PATH fd works too" {
    skip_unless_cmd python3
    run --separate-stderr python3 -c '
import os, sys
fd = os.open(sys.argv[1], os.O_PATH | os.O_DIRECTORY)
os.dup2(fd, 3) if fd != 3 else os.set_inheritable(3, True)
os.execv(sys.argv[2], sys.argv[2:])' "$T/d" "$HUTCH" "${SB[@]}" --ro-bind-fd 3 /mnt -- cat /mnt/f
    assert_success
    assert_output in-d
}

@test "--bind-fd: an fd open on a file binds that file" {
    run --separate-stderr sb --tmpfs /tmp --bind-fd 3 /tmp/f -- /bin/sh -c \
        'cat /tmp/f; echo more >>/tmp/f' 3<"$T/d/f"
    assert_success
    assert_output in-d
    assert_file_content "$T/d/f" "in-d
more"
}

@test "--bind-fd, --ro-bind-fd: a closed fd is an error; nothing is mounted" {
    hutch_only "bubblewrap mounts whatever /proc/self/fd/N is then"
    expect_error "--bind-fd 7: Bad file descriptor" --ro-bind / / --bind-fd 7 /mnt -- /bin/true
    expect_error "--ro-bind-fd 7: Bad file descriptor" --ro-bind / / --ro-bind-fd 7 /mnt -- /bin/true
    expect_error "Invalid fd: d" --ro-bind / / --bind-fd d /mnt -- /bin/true
}

# --- --seccomp, --add-seccomp-fd -------------------------------------------------------

# bpf NR:ERRNO... : a classic BPF seccomp program for x86_64 in which each
# system call NR fails with ERRNO and every other call is allowed (and so
# is every call of another architecture).
bpf() {
    python3 -c '
import struct, sys
LD_ABS_W, JEQ_K, RET_K = 0x20, 0x15, 0x06
ALLOW, ERRNO, ARCH_X86_64 = 0x7fff0000, 0x00050000, 0xc000003e
def op(code, jt, jf, k):
    return struct.pack("<HBBI", code, jt, jf, k)
prog = op(LD_ABS_W, 0, 0, 4) + op(JEQ_K, 1, 0, ARCH_X86_64) + op(RET_K, 0, 0, ALLOW)
prog += op(LD_ABS_W, 0, 0, 0)
for rule in sys.argv[1:]:
    nr, err = (int(x) for x in rule.split(":"))
    prog += op(JEQ_K, 0, 1, nr) + op(RET_K, 0, 0, ERRNO | err)
prog += op(RET_K, 0, 0, ALLOW)
sys.stdout.buffer.write(prog)' "$@"
}

seccomp_setup() {
    [[ $(uname -m) == x86_64 ]] || skip "x86_64 system call numbers"
    skip_unless_cmd python3
    # mkdir 83, mkdirat 258; unlink 87, unlinkat 263.  EACCES 13, EPERM 1.
    bpf 83:13 258:13 >"$T/mkdir-eacces"
    bpf 83:1 258:1 >"$T/mkdir-eperm"
    bpf 87:1 263:1 >"$T/unlink-eperm"
}

# What mkdir, touch and rm in a fresh tmpfs get: ok or the error's text.
TRY_CALLS='for c in "mkdir /tmp/d" "touch /tmp/f" "rm /tmp/f"; do
    if out=$($c 2>&1); then echo "${c%% *}: ok"; else echo "${c%% *}: ${out##*: }"; fi
done'

@test "--seccomp FD: the program's refused call fails with its errno; other calls work" {
    seccomp_setup
    run --separate-stderr sb --tmpfs /tmp --seccomp 3 -- /bin/sh -c "$TRY_CALLS" 3<"$T/mkdir-eacces"
    assert_success
    assert_output "mkdir: Permission denied
touch: ok
rm: ok"
}

@test "--seccomp FD: the program may come from a pipe" {
    seccomp_setup
    run --separate-stderr sb --tmpfs /tmp --seccomp 3 -- /bin/sh -c "$TRY_CALLS" \
        3< <(cat "$T/unlink-eperm")
    assert_success
    assert_output "mkdir: ok
touch: ok
rm: Operation not permitted"
}

@test "--add-seccomp-fd twice: both programs apply" {
    seccomp_setup
    run --separate-stderr sb --tmpfs /tmp --add-seccomp-fd 3 --add-seccomp-fd 4 -- \
        /bin/sh -c "$TRY_CALLS" 3<"$T/mkdir-eacces" 4<"$T/unlink-eperm"
    assert_success
    assert_output "mkdir: Permission denied
touch: ok
rm: Operation not permitted"
}

@test "--add-seccomp-fd: programs are loaded in order; on the same call the last one's errno is seen" {
    seccomp_setup
    run --separate-stderr sb --tmpfs /tmp --add-seccomp-fd 3 --add-seccomp-fd 4 -- \
        /bin/sh -c "$TRY_CALLS" 3<"$T/mkdir-eacces" 4<"$T/mkdir-eperm"
    assert_success
    assert_output "mkdir: Operation not permitted
touch: ok
rm: ok"
    run --separate-stderr sb --tmpfs /tmp --add-seccomp-fd 4 --add-seccomp-fd 3 -- \
        /bin/sh -c "$TRY_CALLS" 3<"$T/mkdir-eacces" 4<"$T/mkdir-eperm"
    assert_output "mkdir: Permission denied
touch: ok
rm: ok"
}

@test "--seccomp twice: a warning, and only the last program applies" {
    seccomp_setup
    run --separate-stderr sb --tmpfs /tmp --seccomp 3 --seccomp 4 -- /bin/sh -c "$TRY_CALLS" \
        3<"$T/mkdir-eacces" 4<"$T/unlink-eperm"
    assert_success
    assert_output "mkdir: ok
touch: ok
rm: Operation not permitted"
    assert_error_line "Only the last --seccomp option will take effect"
}

@test "--seccomp and --add-seccomp-fd cannot be combined, in either order" {
    expect_error "--add-seccomp-fd cannot be combined with --seccomp" \
        --ro-bind / / --seccomp 3 --add-seccomp-fd 4 -- /bin/true 3</dev/null 4</dev/null
    expect_error "--seccomp cannot be combined with --add-seccomp-fd" \
        --ro-bind / / --add-seccomp-fd 4 --seccomp 3 -- /bin/true 3</dev/null 4</dev/null
}

@test "seccomp data that is not a whole number of instructions is refused; the command never runs" {
    seccomp_setup
    head -c 12 "$T/mkdir-eacces" >"$T/short"
    expect_error "Invalid seccomp data, must be multiple of 8" \
        --ro-bind / / --bind "$T" /mnt --seccomp 3 -- /bin/sh -c 'echo >/mnt/ran' 3<"$T/short"
    assert_no_path "$T/ran"
    expect_error "Invalid seccomp data, must be multiple of 8" \
        --ro-bind / / --add-seccomp-fd 3 -- /bin/true 3<"$T/short"
}

@test "an empty seccomp program is refused, after every seccomp fd was read" {
    hutch_only "bubblewrap hands the empty program to the kernel, which says EINVAL"
    expect_error "Invalid seccomp data: the program from fd 3 is empty" \
        --ro-bind / / --seccomp 3 -- /bin/true 3</dev/null
    # The same fd twice: read (and closed) the first time, EBADF the second,
    # as with bubblewrap (its own test suite checks this).
    : >"$T/empty"
    expect_error "Can't read seccomp data: Bad file descriptor" \
        --ro-bind / / --add-seccomp-fd 3 --add-seccomp-fd 3 -- /bin/true 3<"$T/empty"
}

# --- --lock-file ------------------------------------------------------------------------

# try_lock FILE KIND : try to take a lock of KIND (ex or sh) on FILE without
# waiting, from outside; prints "free" or "locked"
try_lock() {
    python3 -c '
import fcntl, sys
f = open(sys.argv[1], "r+")
kind = fcntl.LOCK_EX if sys.argv[2] == "ex" else fcntl.LOCK_SH
try:
    fcntl.lockf(f, kind | fcntl.LOCK_NB)
    print("free")
except OSError:
    print("locked")' "$@"
}

# lock_run OPTIONS... : run a sandbox that holds $T/d/lock and waits until
# $T/d/release exists; LOCK_PID is its pid
lock_run() {
    "$HUTCH" --ro-bind / / --bind "$T/d" /mnt "$@" -- /bin/sh -c \
        'echo >/mnt/started; while [ ! -e /mnt/release ]; do sleep 0.05; done' 3>&- &
    LOCK_PID=$!
    track_pid "$LOCK_PID"
    wait_until 10 file_exists "$T/d/started" || fail "the sandbox did not start"
}

@test "--lock-file: a read lock is held while the sandbox runs and dropped when it ends" {
    skip_unless_cmd python3
    : >"$T/d/lock"
    [[ $(try_lock "$T/d/lock" ex) == free ]] || fail "locked before the sandbox ran"
    lock_run --lock-file /mnt/lock
    [[ $(try_lock "$T/d/lock" ex) == locked ]] || fail "no lock while the sandbox runs"
    [[ $(try_lock "$T/d/lock" sh) == free ]] || fail "not a shared (read) lock"
    echo >"$T/d/release"
    wait "$LOCK_PID" || fail "the sandbox failed"
    [[ $(try_lock "$T/d/lock" ex) == free ]] || fail "still locked after the sandbox ended"
}

@test "--lock-file with --unshare-pid, twice: PID 1 holds both locks" {
    skip_unless_cmd python3
    : >"$T/d/lock"
    : >"$T/d/lock2"
    lock_run --unshare-pid --lock-file /mnt/lock --lock-file /mnt/lock2
    [[ $(try_lock "$T/d/lock" ex) == locked ]] || fail "no lock on the first file"
    [[ $(try_lock "$T/d/lock2" ex) == locked ]] || fail "no lock on the second file"
    echo >"$T/d/release"
    wait "$LOCK_PID" || fail "the sandbox failed"
    [[ $(try_lock "$T/d/lock2" ex) == free ]] || fail "still locked after the sandbox ended"
}

@test "--lock-file: a file missing inside is an error" {
    expect_error "Unable to open lock file /nonexistent: No such file or directory" \
        --ro-bind / / --lock-file /nonexistent -- /bin/true
}

@test "--lock-file with --as-pid-1 is refused" {
    expect_error "Specifying --as-pid-1 and --lock-file is not permitted" \
        --ro-bind / / --unshare-pid --as-pid-1 --lock-file /etc/passwd -- /bin/true
}

# --- --sync-fd ---------------------------------------------------------------------------

@test "--sync-fd: the caller's end sees EOF only once the sandbox has ended" {
    mkfifo "$T/sync"
    "$HUTCH" --ro-bind / / --bind "$T/d" /mnt --sync-fd 3 -- /bin/sh -c \
        'sleep 0.3; echo >/mnt/done' 3>"$T/sync" &
    track_pid $!
    # Opening the fifo lets the sandbox start; cat ends at EOF.
    timeout 10 cat "$T/sync" || fail "no EOF on the sync fd"
    [[ -e $T/d/done ]] || fail "EOF came before the command had finished"
}

@test "--sync-fd with --unshare-pid: EOF when the sandbox has ended" {
    mkfifo "$T/sync"
    "$HUTCH" --ro-bind / / --bind "$T/d" /mnt --unshare-pid --sync-fd 3 -- /bin/sh -c \
        'sleep 0.3; echo >/mnt/done' 3>"$T/sync" &
    track_pid $!
    timeout 10 cat "$T/sync" || fail "no EOF on the sync fd"
    [[ -e $T/d/done ]] || fail "EOF came before the command had finished"
}

# --- --block-fd, --userns-block-fd ---------------------------------------------------------

@test "--block-fd: the command starts only once there is data to read" {
    mkfifo "$T/block"
    local w pid
    exec {w}<>"$T/block"
    "$HUTCH" --ro-bind / / --bind "$T/d" /mnt --info-fd 4 --block-fd 3 -- /bin/sh -c \
        'echo >/mnt/started' 3<"$T/block" 4>"$T/info" &
    pid=$!
    track_pid "$pid"
    wait_until 10 file_nonempty "$T/info" || fail "the sandbox was not made"
    sleep 0.3
    assert_no_path "$T/d/started"
    echo go >&"$w"
    wait "$pid" || fail "the sandbox failed"
    exec {w}>&-
    [[ -e $T/d/started ]] || fail "the command did not run"
}

@test "--block-fd: EOF lets the command start too" {
    run --separate-stderr sb --block-fd 3 -- echo ran 3</dev/null
    assert_success
    assert_output ran
}

@test "--userns-block-fd: the sandbox waits until the caller has written the maps" {
    skip_in_setuid_mode "--userns-block-fd is refused"
    mkfifo "$T/block"
    local w pid child uid gid
    uid=$(id -u)
    gid=$(id -g)
    exec {w}<>"$T/block"
    "$HUTCH" --ro-bind / / --unshare-user --info-fd 4 --userns-block-fd 3 -- /bin/sh -c \
        'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map' \
        3<"$T/block" 4>"$T/info" >"$T/out" &
    pid=$!
    track_pid "$pid"
    wait_until 10 file_nonempty "$T/info" || fail "no --info-fd report"
    child=$(sed -n 's/.*"child-pid": *\([0-9][0-9]*\).*/\1/p' "$T/info")
    [[ -n $child ]] || fail "no child-pid in: $(cat "$T/info")"
    sleep 0.2
    # Nobody has written a map, and the command has not run.
    [[ -z $(cat "/proc/$child/uid_map") ]] || fail "a uid map was written: $(cat "/proc/$child/uid_map")"
    [[ ! -s $T/out ]] || fail "the command ran before the maps were written"
    if ! is_root; then
        echo deny >"/proc/$child/setgroups"
    fi
    echo "$uid $uid 1" >"/proc/$child/uid_map"
    echo "$gid $gid 1" >"/proc/$child/gid_map"
    echo go >&"$w"
    wait "$pid" || fail "the sandbox failed"
    exec {w}>&-
    run awk '{ $1 = $1; print }' "$T/out"
    assert_output "$uid
$gid
$uid $uid 1
$gid $gid 1"
}

@test "--userns-block-fd needs --unshare-user and --info-fd, and excludes --disable-userns" {
    expect_error "--userns-block-fd requires --unshare-user" \
        --ro-bind / / --info-fd 4 --userns-block-fd 3 -- /bin/true 3</dev/null 4>/dev/null
    expect_error "--userns-block-fd requires --info-fd" \
        --ro-bind / / --unshare-user --userns-block-fd 3 -- /bin/true 3</dev/null
    expect_error "--disable-userns is not compatible with  --userns-block-fd" \
        --ro-bind / / --unshare-user --disable-userns --info-fd 4 --userns-block-fd 3 -- \
        /bin/true 3</dev/null 4>/dev/null
}
