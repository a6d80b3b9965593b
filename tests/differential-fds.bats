#!/usr/bin/env bats
# The options that take descriptors or join namespaces, through $HUTCH and
# through the reference bubblewrap ($BWRAP, /usr/bin/bwrap by default):
# the same exit status, stdout and stderr once the program's name and
# namespace inode numbers are evened out.  Only what bubblewrap 0.8 shares
# with 0.11 is compared (no overlays, no --level-prefix).

setup() {
    load helpers
    hutch_setup
    load differential
    differential_setup
    mkdir -p "$T/d"
    echo in-d >"$T/d/f"
}

teardown() {
    hutch_teardown
}

# --- seccomp programs ------------------------------------------------------------------

# bpf NR:ERRNO... : an x86_64 program in which each call NR fails with ERRNO
bpf() {
    python3 -c '
import struct, sys
def op(code, jt, jf, k):
    return struct.pack("<HBBI", code, jt, jf, k)
prog = op(0x20, 0, 0, 4) + op(0x15, 1, 0, 0xc000003e) + op(0x06, 0, 0, 0x7fff0000)
prog += op(0x20, 0, 0, 0)
for rule in sys.argv[1:]:
    nr, err = (int(x) for x in rule.split(":"))
    prog += op(0x15, 0, 1, nr) + op(0x06, 0, 0, 0x00050000 | err)
prog += op(0x06, 0, 0, 0x7fff0000)
sys.stdout.buffer.write(prog)' "$@"
}

seccomp_setup() {
    [[ $(uname -m) == x86_64 ]] || skip "x86_64 system call numbers"
    skip_unless_cmd python3
    bpf 83:13 258:13 >"$T/mkdir-eacces"
    bpf 83:1 258:1 >"$T/mkdir-eperm"
    bpf 87:1 263:1 >"$T/unlink-eperm"
}

CALLS='mkdir /tmp/d; echo "mkdir $?"; touch /tmp/f; echo "touch $?"; rm /tmp/f; echo "rm $?"'

@test "same: --seccomp FD refuses the program's call with its errno" {
    seccomp_setup
    FD3=$T/mkdir-eacces same --ro-bind / / --tmpfs /tmp --seccomp 3 -- /bin/sh -c "$CALLS"
}

@test "same: two --add-seccomp-fd, both applied; on the same call the last one's errno" {
    seccomp_setup
    FD3=$T/mkdir-eacces FD4=$T/unlink-eperm \
        same --ro-bind / / --tmpfs /tmp --add-seccomp-fd 3 --add-seccomp-fd 4 -- /bin/sh -c "$CALLS"
    FD3=$T/mkdir-eacces FD4=$T/mkdir-eperm \
        same --ro-bind / / --tmpfs /tmp --add-seccomp-fd 3 --add-seccomp-fd 4 -- /bin/sh -c "$CALLS"
    FD3=$T/mkdir-eacces FD4=$T/mkdir-eperm \
        same --ro-bind / / --tmpfs /tmp --add-seccomp-fd 4 --add-seccomp-fd 3 -- /bin/sh -c "$CALLS"
}

@test "same: --seccomp twice warns and keeps the last" {
    seccomp_setup
    FD3=$T/mkdir-eacces FD4=$T/unlink-eperm \
        same --ro-bind / / --tmpfs /tmp --seccomp 3 --seccomp 4 -- /bin/sh -c "$CALLS"
}

@test "same: --seccomp with --add-seccomp-fd, and data that is not whole instructions" {
    seccomp_setup
    same --ro-bind / / --seccomp 3 --add-seccomp-fd 4 -- /bin/true
    same --ro-bind / / --add-seccomp-fd 4 --seccomp 3 -- /bin/true
    head -c 20 "$T/mkdir-eacces" >"$T/short"
    FD3=$T/short same --ro-bind / / --seccomp 3 -- /bin/true
}

# --- --bind-fd, --ro-bind-fd ------------------------------------------------------------

@test "same: --bind-fd and --ro-bind-fd of a directory" {
    FD3=$T/d same --ro-bind / / --bind-fd 3 /mnt -- /bin/sh -c \
        'cat /mnt/f; echo w >/mnt/w; cat /mnt/w; rm /mnt/w'
    FD3=$T/d same --ro-bind / / --ro-bind-fd 3 /mnt -- /bin/sh -c \
        'cat /mnt/f; touch /mnt/w 2>/dev/null; echo "touch $?"'
}

@test "same: --bind-fd of a file, onto a file" {
    FD3=$T/d/f same --ro-bind / / --tmpfs /tmp --ro-bind-fd 3 /tmp/f -- /bin/sh -c \
        'cat /tmp/f; echo x 2>/dev/null >>/tmp/f; echo "append $?"'
}

# --- --lock-file, --sync-fd, --block-fd --------------------------------------------------

@test "same: --lock-file: another process inside cannot take the file exclusively" {
    skip_unless_cmd python3
    : >"$T/d/lock"
    same --ro-bind / / --bind "$T/d" /mnt --lock-file /mnt/lock -- python3 -c '
import fcntl
f = open("/mnt/lock", "r+")
try:
    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    print("free")
except OSError as e:
    print("locked", e.errno)'
}

@test "same: --lock-file on a file missing inside" {
    same --ro-bind / / --lock-file /nonexistent -- /bin/true
}

@test "same: --sync-fd is not the command's, except with --as-pid-1" {
    FD3=$T/d/f same --ro-bind / / --sync-fd 3 -- /bin/sh -c '[ -e /proc/self/fd/3 ] && echo open || echo closed'
    FD3=$T/d/f same --ro-bind / / --proc /proc --unshare-pid --as-pid-1 --sync-fd 3 -- \
        /bin/sh -c '[ -e /proc/self/fd/3 ] && echo open || echo closed'
}

@test "same: --block-fd with data, or at EOF, lets the command run" {
    echo go >"$T/go"
    FD3=$T/go same --ro-bind / / --block-fd 3 -- echo ran
    same --ro-bind / / --block-fd 3 -- echo ran
}

# --- user namespaces ------------------------------------------------------------------------

@test "same: --disable-userns and --assert-userns-disabled" {
    skip_unless_cmd unshare
    same --ro-bind / / --unshare-user --disable-userns -- /bin/sh -c 'unshare -U true; echo "unshare $?"'
    same --ro-bind / / --unshare-user -- /bin/sh -c 'unshare -U true; echo "unshare $?"'
    same --ro-bind / / --unshare-user --disable-userns --assert-userns-disabled -- echo ran
    same --ro-bind / / --unshare-user --assert-userns-disabled -- echo ran
    same --ro-bind / / --unshare-user --disable-userns --uid 7 -- /bin/sh -c 'id -u; unshare -U true 2>/dev/null; echo "unshare $?"'
}

@test "same: refusals among the user namespace options" {
    same --ro-bind / / --disable-userns -- /bin/true
    same --ro-bind / / --info-fd 4 --userns-block-fd 3 -- /bin/true
    same --ro-bind / / --unshare-user --userns-block-fd 3 -- /bin/true
    same --ro-bind / / --unshare-user --disable-userns --userns-block-fd 3 --info-fd 4 -- /bin/true
    FD3=/proc/self/ns/user same --ro-bind / / --unshare-user --userns 3 -- /bin/true
    FD3=/proc/self/ns/user same --ro-bind / / --unshare-user-try --userns 3 -- /bin/true
}

@test "same: --userns naming the caller's own user namespace" {
    skip_in_setuid_mode "--userns is refused"
    FD3=/proc/self/ns/user same --ro-bind / / --userns 3 -- /bin/true
}

# start_holder [OPTIONS...] : a waiting sandbox with its own user and PID
# namespaces; HOLDER is the pid of its command (PID 1 there) on the host
start_holder() {
    "$HUTCH" --ro-bind / / --bind "$T" "$T" --proc /proc --unshare-user --unshare-pid \
        --as-pid-1 --die-with-parent --info-fd 3 "$@" \
        -- /bin/sh -c "echo > '$T/ready'; exec sleep 60" 3>"$T/holder-info" &
    track_pid $!
    wait_until 10 file_exists "$T/ready" || fail "the holder sandbox did not start"
    HOLDER=$(sed -n 's/.*"child-pid": *\([0-9][0-9]*\).*/\1/p' "$T/holder-info")
    [[ -n $HOLDER ]] || fail "no child-pid from the holder"
}

@test "same: --userns and --pidns joining another sandbox's namespaces" {
    skip_in_setuid_mode "--userns and --pidns are refused"
    start_holder
    local check="[ \"\$(readlink /proc/self/ns/user)\" = '$(readlink "/proc/$HOLDER/ns/user")' ] && echo same-userns"
    FD3=/proc/$HOLDER/ns/user same --ro-bind / / --userns 3 -- /bin/sh -c "$check; id -u; id -g"
    FD3=/proc/$HOLDER/ns/user FD4=/proc/$HOLDER/ns/pid \
        same --ro-bind / / --userns 3 --pidns 4 --proc /proc -- /bin/sh -c "$check; cat /proc/1/comm"
    FD3=/proc/$HOLDER/ns/user FD4=/proc/$HOLDER/ns/pid \
        same --ro-bind / / --userns 3 --pidns 4 --unshare-pid --proc /proc -- /bin/sh -c \
        "$check; echo \$\$; grep -lx sleep /proc/[0-9]*/comm; exit 5"
}

# (--pidns without rights over the PID namespace: both say "Setting pidns
# failed: Operation not permitted", bubblewrap's monitor then adds
# "Unexpected short read from pid socket"; see userns.bats.)

@test "same: --userns2 after setup in its parent" {
    skip_in_setuid_mode "--userns and --userns2 are refused"
    skip_unless_cmd python3
    start_holder --dev /dev --uid 5 --gid 5
    # A helper keeps the holder's user namespace and its parent open; each
    # run opens them again through the helper's /proc/PID/fd.
    python3 -c '
import fcntl, os, sys, time
inner = os.open("/proc/%s/ns/user" % sys.argv[1], os.O_RDONLY)
outer = fcntl.ioctl(inner, 0xb702)  # NS_GET_PARENT
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write("%d %d %d\n" % (os.getpid(), outer, inner))
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
time.sleep(60)' "$HOLDER" "$T/helper" 3>&- &
    track_pid $!
    wait_until 10 file_exists "$T/helper" || fail "the helper did not start"
    local pid outer inner
    read -r pid outer inner <"$T/helper"
    FD3=/proc/$pid/fd/$outer FD4=/proc/$pid/fd/$inner \
        same --ro-bind / / --userns 3 --userns2 4 -- /bin/sh -c 'id -u; id -g; cat /proc/self/uid_map'
}
