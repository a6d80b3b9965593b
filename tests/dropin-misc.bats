#!/usr/bin/env bats
# Drop-in for the programs that drive bwrap (issue 16): what they parse from
# --version, failures before exec that must stop the run, the capabilities
# bubblewrap gives, --share-net alone, --netns FD.

setup() {
    load helpers
    hutch_setup
}

teardown() {
    hutch_teardown
}

# --- --version ------------------------------------------------------------------

@test "--version through a bwrap link: 'bubblewrap 0.11.1' first, hutch's own lines after" {
    hutch_only "bubblewrap prints only its own version"
    mkdir "$T/bin"
    ln -s "$HUTCH" "$T/bin/bwrap"
    run --separate-stderr "$T/bin/bwrap" --version
    assert_success
    assert_stderr_empty
    [[ ${lines[0]} == "bubblewrap 0.11.1" ]] || fail "first line: ${lines[0]}"
    # What BuildStream does: the second word of the first line, >= 0.1.8.
    local v
    read -r _ v <<<"${lines[0]}"
    version_ge "$v" 0.1.8 || fail "version $v"
    [[ ${lines[1]} == "hutch "[0-9]* ]] || fail "second line: ${lines[1]}"
    assert_output_contains "features:"
    # Called by name from PATH, as callers do.
    PATH=$T/bin:$PATH run --separate-stderr bwrap --version
    [[ ${lines[0]} == "bubblewrap 0.11.1" ]] || fail "from PATH: ${lines[0]}"
    # Under its own name, hutch's version comes first, as before.
    run --separate-stderr "$HUTCH" --version
    assert_success
    [[ ${lines[0]} == "hutch "[0-9]* ]] || fail "hutch --version: ${lines[0]}"
    assert_output_not_contains bubblewrap
}

# --- a failure before exec stops the run -------------------------------------------

# The prctl calls of each process of one run (strace counts injections per
# process): "LARGEST SECOND-LARGEST" count.
prctl_counts() {
    awk '$2 ~ /^prctl\(/ { n[$1]++ }
        END { a = b = 0; for (p in n) if (n[p] > a) { b = a; a = n[p] } else if (n[p] > b) b = n[p]; print a, b }' "$1"
}

@test "an injected prctl failure before exec: the run fails, one line, no exit-code, no command" {
    skip_unless_root
    skip_in_setuid_mode "strace runs the binary without its setuid bit"
    hutch_only "counts hutch's own calls"
    skip_unless_cmd strace
    # (No PID namespace: PID 1 confines itself once the command is forked.)
    local args=(--json-status-fd 3 --unshare-user --uid 5 --cap-add CAP_NET_ADMIN
        --ro-bind / / --bind "$T" "$T" -- /bin/sh -c ": > $T/marker")
    strace -f -qq -o "$T/trace" -e trace=prctl "$HUTCH" "${args[@]}" 3>"$T/json" 2>"$T/err" ||
        skip "strace can't trace here: $(head -n 3 "$T/err")"
    [[ -e $T/marker ]] || fail "the traced run did not run the command" "$(cat "$T/err")"
    grep -q '"exit-code"' "$T/json" || fail "no exit-code from the traced run"
    local max second n
    read -r max second < <(prctl_counts "$T/trace")
    ((max >= 10 && max > second)) || fail "prctl calls in the two busiest processes: $max, $second" \
        "$(cat "$T/trace")"
    # The first call of every process (libcap's probe, no_new_privs...), hutch's own
    # probe of the bounding set (from 8 on), the middle, the last ones.  strace
    # counts per process: up to the second-largest count, several processes
    # may fail, each with its line; past it only the busiest one does.
    for n in 1 2 8 9 10 $((max / 2)) $((max - 1)) "$max"; do
        rm -f "$T/marker" "$T/json" "$T/err"
        local st=0
        strace -f -qq -o /dev/null -e inject=prctl:error=EPERM:when="$n" \
            "$HUTCH" "${args[@]}" 3>"$T/json" 2>"$T/err" || st=$?
        local err
        err=$(<"$T/err")
        ((st != 0)) || fail "prctl $n failed, yet the run succeeded" "$err"
        [[ ! -e $T/marker ]] || fail "prctl $n failed, yet the command ran" "$err"
        ! grep -q '"exit-code"' "$T/json" || fail "prctl $n: exit-code reported" "$(cat "$T/json")"
        if ((n > second)); then
            [[ $err != *$'\n'* && $err == "$HUTCH_NAME: "?* ]] ||
                fail "prctl $n: expected one error line, got:" "$err"
        else
            local l
            while IFS= read -r l; do
                [[ $l == "$HUTCH_NAME: "?* ]] || fail "prctl $n: not an error line: $l" "$err"
            done <<<"$err"
        fi
    done
}

# --- capabilities, as bubblewrap gives them ---------------------------------------------

# caps_line CMD... : "uid CapInh CapPrm CapEff CapBnd CapAmb" of sh run by CMD... --
caps_line() {
    "$@" -- /bin/sh -c 'set -- $(id -u) $(awk "/^Cap(Inh|Prm|Eff|Bnd|Amb):/ { print \$2 }" /proc/self/status); echo "$@"'
}

# no_resource CMD... : CMD run as root without CAP_SYS_RESOURCE in any set,
# so that "the caller's set" and "every capability" differ.
no_resource() {
    capsh --drop=cap_sys_resource -- -c 'exec "$@"' capsh "$@"
}

@test "as root: a new user namespace keeps the caller's own capabilities, as in bubblewrap" {
    skip_unless_root
    skip_unless_cmd capsh
    local own
    own=$(no_resource awk '/^CapEff:/ { print $2 }' /proc/self/status)
    (((16#$own & (1 << 24)) == 0)) || skip "capsh could not drop CAP_SYS_RESOURCE ($own)"
    local sb=(--ro-bind / /) opts
    local -A want=(
        ["--unshare-user"]="0 0000000000000000 $own $own $own 0000000000000000"
        ["--unshare-user --uid 0"]="0 0000000000000000 $own $own $own 0000000000000000"
        ["--unshare-user-try"]="0 0000000000000000 $own $own $own 0000000000000000"
        ["--unshare-all"]="0 0000000000000000 $own $own $own 0000000000000000"
        ["--unshare-user --uid 1000"]="1000 0000000000000000 0000000000000000 0000000000000000 $own 0000000000000000"
        ["--cap-drop ALL"]="0 0000000000000000 0000000000000000 0000000000000000 $own 0000000000000000"
        ["--unshare-user --cap-drop ALL"]="0 0000000000000000 0000000000000000 0000000000000000 0000000000000000 0000000000000000"
    )
    for opts in "${!want[@]}"; do
        # shellcheck disable=SC2086
        run --separate-stderr caps_line no_resource "$HUTCH" "${sb[@]}" $opts
        assert_success
        [[ $output == "${want[$opts]}" ]] ||
            fail "$opts: expected ${want[$opts]}" "got      $output" "$(_show_run)"
    done
    # In a new user namespace --cap-add gives what the caller lacks there.
    run --separate-stderr caps_line no_resource "$HUTCH" "${sb[@]}" --unshare-user --cap-add CAP_SYS_RESOURCE
    local uid inh prm eff bnd amb
    read -r uid inh prm eff bnd amb <<<"$output"
    (((16#$eff & (1 << 24)) != 0 && 16#$amb == 16#$eff)) || fail "--cap-add CAP_SYS_RESOURCE: $output"
}

@test "capabilities: the same sets as bubblewrap for each way of asking" {
    [[ -x $BWRAP && ! $HUTCH -ef $BWRAP ]] || skip "no reference bubblewrap at $BWRAP"
    local wrap=()
    if is_root; then
        skip_unless_cmd capsh
        wrap=(no_resource)
    fi
    local opts lines=(
        "--unshare-user" "--unshare-user --uid 0" "--unshare-user --uid 1000" "--unshare-pid"
        "--unshare-user --cap-drop CAP_SYS_ADMIN" "--cap-drop CAP_SYS_ADMIN" "--cap-drop ALL"
        "--unshare-user --uid 1000 --cap-add CAP_NET_ADMIN" "--unshare-user --cap-add ALL"
        "--unshare-all" "--unshare-user-try")
    for opts in "${lines[@]}"; do
        if setuid_mode && [[ $opts == *--cap-add* ]]; then
            continue
        fi
        local h b
        # shellcheck disable=SC2086
        h=$(caps_line "${wrap[@]}" "$HUTCH" --ro-bind / / $opts 2>&1)
        # shellcheck disable=SC2086
        b=$(caps_line "${wrap[@]}" "$BWRAP" --ro-bind / / $opts 2>&1)
        [[ $h == "$b" ]] || fail "$opts:" "  bwrap $b" "  hutch $h"
    done
}

# (--dry-run held against what the run does: tests/dry-run.bats.)

# --- --share-net ------------------------------------------------------------------------

@test "--share-net alone is accepted and keeps the host's network, in order with --unshare-net" {
    local host
    host=$(host_ns net)
    run --separate-stderr "$HUTCH" --ro-bind / / --share-net -- readlink /proc/self/ns/net
    assert_success
    assert_output "$host"
    run --separate-stderr "$HUTCH" --ro-bind / / --unshare-net --share-net -- readlink /proc/self/ns/net
    assert_success
    assert_output "$host"
    run --separate-stderr "$HUTCH" --ro-bind / / --share-net --unshare-net -- readlink /proc/self/ns/net
    assert_success
    [[ $output == net:* && $output != "$host" ]] || fail "expected a new namespace: $output"
}

# --- --netns FD -------------------------------------------------------------------------

# hold_netns : a process in a new network namespace whose loopback has
# 10.9.8.7 (a caller who is not root makes it in a user namespace of its
# own); sets HOLDER.
hold_netns() {
    skip_unless_cmd ip unshare
    local u=()
    is_root || u=(-U -r)
    unshare "${u[@]}" -n /bin/sh -c "ip addr add 10.9.8.7/32 dev lo && : > $T/ready; exec sleep 60" \
        >/dev/null 2>"$T/holder.err" &
    HOLDER=$!
    track_pid "$HOLDER"
    wait_until 5 file_exists "$T/ready" || skip "can't make a network namespace: $(cat "$T/holder.err")"
}

@test "--netns FD: the command runs in that network namespace, with its interfaces" {
    needs_option --netns
    skip_in_setuid_mode "--netns is refused"
    hold_netns
    local join=()
    is_root || join=(--userns 4)
    run --separate-stderr "$HUTCH" --ro-bind / / "${join[@]}" --netns 3 -- /bin/sh -c \
        'readlink /proc/self/ns/net; ip -o -4 addr show dev lo' \
        3<"/proc/$HOLDER/ns/net" 4<"/proc/$HOLDER/ns/user"
    assert_success
    [[ ${lines[0]} == "$(readlink "/proc/$HOLDER/ns/net")" ]] || fail "namespace: ${lines[0]}"
    assert_output_contains "10.9.8.7/32"
    # It takes the place of --unshare-all's network namespace (which
    # --userns does not combine with: --unshare-all tries a user namespace).
    local all=(--unshare-all)
    is_root || all=(--unshare-uts --unshare-pid)
    run --separate-stderr "$HUTCH" --ro-bind / / "${join[@]}" "${all[@]}" --netns 3 -- \
        readlink /proc/self/ns/net /proc/self/ns/uts 3<"/proc/$HOLDER/ns/net" 4<"/proc/$HOLDER/ns/user"
    assert_success
    [[ ${lines[0]} == "$(readlink "/proc/$HOLDER/ns/net")" ]] || fail "with --unshare-all: $output"
    [[ ${lines[1]} != "$(host_ns uts)" ]] || fail "--unshare-all no longer unshares uts: $output"
}

@test "--netns FD: --dry-run=json reports it" {
    hutch_only "--dry-run is hutch's"
    skip_in_setuid_mode "--netns is refused"
    skip_unless_cmd python3
    run --separate-stderr "$HUTCH" --ro-bind / / --netns 3 --dry-run=json -- /bin/true 3</proc/self/ns/net
    assert_success
    [[ $(python3 -c 'import json, sys; j = json.load(sys.stdin); print(j["join"]["netns"], j["network"]["mode"], j["namespaces"]["net"])' <<<"$output") == "3 netns False" ]] ||
        fail "plan: $output"
}

@test "--netns FD: an fd that is not a network namespace, or not open: one line" {
    needs_option --netns
    skip_in_setuid_mode "--netns is refused"
    hutch_error --ro-bind / / --netns 3 -- /bin/true 3</proc/self/ns/user
    assert_status 1
    assert_error_line "--netns 3: not a network namespace"
    hutch_error --ro-bind / / --netns 3 -- /bin/true 3</dev/null
    assert_status 1
    assert_error_line "--netns 3: not a network namespace"
    hutch_error --ro-bind / / --netns 9 -- /bin/true
    assert_status 1
    assert_error_line "--netns 9: Bad file descriptor"
    expect_error "Invalid fd: x" --ro-bind / / --netns x -- /bin/true
    expect_error "--netns takes an argument" --netns
}

@test "--netns FD with --unshare-net, --share-net or --net pasta: one line each" {
    needs_option --netns
    hutch_only "bubblewrap has no --net"
    skip_in_setuid_mode "--netns is refused"
    expect_error "--netns not compatible with --unshare-net" \
        --ro-bind / / --netns 3 --unshare-net -- /bin/true 3</proc/self/ns/net
    expect_error "--netns not compatible with --unshare-net" \
        --ro-bind / / --unshare-net --netns 3 -- /bin/true 3</proc/self/ns/net
    expect_error "--netns not compatible with --share-net" \
        --ro-bind / / --unshare-all --share-net --netns 3 -- /bin/true 3</proc/self/ns/net
    expect_error "--netns not compatible with --net pasta" \
        --ro-bind / / --net pasta --netns 3 -- /bin/true 3</proc/self/ns/net
}

@test "--netns FD of a namespace the caller has no rights over: one line that says what to do" {
    needs_option --netns
    skip_in_setuid_mode "--netns is refused"
    skip_if_root
    expect_error "Can't join the network namespace of --netns 3: Operation not permitted (*--userns*)" \
        --ro-bind / / --netns 3 -- /bin/true 3</proc/self/ns/net
}

@test "setuid mode: --netns is refused with one line" {
    setuid_mode || skip "the setuid build refuses it"
    expect_error "--netns is not permitted in setuid mode" \
        --ro-bind / / --netns 3 -- /bin/true 3</proc/self/ns/net
}

# --- --userns FD with --uid/--gid -------------------------------------------------------

@test "--userns FD --uid/--gid: the command runs as those ids in that namespace" {
    skip_in_setuid_mode "--userns is refused"
    hutch_only "bubblewrap 0.11.1 fails here (it changes the uid before the gid)"
    skip_unless_cmd unshare
    # A user namespace of the caller's that maps several ids: root's own
    # namespace with 0-65535 mapped onto itself, or the caller's subordinate
    # ids through newuidmap.
    local holder
    if is_root; then
        unshare -U /bin/sh -c ": > $T/ready; exec sleep 60" >/dev/null 2>"$T/holder.err" &
        holder=$!
        track_pid "$holder"
        wait_until 5 file_exists "$T/ready" || skip "can't make a user namespace: $(cat "$T/holder.err")"
        echo "0 0 65536" >"/proc/$holder/uid_map"
        echo "0 0 65536" >"/proc/$holder/gid_map"
    else
        unshare -U --map-auto --map-root-user /bin/sh -c ": > $T/ready; exec sleep 60" \
            >/dev/null 2>"$T/holder.err" &
        holder=$!
        track_pid "$holder"
        wait_until 5 file_exists "$T/ready" || skip "can't make a user namespace: $(cat "$T/holder.err")"
    fi
    run --separate-stderr "$HUTCH" --ro-bind / / --userns 3 --uid 5 --gid 6 -- \
        /bin/sh -c 'id -u; id -g' 3<"/proc/$holder/ns/user"
    assert_success
    assert_output $'5\n6'
}

# --- error wording callers match ----------------------------------------------------------

@test "bubblewrap's words: a seccomp fd that is not open, a last --overlay-src" {
    expect_error "Can't read seccomp data: Bad file descriptor" --ro-bind / / --seccomp 9 -- /bin/true
    expect_error "Can't read seccomp data: Bad file descriptor" --ro-bind / / --add-seccomp-fd 9 -- /bin/true
    needs_bwrap_version 0.11.0 "--overlay-src"
    expect_error "--overlay-src must be followed by another --overlay-src or one of --overlay, --tmp-overlay, or --ro-overlay" \
        --ro-bind / / --overlay-src
}
