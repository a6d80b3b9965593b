#!/usr/bin/env bats
# Namespaces: which ones the command lands in, and the identity it has there.

setup() {
    load helpers
    hutch_setup
}

teardown() {
    hutch_teardown
}

# ns_inside TYPE [OPTIONS...] : the namespace of TYPE the command is in
ns_inside() {
    local type=$1
    shift
    "$HUTCH" --ro-bind / / "$@" -- readlink "/proc/self/ns/$type"
}

# --- user ----------------------------------------------------------------------

@test "--unshare-user: a new user namespace whose uid_map is a single mapping" {
    run --separate-stderr sb --unshare-user -- /bin/sh -c \
        'readlink /proc/self/ns/user; cat /proc/self/uid_map; cat /proc/self/gid_map'
    assert_success
    [[ ${lines[0]} != "$(host_ns user)" ]] || fail "same user namespace as the host"
    [[ ${#lines[@]} -eq 3 ]] || fail "expected one uid and one gid line: $output"
    local inside outside count
    read -r inside outside count <<<"${lines[1]}"
    [[ $inside -eq $(id -u) && $count -eq 1 ]] || fail "uid_map: ${lines[1]}"
    read -r inside outside count <<<"${lines[2]}"
    [[ $inside -eq $(id -g) && $count -eq 1 ]] || fail "gid_map: ${lines[2]}"
}

@test "--unshare-user: the caller keeps its uid and gid inside by default" {
    run --separate-stderr sb --unshare-user -- /bin/sh -c 'id -u; id -g'
    assert_success
    assert_output "$(id -u)
$(id -g)"
}

@test "--uid and --gid set the ids the command runs with" {
    run --separate-stderr sb --unshare-user --uid 1234 --gid 5678 -- \
        /bin/sh -c 'id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map'
    assert_success
    [[ ${lines[0]} == 1234 && ${lines[1]} == 5678 ]] || fail "ids: $output"
    local inside outside count
    read -r inside outside count <<<"${lines[2]}"
    [[ $inside == 1234 && $count == 1 ]] || fail "uid_map: ${lines[2]}"
    read -r inside outside count <<<"${lines[3]}"
    [[ $inside == 5678 && $count == 1 ]] || fail "gid_map: ${lines[3]}"
    [[ ${#lines[@]} -eq 4 ]] || fail "expected a single mapping each: $output"
}

@test "--uid 0 makes the command root inside, mapped to the caller outside" {
    run --separate-stderr sb --unshare-user --uid 0 --gid 0 -- \
        /bin/sh -c 'id -u; id -g; stat -c %u "$1"' sh "$T"
    assert_success
    # The caller's own directory shows as owned by uid 0 inside.
    assert_output "0
0
0"
}

@test "a file made as uid 0 inside belongs to the caller on the host" {
    run --separate-stderr sb --unshare-user --uid 0 --bind "$T" "$T" -- \
        /bin/sh -c 'touch "$1"; stat -c %u "$1"' sh "$T/made"
    assert_success
    assert_output 0
    [[ $(stat -c %u "$T/made") -eq $(id -u) ]] ||
        fail "file made inside belongs to uid $(stat -c %u "$T/made")"
}

@test "an unprivileged caller always gets a user namespace" {
    skip_if_root
    run --separate-stderr ns_inside user
    assert_success
    [[ $output == user:* && $output != "$(host_ns user)" ]] || fail "got: $output"
}

@test "as root without --unshare-user the host's user namespace is kept" {
    skip_unless_root
    run --separate-stderr ns_inside user
    assert_success
    assert_output "$(host_ns user)"
}

@test "--unshare-user-try creates a user namespace when it can" {
    run --separate-stderr sb --unshare-user-try -- /bin/sh -c \
        'readlink /proc/self/ns/user; wc -l < /proc/self/uid_map'
    assert_success
    [[ ${lines[0]} != "$(host_ns user)" ]] || fail "no user namespace: $output"
    [[ ${lines[1]} -eq 1 ]] || fail "uid_map lines: ${lines[1]}"
}

# --- pid -----------------------------------------------------------------------

@test "--unshare-pid: the command is the reaper's child, pid 2" {
    run --separate-stderr hutch_sh 'echo $$; readlink /proc/self/ns/pid'
    assert_success
    [[ ${lines[0]} == 2 ]] || fail "pid inside: ${lines[0]}"
    [[ ${lines[1]} != "$(host_ns pid)" ]] || fail "same pid namespace as host"
}

@test "--unshare-pid --as-pid-1: the command itself is pid 1" {
    run --separate-stderr hutch_sh --as-pid-1 'echo $$'
    assert_success
    assert_output 1
}

@test "--unshare-pid: only the sandbox's processes are visible in its /proc" {
    run --separate-stderr hutch_sh 'ls /proc | grep -c "^[0-9][0-9]*$"'
    assert_success
    # PID 1 (reaper), the shell, ls and grep at most.
    ((output >= 2 && output <= 4)) || fail "processes visible: $output"
}

@test "without --unshare-pid the host's pid namespace is kept" {
    run --separate-stderr ns_inside pid
    assert_success
    assert_output "$(host_ns pid)"
}

# --- ipc, uts, cgroup, net -----------------------------------------------------------

@test "--unshare-ipc: a new ipc namespace (and none without it)" {
    run --separate-stderr ns_inside ipc --unshare-ipc
    assert_success
    [[ $output == ipc:* && $output != "$(host_ns ipc)" ]] || fail "got: $output"
    run --separate-stderr ns_inside ipc
    assert_output "$(host_ns ipc)"
}

@test "--unshare-uts: a new uts namespace (and none without it)" {
    run --separate-stderr ns_inside uts --unshare-uts
    assert_success
    [[ $output == uts:* && $output != "$(host_ns uts)" ]] || fail "got: $output"
    run --separate-stderr ns_inside uts
    assert_output "$(host_ns uts)"
}

@test "--unshare-cgroup: a new cgroup namespace (and none without it)" {
    [[ -e /proc/self/ns/cgroup ]] || skip "kernel without cgroup namespaces"
    run --separate-stderr ns_inside cgroup --unshare-cgroup
    assert_success
    [[ $output == cgroup:* && $output != "$(host_ns cgroup)" ]] || fail "got: $output"
    run --separate-stderr ns_inside cgroup
    assert_output "$(host_ns cgroup)"
}

@test "--unshare-cgroup-try: a new cgroup namespace when the kernel has them" {
    run --separate-stderr ns_inside cgroup --unshare-cgroup-try
    assert_success
    if [[ -e /proc/self/ns/cgroup ]]; then
        [[ $output != "$(host_ns cgroup)" ]] || fail "got: $output"
    fi
}

@test "--unshare-net: a new network namespace (and none without it)" {
    run --separate-stderr ns_inside net --unshare-net
    assert_success
    [[ $output == net:* && $output != "$(host_ns net)" ]] || fail "got: $output"
    run --separate-stderr ns_inside net
    assert_output "$(host_ns net)"
}

@test "--unshare-net: the loopback interface is the only one" {
    run --separate-stderr hutch_sh --unshare-net \
        'tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " "'
    assert_success
    assert_output "lo"
}

@test "--unshare-net: the loopback interface is up with 127.0.0.1" {
    skip_unless_cmd ip
    run --separate-stderr hutch_sh --unshare-net 'ip -o link show lo; ip -o -4 addr show lo'
    assert_success
    [[ ${lines[0]} =~ \<[^\>]*[,\<]UP[,\>] ]] || fail "lo not up: ${lines[0]}"
    assert_output_contains "inet 127.0.0.1/8"
}

@test "--unshare-net: the loopback interface carries traffic" {
    skip_unless_cmd python3
    run --separate-stderr hutch_sh --unshare-net 'exec python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((\"127.0.0.1\", 0))
c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
c.sendto(b\"ping\", s.getsockname())
s.settimeout(5)
print(s.recv(16).decode())
"'
    assert_success
    assert_output "ping"
}

# --- --unshare-all, --share-net --------------------------------------------------

@test "--unshare-all: new ipc, uts, pid, net and cgroup namespaces" {
    run --separate-stderr hutch_sh --unshare-all \
        'for t in ipc uts pid net cgroup; do readlink /proc/self/ns/$t; done'
    assert_success
    local t i=0
    for t in ipc uts pid net cgroup; do
        [[ ${lines[i]} == "$t:"* && ${lines[i]} != "$(host_ns "$t")" ]] ||
            fail "$t not unshared: ${lines[i]}"
        i=$((i + 1))
    done
}

@test "--unshare-all --share-net: the host network is kept, the rest unshared" {
    run --separate-stderr hutch_sh --unshare-all --share-net \
        'readlink /proc/self/ns/net /proc/self/ns/ipc /proc/self/ns/uts'
    assert_success
    [[ ${lines[0]} == "$(host_ns net)" ]] || fail "net: ${lines[0]}"
    [[ ${lines[1]} != "$(host_ns ipc)" ]] || fail "ipc kept: ${lines[1]}"
    [[ ${lines[2]} != "$(host_ns uts)" ]] || fail "uts kept: ${lines[2]}"
}

# --- hostname ---------------------------------------------------------------------

@test "--hostname sets the hostname inside; the host's is unchanged" {
    local before
    before=$(cat /proc/sys/kernel/hostname)
    run --separate-stderr hutch_sh --unshare-uts --hostname inner-box \
        'cat /proc/sys/kernel/hostname; uname -n'
    assert_success
    assert_output "inner-box
inner-box"
    [[ $(cat /proc/sys/kernel/hostname) == "$before" ]] || fail "host hostname changed"
}

@test "--unshare-uts without --hostname keeps the host's name" {
    run --separate-stderr hutch_sh --unshare-uts 'uname -n'
    assert_success
    assert_output "$(uname -n)"
}

@test "--hostname with --unshare-all is accepted (it includes uts)" {
    run --separate-stderr hutch_sh --unshare-all --hostname allbox 'uname -n'
    assert_success
    assert_output "allbox"
}
