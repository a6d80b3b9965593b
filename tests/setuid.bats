#!/usr/bin/env bats
# The setuid-optional mode: what it refuses, and that no host privilege is
# left.  Most of it runs in the runner's pass through the setuid-root build
# (HUTCH_SETUID=1); the user.max_user_namespaces test runs in the root pass.

setup() {
    load helpers
    hutch_setup
    hutch_only
}

teardown() {
    hutch_teardown
}

need_setuid() { setuid_mode || skip "runs through the setuid-root build only"; }

@test "setuid: --version names the setuid-optional mode" {
    need_setuid
    run "$HUTCH" --version
    assert_success
    assert_output_contains "mode: setuid-optional"
}

@test "setuid: the binary really is setuid root" {
    need_setuid
    [[ $(stat -c '%u %a' "$HUTCH") == "0 4755" ]] || fail "$(stat -c '%u %a' "$HUTCH")"
}

@test "setuid: --cap-add is refused for a caller who is not root" {
    need_setuid
    expect_error "--cap-add is not permitted in setuid mode (the caller is not root)" \
        --ro-bind / / --cap-add CAP_NET_ADMIN -- /bin/true
}

@test "setuid: joining namespaces by fd is refused" {
    need_setuid
    expect_error "--userns is not permitted in setuid mode" --ro-bind / / --userns 3 -- /bin/true 3</proc/self/ns/user
    expect_error "--pidns is not permitted in setuid mode" --ro-bind / / --pidns 3 -- /bin/true 3</proc/self/ns/pid
}

@test "setuid: --size and the overlay family are refused" {
    need_setuid
    mkdir -p "$T/lower" "$T/upper" "$T/work"
    expect_error "--size is not permitted in setuid mode" --ro-bind / / --size 4096 --tmpfs /tmp -- /bin/true
    expect_error "--tmp-overlay is not permitted in setuid mode" \
        --ro-bind / / --overlay-src "$T/lower" --tmp-overlay /mnt -- /bin/true
    expect_error "--overlay is not permitted in setuid mode" \
        --ro-bind / / --overlay-src "$T/lower" --overlay "$T/upper" "$T/work" /mnt -- /bin/true
}

@test "setuid: subordinate id maps are refused" {
    need_setuid
    expect_error "--map-subids is not permitted in setuid mode" --ro-bind / / --map-subids -- /bin/true
    expect_error "--uid-map is not permitted in setuid mode" --ro-bind / / --uid-map 0:1:1 -- /bin/true
}

@test "setuid: the command runs as the caller with no capability and no_new_privs" {
    need_setuid
    run --separate-stderr "$HUTCH" --ro-bind / / --unshare-pid --proc /proc -- /bin/sh -c \
        'id -u; grep -E "^(CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs)" /proc/self/status'
    assert_success
    [[ ${lines[0]} == "$(id -u)" ]] || fail "uid" "$(_show_run)"
    assert_output_contains "CapPrm:	0000000000000000"
    assert_output_contains "CapEff:	0000000000000000"
    assert_output_contains "CapBnd:	0000000000000000"
    assert_output_contains "NoNewPrivs:	1"
}

@test "setuid: seen from outside, neither the monitor nor the command holds a capability" {
    need_setuid
    "$HUTCH" --ro-bind / / --unshare-pid -- /bin/sleep 30 &
    local monitor=$!
    track_pid "$monitor"
    local cmd="" i
    for ((i = 0; i < 100; i++)); do
        cmd=$(pgrep -x sleep -P "$(pgrep -P "$monitor" | head -n 1)" 2>/dev/null | head -n 1)
        [[ -z $cmd ]] || break
        sleep 0.05
    done
    [[ -n $cmd ]] || fail "the command did not start"
    local pid
    for pid in "$monitor" "$cmd"; do
        [[ -r /proc/$pid/status ]] || continue
        grep -q "^CapEff:	0000000000000000" "/proc/$pid/status" || fail "$pid: $(grep Cap /proc/$pid/status)"
        grep -q "^CapPrm:	0000000000000000" "/proc/$pid/status" || fail "$pid: $(grep Cap /proc/$pid/status)"
        local uids
        uids=$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "/proc/$pid/status")
        [[ $uids == "$(id -u) $(id -u) $(id -u) $(id -u)" ]] || fail "$pid uids: $uids"
    done
    kill "$monitor"
}

@test "setuid: LD_PRELOAD is not honoured by hutch itself" {
    need_setuid
    # A library that would announce itself if it were loaded into hutch.
    command -v gcc >/dev/null || skip "no compiler"
    printf '%s\n' '#include <unistd.h>' \
        '__attribute__((constructor)) static void hit (void) { write (2, "PRELOADED\n", 10); }' >"$T/p.c"
    gcc -shared -fPIC -o "$T/p.so" "$T/p.c" || skip "can't build a shared library"
    chmod 755 "$T" "$T/p.so"
    LD_PRELOAD=$T/p.so run --separate-stderr "$HUTCH" --ro-bind / / -- /bin/true
    assert_success
    [[ $stderr != *PRELOADED* ]] || fail "hutch loaded LD_PRELOAD" "$(_show_run)"
}

@test "setuid: descriptors the caller did not name are closed" {
    need_setuid
    run --separate-stderr "$HUTCH" --ro-bind / / --unshare-pid --proc /proc -- /bin/sh -c \
        'ls /proc/self/fd' 7</etc/hostname
    assert_success
    assert_output_not_contains 7
}

@test "setuid: a binary built without --enable-setuid refuses to run setuid" {
    is_root || skip "needs root to install a setuid copy"
    setuid_mode && skip "this is the setuid build"
    local dir
    dir=$(mktemp -d /tmp/hutch-nosuid.XXXXXX)
    cp "$HUTCH" "$dir/hutch" && chmod 4755 "$dir/hutch" && chmod 755 "$dir"
    local user=${HUTCH_TEST_USER:-hutchtest}
    id -u "$user" >/dev/null 2>&1 || { rm -rf "$dir"; skip "no user $user"; }
    run runuser -u "$user" -- "$dir/hutch" --ro-bind / / /bin/true
    rm -rf "$dir"
    assert_status 1
    assert_output "hutch: this binary is installed setuid or setgid but was built without --enable-setuid; refusing to run (remove the setuid bit, or rebuild with ./configure --enable-setuid)"
}

@test "setuid: when even root can't create a user namespace, the error names the limit" {
    # The setuid build, installed 4755, run by the unprivileged user in a
    # user namespace whose user.max_user_namespaces is 0: the limit is per
    # user namespace, so the host's own stays as it is (tests running at
    # the same time are not affected, and a container's root without
    # CAP_SYS_RESOURCE can still set it there).
    is_root || skip "needs root (to install the setuid build)"
    local build=${HUTCH_BUILDDIR:-${HUTCH%/*}}
    [[ -x $build/tests/hutch-setuid ]] || skip "no setuid build at $build/tests/hutch-setuid"
    [[ -x $build/tests/escape-probe ]] || skip "tests/escape-probe is not built"
    local user=${HUTCH_TEST_USER:-hutchtest} uid gid dir host_limit
    uid=$(id -u "$user" 2>/dev/null) || skip "no user $user"
    gid=$(id -g "$user")
    ((uid < 65536)) || skip "uid $uid is beyond the namespace's map"
    dir=$(mktemp -d /tmp/hutch-suid.XXXXXX)
    cp "$build/tests/hutch-setuid" "$dir/hutch" && chmod 4755 "$dir/hutch" && chmod 755 "$dir"
    host_limit=$(cat /proc/sys/user/max_user_namespaces)
    run --separate-stderr "$build/tests/escape-probe" userns-limit "$uid" "$gid" -- \
        "$dir/hutch" --ro-bind / / -- /bin/echo ran
    rm -rf "$dir"
    assert_status 1
    [[ $output != *ran* ]] || fail "the command ran: $output"
    [[ $stderr == "hutch: "*"user.max_user_namespaces is 0"* ]] || fail "got: $stderr"
    [[ $stderr != *$'\n'* ]] || fail "more than one line: $stderr"
    [[ $(cat /proc/sys/user/max_user_namespaces) == "$host_limit" ]] || fail "the host's limit changed"
}
