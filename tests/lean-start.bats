#!/usr/bin/env bats
# What a start costs, and that its cheaper paths give the same sandbox:
# libselinux loaded only for a label option, loopback up by ioctl, tmpfs,
# proc and devpts made with one mount(2) each (on a stage of the build
# that the sandbox never sees), and the nested user namespace that --dev
# keeps (the owner of /dev/pts depends on it).

setup() {
    load helpers
    hutch_setup
}

teardown() {
    hutch_teardown
}

# built_with_selinux : skip unless --version lists selinux.
built_with_selinux() {
    hutch_only "libselinux is loaded by hutch's label.c"
    "$HUTCH" --version | grep -qw selinux || skip "built without libselinux"
}

# ML defines, for the sandbox's shell, `ml MOUNTPOINT`: "FSTYPE SOURCE
# MOUNT-OPTIONS SUPER-OPTIONS" of the topmost mount at MOUNTPOINT in its
# mountinfo.
ML='ml() { awk -v m="$1" "\$5 == m { for (i = 7; \$i != \"-\"; i++); l = \$(i + 1) \" \" \$(i + 2) \" \" \$6 \" \" \$(i + 3) } END { print l }" /proc/self/mountinfo; }; '

@test "libselinux: the binary does not need it (no DT_NEEDED entry)" {
    built_with_selinux
    skip_unless_cmd readelf
    run readelf -d "$HUTCH"
    assert_success
    assert_output_contains "(NEEDED)"
    assert_output_not_contains "libselinux"
}

@test "libselinux: a start without a label option does not load it" {
    built_with_selinux
    skip_in_setuid_mode "the dynamic loader ignores LD_DEBUG in a setuid program"
    run --separate-stderr env LD_DEBUG=files "$HUTCH" --ro-bind / / -- /bin/true
    assert_success
    [[ $stderr == *"file=libc.so.6"* ]] || fail "LD_DEBUG printed no loads: $stderr"
    [[ $stderr != *libselinux* ]] || fail "libselinux was loaded: $stderr"
}

@test "libselinux: --exec-label loads it, and SELinux itself answers" {
    built_with_selinux
    skip_in_setuid_mode "the dynamic loader ignores LD_DEBUG in a setuid program"
    run --separate-stderr env LD_DEBUG=files "$HUTCH" --ro-bind / / --exec-label system_u:x:y:s0 \
        -- /bin/true
    [[ $stderr == *"file=libselinux.so.1"*"dynamically loaded by"* ]] ||
        fail "libselinux was not loaded on demand: $stderr"
    if [[ -e /sys/fs/selinux/enforce ]]; then
        [[ $status -ne 0 || $stderr != *"not enabled"* ]] || fail "$stderr"
    else
        assert_status 1
        [[ $stderr == *"$HUTCH_NAME: --exec-label system_u:x:y:s0: SELinux is not enabled on this host"* ]] ||
            fail "unexpected error: $stderr"
    fi
}

@test "loopback: lo is up and its other flags are as the kernel made them" {
    run --separate-stderr hutch_sh --unshare-net 'cat /sys/class/net/lo/flags'
    assert_success
    # IFF_UP | IFF_LOOPBACK, and nothing else: a new namespace's lo has
    # only IFF_LOOPBACK.
    assert_output "0x9"
}

@test "loopback: a TCP connection to 127.0.0.1 goes through in a new network namespace" {
    skip_unless_cmd python3
    run --separate-stderr hutch_sh --unshare-net \
        'python3 -c "import socket; s = socket.socket(); s.bind((\"127.0.0.1\", 0)); s.listen(); c = socket.create_connection(s.getsockname()); a, _ = s.accept(); c.send(b\"hi\"); print(a.recv(2).decode())"'
    assert_success
    assert_output "hi"
}

@test "one-call mounts: a tmpfs has its source, type, flags, mode and size" {
    skip_in_setuid_mode "--size is refused"
    run --separate-stderr "$HUTCH" --ro-bind / / --size 1048576 --perms 0700 --tmpfs /tmp \
        -- /bin/sh -c "$ML"'ml /tmp; stat -c %a /tmp'
    assert_success
    [[ ${lines[0]} =~ ^tmpfs\ tmpfs\ [^\ ]*nosuid,nodev[^\ ]*\ [^\ ]*size=1024k[^\ ]*mode=700 ]] ||
        fail "the tmpfs is not as asked: ${lines[0]}"
    [[ ${lines[1]} == 700 ]] || fail "mode of /tmp: ${lines[1]}"
}

@test "one-call mounts: proc is nosuid, nodev, noexec, of the sandbox's PID namespace" {
    run --separate-stderr "$HUTCH" --ro-bind / / --unshare-pid --proc /proc \
        -- /bin/sh -c "$ML"'ml /proc; echo $$; ls -d /proc/[0-9]* | wc -l'
    assert_success
    [[ ${lines[0]} =~ ^proc\ proc\ [^\ ]*nosuid,nodev,noexec ]] || fail "proc: ${lines[0]}"
    # The shell is PID 2 (under hutch's PID 1), and the procfs shows only
    # the few processes of this namespace.
    [[ ${lines[1]} == 2 ]] || fail "the shell is PID ${lines[1]}: not a new PID namespace"
    ((lines[2] <= 4)) || fail "${lines[2]} processes in /proc: not this PID namespace's procfs"
}

@test "one-call mounts: /dev is a 0755 tmpfs and devpts a new instance with ptmxmode=0666" {
    run --separate-stderr "$HUTCH" --ro-bind / / --dev /dev \
        -- /bin/sh -c "$ML"'ml /dev; ml /dev/pts; stat -c %a /dev; stat -c %a /dev/pts/ptmx'
    assert_success
    [[ ${lines[0]} =~ ^tmpfs\ tmpfs\ [^\ ]*nosuid,nodev[^\ ]*\ [^\ ]*mode=755 ]] || fail "/dev: ${lines[0]}"
    [[ ${lines[1]} =~ ^devpts\ devpts\ [^\ ]*nosuid,noexec[^\ ]*\ [^\ ]*mode=620,ptmxmode=666 ]] ||
        fail "/dev/pts: ${lines[1]}"
    [[ ${lines[2]} == 755 && ${lines[3]} == 666 ]] || fail "modes: ${lines[2]} ${lines[3]}"
}

@test "one-call mounts: the build's stage, base and host tree are not in the sandbox" {
    hutch_only "hutch's own build directories"
    run --separate-stderr "$HUTCH" --ro-bind / / --unshare-pid --proc /proc --dev /dev --tmpfs /tmp \
        -- /bin/sh -c 'for p in /api-stage /newroot /oldroot /tmp/api-stage /tmp/newroot; do [ -e $p ] && echo "has $p"; done; grep -c . /proc/self/mountinfo; grep -E "api-stage|newroot|oldroot" /proc/self/mountinfo; true'
    assert_success
    [[ ${lines[0]} =~ ^[0-9]+$ ]] || fail "the build left something: $output"
    ((${#lines[@]} == 1)) || fail "the build left something: $output"
}

@test "--dev: /dev/pts and ptmx are owned by the sandbox's user (the nested user namespace)" {
    run --separate-stderr "$HUTCH" --ro-bind / / --dev /dev -- /bin/sh -c \
        'stat -c "%u %g" /dev/pts /dev/pts/ptmx; id -u; id -g'
    assert_success
    local ids="${lines[2]} ${lines[3]}"
    [[ ${lines[0]} == "$ids" ]] || fail "/dev/pts is ${lines[0]}, not the sandbox's $ids"
    [[ ${lines[1]} == "$ids" ]] || fail "/dev/pts/ptmx is ${lines[1]}, not the sandbox's $ids"
}
