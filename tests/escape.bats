#!/usr/bin/env bats
# Escape attempts: a command that tries to get out of its sandbox, or a
# host that plants traps for hutch while it sets the sandbox up.  Each test
# asserts the safe outcome as seen from OUTSIDE: the host's file untouched,
# the host's process alive, the secret unread, no mount added.
#
# Each attack notes what bubblewrap 0.11 does, to the best of our
# knowledge ("bwrap: ...").  The attacks run one system call each through
# tests/escape-probe (see tests/escape-probe.c), which prints "ok" or the
# errno's name.
#
# As root, an attack that real root could simply perform (root keeps its
# capabilities by default, as in bubblewrap) is made with --cap-drop ALL,
# or with --unshare-user --uid 1000 where a user namespace is the point.

setup() {
    load helpers
    hutch_setup
    escape_setup
}

teardown() {
    if [[ -n ${HOSTNAME_BEFORE:-} && $(hostname) != "$HOSTNAME_BEFORE" ]] && is_root; then
        hostname "$HOSTNAME_BEFORE"
    fi
    if [[ -n ${IPC_ID:-} ]]; then
        ipcrm -m "$IPC_ID" 2>/dev/null || true
    fi
    hutch_teardown
}

escape_setup() {
    if ! PROBE=$(test_program escape-probe "${ESCAPE_PROBE:-}"); then
        fail "tests/escape-probe is not built: run make check (or make tests/escape-probe)"
        return 1
    fi
    # Inside, the probe is at /probe/escape-probe.
    P=/probe/escape-probe
    # The system directories, read-only, in a fresh tmpfs root.
    BASE=("${SYSDIRS[@]}" --ro-bind "${PROBE%/*}" /probe)
    # A command without capabilities: anyone but root has none already.
    NOCAPS=()
    if is_root; then
        NOCAPS=(--cap-drop ALL)
    fi
    # A command in a user namespace of its own, not root there.
    USERNS=()
    if is_root; then
        USERNS=(--unshare-user --uid 1000 --gid 1000)
    fi
}

# esb [OPTIONS...] -- COMMAND... : hutch with the tmpfs root and the probe
esb() {
    "$HUTCH" "${BASE[@]}" "$@"
}

# psb: the same with a PID namespace, /proc and /dev
psb() {
    "$HUTCH" "${BASE[@]}" --proc /proc --dev /dev --unshare-pid "$@"
}

# A host process to attack: a sleep of the caller's own, tracked.
start_victim() {
    sleep 60 </dev/null >/dev/null 2>&1 &
    VICTIM=$!
    track_pid "$VICTIM"
}

assert_victim_alive() {
    pid_alive "$VICTIM" || fail "the host's process $VICTIM was killed"
}

# assert_refused : every line of $output is an errno name, none is "ok"
assert_refused() {
    local line
    [[ -n $output ]] || fail "no output" "$(_show_run)"
    for line in "${lines[@]}"; do
        [[ $line =~ ^E[A-Z0-9]+$ ]] || fail "an attack succeeded: $line" "$(_show_run)"
    done
}

# --- destinations: traps planted in a writable bind ---------------------------------

# A writable host directory bound into the sandbox, in which the host (or
# an earlier sandbox) planted symlinks that point out of the new root, and
# a host directory outside it that nothing may touch.
plant_traps() {
    mkdir -p "$T/shared" "$T/outside" "$T/src"
    echo original >"$T/outside/victim"
    chmod 0600 "$T/outside/victim"
    echo payload >"$T/payload"
    ln -s "$T/outside" "$T/shared/abs"
    # Climbs above any root, then down the host's path.
    ln -s "../../../../../../../../../../..$T/outside" "$T/shared/rel"
    # Where bubblewrap keeps the host's tree while it sets up.
    ln -s "../../../../../../../../oldroot$T/outside" "$T/shared/oldroot"
    # Through the magic link of a process's root.
    ln -s "/proc/self/root$T/outside" "$T/shared/magic"
    # A leaf that is itself a symlink to an existing host file.
    ln -s "$T/outside/victim" "$T/shared/victim"
    OUTSIDE_BEFORE=$(outside_state)
}

outside_state() {
    find "$T/outside" -printf '%P %M %s\n' | sort
    cat "$T/outside/victim"
}

assert_outside_untouched() {
    local now
    now=$(outside_state)
    [[ $now == "$OUTSIDE_BEFORE" ]] ||
        fail "the host directory outside the sandbox changed:" \
            "$(diff <(printf '%s\n' "$OUTSIDE_BEFORE") <(printf '%s\n' "$now"))"
}

TRAPS=(abs rel oldroot magic)

# try_through OPTION-WORDS... : run a sandbox with the op for every trap
# (DEST stands for the destination under the trap); the status does not
# matter, only what the host sees afterwards.
try_through() {
    local trap word args
    for trap in "${TRAPS[@]}"; do
        args=()
        for word in "$@"; do
            args+=("${word//DEST//shared/$trap/made}")
        done
        esb --proc /proc --bind "$T/shared" /shared "${args[@]}" -- /bin/true \
            3<"$T/payload" >/dev/null 2>&1 || true
    done
}

# bwrap: resolves destinations with ordinary lookups while the host is
# mounted at /oldroot, so "../oldroot/HOST-PATH" planted in a writable
# bind leads onto the host (absolute links resolve in its base tmpfs).
@test "--dir through a symlink planted in a writable bind creates nothing outside the new root" {
    plant_traps
    try_through --dir DEST
    try_through --dir DEST/deeper/still
    assert_outside_untouched
}

# bwrap: follows the planted link (see above) and truncates the host file.
@test "--file through a planted symlink neither creates nor truncates a host file" {
    plant_traps
    try_through --file 3 DEST
    esb --bind "$T/shared" /shared --file 3 /shared/victim -- /bin/true 3<"$T/payload" || true
    esb --bind "$T/shared" /shared --bind-data 3 /shared/victim -- /bin/true 3<"$T/payload" || true
    assert_outside_untouched
}

# bwrap: the "../oldroot" link makes the symlink on the host.
@test "--symlink through a planted symlink makes no link outside the new root" {
    plant_traps
    try_through --symlink /etc/shadow DEST
    assert_outside_untouched
    [[ -z $(find "$T/outside" -type l) ]] || fail "a symlink appeared outside"
}

# bwrap: mounts on the host's directory, reached through /oldroot.
@test "--bind and --tmpfs through a planted symlink mount nothing on the host" {
    plant_traps
    host_mounts_snapshot
    try_through --bind "$T/src" DEST
    try_through --tmpfs DEST
    try_through --dev DEST
    assert_no_new_host_mounts
    assert_outside_untouched
}

# bwrap: --chmod follows the link to the host file.
@test "--chmod and --remount-ro through a planted leaf symlink leave the host file alone" {
    plant_traps
    esb --bind "$T/shared" /shared --chmod 0777 /shared/victim -- /bin/true 2>/dev/null || true
    esb --bind "$T/shared" /shared --remount-ro /shared/victim -- /bin/true 2>/dev/null || true
    assert_outside_untouched
    [[ $(stat -c %a "$T/outside/victim") == 600 ]] || fail "the host file's mode changed"
}

# bwrap: accepts ".." in destinations and resolves it under its base, from
# where "../oldroot" is the host.  hutch accepts them too, resolved inside
# the new root: a ".." at its top stays there, also after a planted symlink.
@test "destinations with '..' components, after planted symlinks too, touch nothing outside" {
    hutch_only "bubblewrap resolves '..' from its base, where ../oldroot is the host"
    plant_traps
    host_snapshot
    local dest op
    for dest in "/shared/../oldroot$T/outside/made" "/../../../oldroot$T/outside/made" \
        "/shared/rel/../made" "/shared/abs/../made" "/shared/oldroot/../../made" \
        "/shared/magic/../made" "a/../../../oldroot$T/outside/made"; do
        for op in "--dir $dest" "--tmpfs $dest" "--file 3 $dest" "--symlink x $dest" \
            "--bind $T/src $dest" "--bind-data 3 $dest" "--dev $dest" "--chmod 0777 $dest" \
            "--remount-ro $dest"; do
            # shellcheck disable=SC2086
            esb --bind "$T/shared" /shared $op -- /bin/true 3<"$T/payload" >/dev/null 2>&1 || true
        done
    done
    esb --bind "$T/shared" /shared --chmod 0777 "/shared/../../oldroot$T/outside/victim" \
        --remount-ro /.. -- /bin/true 2>/dev/null || true
    assert_outside_untouched
    assert_host_unchanged
    [[ ! -e $T/shared/made && ! -e $T/made ]] || fail "a '..' led out of /shared onto the host"
}

# bwrap: lookups follow whatever the path holds at that instant, so a
# swap in the middle of its setup can lead onto the host.
@test "a destination swapped for a symlink while sandboxes start never leads outside" {
    plant_traps
    mkdir -p "$T/shared/race/dir"
    # The host flips /shared/race/d between a directory and a symlink to
    # the outside, as fast as it can, while sandboxes set up under it.
    (
        cd "$T/shared/race" || exit 1
        ln -s "$T/outside" link
        end=$((SECONDS + 20))
        while ((SECONDS < end)); do
            mv -T dir d 2>/dev/null
            mv -T d dir 2>/dev/null
            mv -T link d 2>/dev/null
            mv -T d link 2>/dev/null
        done
    ) &
    track_pid $!
    local i
    for ((i = 0; i < 25; i++)); do
        esb --bind "$T/shared" /shared --dir /shared/race/d/x$i --tmpfs /shared/race/d/t \
            --file 3 /shared/race/d/f$i --symlink y /shared/race/d/s$i \
            --bind "$T/src" /shared/race/d/b --chmod 0777 /shared/race/d/f$i -- /bin/true \
            3<"$T/payload" >/dev/null 2>&1 || true
    done
    kill "$!" 2>/dev/null || true
    assert_outside_untouched
}

# --- mounts -----------------------------------------------------------------------

# bwrap: the same (its / is a slave of the host).
@test "mounts made inside (with CAP_SYS_ADMIN) never propagate to the host" {
    skip_in_setuid_mode "--cap-add is refused for a caller who is not root"
    mkdir -p "$T/shared/sub"
    local caps=(--uid 0 --gid 0 --cap-add CAP_SYS_ADMIN)
    is_root && caps=(--cap-drop ALL --cap-add CAP_SYS_ADMIN)
    host_mounts_snapshot
    run --separate-stderr esb --proc /proc "${caps[@]}" --bind "$T/shared" /shared -- /bin/sh -c '
        mount -t tmpfs none /shared/sub && echo mounted
        mount --make-rshared / ; mount --make-shared /shared
        mount -t tmpfs none /shared/sub && touch /shared/sub/inside && echo again'
    assert_success
    assert_output "mounted
again"
    assert_no_new_host_mounts
    [[ -z $(ls -A "$T/shared/sub") ]] || fail "the sandbox's tmpfs is seen on the host"
}

# bwrap: the same.
@test "a read-only bind can't be remounted read-write by a command without capabilities" {
    echo original >"$T/file"
    run psb "${NOCAPS[@]}" --ro-bind "$T" /ro -- /bin/sh -c \
        'mount -o remount,rw,bind /ro 2>/dev/null; mount -o remount,rw /ro 2>/dev/null; /probe/escape-probe write /ro/file'
    assert_success
    assert_output EROFS
    assert_file_content "$T/file" original
}

# bwrap: the same.
@test "--remount-ro can't be undone with mount -o remount,rw" {
    echo original >"$T/file"
    run psb "${NOCAPS[@]}" --bind "$T" /rw --remount-ro /rw -- /bin/sh -c \
        'mount -o remount,rw,bind /rw 2>/dev/null; mount -o remount,rw /rw 2>/dev/null; /probe/escape-probe write /rw/file'
    assert_success
    assert_output EROFS
    assert_file_content "$T/file" original
}

# bwrap: the same (the kernel locks the flags of mounts copied into a less
# privileged user namespace).
@test "a nested user namespace (unshare -Urm) can't make a read-only bind writable" {
    skip_unless_cmd unshare
    echo original >"$T/file"
    run psb "${USERNS[@]}" --ro-bind "$T" /ro --bind "$T" /rw --remount-ro /rw -- \
        unshare -Urm /bin/sh -c '
        mount -o remount,rw,bind /ro 2>/dev/null || echo locked
        mount -o remount,rw,bind /rw 2>/dev/null || echo locked
        umount /ro 2>/dev/null || echo locked
        /probe/escape-probe write /ro/file; /probe/escape-probe write /rw/file'
    assert_success
    assert_output "locked
locked
locked
EROFS
EROFS"
    assert_file_content "$T/file" original
}

# bwrap: the same (its binds are nodev unless --dev-bind).
@test "device nodes on a bind are unusable; only --dev-bind makes them usable" {
    run esb --tmpfs /mnt --bind /dev /mnt/host-dev -- "$P" open-dev /mnt/host-dev/null
    assert_success
    assert_output EACCES
    run esb --tmpfs /mnt --dev-bind /dev /mnt/host-dev -- "$P" open-dev /mnt/host-dev/null
    assert_output ok
    if is_root; then
        # A device node made by the host's root in a directory it binds.
        mkdir "$T/devs"
        mknod "$T/devs/full" c 1 7
        chmod 0666 "$T/devs/full"
        run esb "${NOCAPS[@]}" --bind "$T/devs" /devs -- "$P" open-dev /devs/full
        assert_output EACCES
        run esb --dev-bind "$T/devs" /devs -- "$P" open-dev /devs/full
        assert_output ok
    fi
}

# bwrap: the same (binds are nosuid and no_new_privs is set).
@test "setuid and setgid bits of a bound binary are ignored" {
    # Every mount the command sees is nosuid, and no_new_privs is set.
    run esb --proc /proc --dev /dev --bind "$T" /t -- /bin/sh -c \
        'awk "\$6 !~ /nosuid/ { print \"suid allowed:\", \$5 }" /proc/self/mountinfo; grep ^NoNewPrivs: /proc/self/status'
    assert_success
    assert_output_matches '^NoNewPrivs:[[:space:]]+1$'
    if is_root; then
        # A set-id binary owned by another user: outside it changes the ids
        # of whoever runs it; inside it must not.
        mkdir "$T/suid"
        cp "$PROBE" "$T/suid/probe"
        chown 1001:1001 "$T/suid/probe"
        chmod 6755 "$T/suid/probe"
        run "$T/suid/probe" ids
        assert_output "uid=0/1001/1001 gid=0/1001/1001"
        run esb --cap-drop ALL --ro-bind "$T/suid" /suid -- /suid/probe ids
        assert_success
        assert_output "uid=0/0/0 gid=0/0/0"
    fi
}

# --- processes ------------------------------------------------------------------------

# bwrap: the same.
@test "with a PID namespace, host processes can be neither signalled nor traced" {
    start_victim
    run --separate-stderr psb -- /bin/sh -c "
        $P kill $VICTIM 9; $P ptrace $VICTIM; $P pidfd-getfd $VICTIM 0; [ -e /proc/$VICTIM/root/etc ] && echo ok || echo ENOENT"
    assert_success
    assert_refused
    assert_victim_alive
}

# bwrap: the same (another user namespace, or fewer capabilities).
@test "without a PID namespace, host processes can't be traced or read through /proc" {
    start_victim
    run --separate-stderr esb "${NOCAPS[@]}" --proc /proc -- /bin/sh -c "
        $P ptrace $VICTIM; $P pidfd-getfd $VICTIM 1
        $P read-fd -100 /proc/$VICTIM/environ; $P read-fd -100 /proc/$VICTIM/root/etc/hostname
        $P read-fd -100 /proc/$VICTIM/mem; $P open-w /proc/$VICTIM/mem"
    assert_success
    assert_refused
    assert_victim_alive
}

# bwrap: signals reach the host's processes of the same user without a PID
# namespace; it has no answer of its own (hutch: --scope-signals).
@test "without a PID namespace, --scope-signals keeps signals from host processes" {
    hutch_only "--scope-signals is hutch's"
    start_victim
    run --separate-stderr esb --scope-signals --proc /proc -- "$P" kill "$VICTIM" 9
    if [[ $stderr == *"Landlock"* ]]; then
        skip "the kernel's Landlock ABI lacks signal scoping: $stderr"
    fi
    assert_success
    assert_output EPERM
    assert_victim_alive
}

# bwrap: passes where the command is in a user namespace below the
# monitor's (the kernel then refuses); its monitor does not make itself
# non-dumpable (best knowledge), which matters where they share one (e.g.
# --userns with --cap-add).  hutch's is non-dumpable before the child is
# released.
@test "hutch's monitor can't be traced, nor the host reached through its /proc/PID/root or exe" {
    skip_in_setuid_mode "--cap-add is refused for a caller who is not root"
    local extra=("${NOCAPS[@]}")
    is_root || extra=(--uid 0 --gid 0 --cap-add ALL)
    run --separate-stderr esb "${extra[@]}" --proc /proc -- /bin/sh -c '
        m=$PPID; read -r name </proc/$m/comm; echo "$name" >&2
        '"$P"' ptrace $m; '"$P"' pidfd-getfd $m 0
        '"$P"' read-fd -100 /proc/$m/root/etc/hostname; '"$P"' read-fd -100 /proc/$m/cwd/.
        '"$P"' read-fd -100 /proc/$m/environ; '"$P"' open-w /proc/$m/exe; '"$P"' read-fd -100 /proc/$m/exe'
    assert_success
    [[ $stderr == "${HUTCH_NAME:0:15}" ]] || fail "the parent is not the monitor: $stderr"
    assert_refused
}

# PID 1 is non-dumpable (tests/pid1.bats), and what it holds must be
# nothing the command lacks anyway.  bwrap: the same filters and
# capabilities, but its PID 1 is dumpable and keeps the caller's
# environment (readable in /proc/1/environ even with --clearenv).
@test "PID 1 gives the command nothing it lacks: its filters, no capability, nothing of the caller's" {
    skip_in_setuid_mode "--cap-add is refused for a caller who is not root"
    local extra=("${NOCAPS[@]}") filters=()
    is_root || extra=(--uid 0 --gid 0 --cap-add ALL)
    if "$HUTCH" --version | grep -q libseccomp; then
        filters=(--seccomp-deny getppid)
    fi
    run --separate-stderr env HUTCH_ESCAPE_SECRET=hunter2 "$HUTCH" "${BASE[@]}" --proc /proc \
        --dev /dev --unshare-pid --clearenv "${extra[@]}" "${filters[@]}" -- /bin/sh -c '
        grep -E "^(Seccomp|Seccomp_filters|NoNewPrivs|Cap(Inh|Prm|Eff|Bnd|Amb)):" /proc/1/status |
            tr "\t" " " | sort
        echo "self $(grep -E "^Seccomp_filters:" /proc/self/status | tr "\t" " ")"
        echo "environ $(tr "\0" "\n" </proc/1/environ | grep -c .)"
        grep -c hunter2 /proc/1/environ 2>/dev/null || echo 0'
    assert_success
    local want_filters=0
    ((${#filters[@]} == 0)) || want_filters=1
    local l
    for l in "CapAmb: 0000000000000000" "CapBnd: 0000000000000000" "CapEff: 0000000000000000" \
        "CapInh: 0000000000000000" "CapPrm: 0000000000000000" "NoNewPrivs: 1" \
        "environ 0"; do
        has_line "$l" "$output" || fail "PID 1: expected \"$l\"" "$(_show_run)"
    done
    [[ ${lines[-1]} == 0 ]] || fail "the caller's environment is readable in /proc/1/environ" "$(_show_run)"
    if ((want_filters)); then
        has_line "Seccomp: 2" "$output" || fail "PID 1 is not filtered" "$(_show_run)"
        local mine
        mine=$(sed -n 's/^self Seccomp_filters: //p' <<<"$output")
        [[ -z $mine ]] || has_line "Seccomp_filters: $mine" "$output" ||
            fail "PID 1 has other filters than the command" "$(_show_run)"
    fi
}

# With Landlock, the command can't even trace PID 1 (outside its domain).
@test "under Landlock, the command can't trace or open PID 1" {
    "$HUTCH" --version | grep -qi landlock || skip "built without Landlock"
    run --separate-stderr psb "${NOCAPS[@]}" --landlock-ro / -- /bin/sh -c "
        $P ptrace 1; $P read-fd -100 /proc/1/environ"
    if [[ $stderr == *"Landlock"* && $status -ne 0 ]]; then
        skip "Landlock is not available here: $stderr"
    fi
    assert_success
    assert_refused
}

# bwrap: the same.
@test "with a PID namespace, the new /proc shows none of the host's processes" {
    start_victim
    run --separate-stderr psb -- /bin/sh -c 'ls /proc | grep -c "^[0-9]"; ls -d /proc/'"$VICTIM"' 2>&1 || true'
    assert_success
    [[ ${lines[0]} -le 4 ]] || fail "more processes than the sandbox's own: $output"
    [[ ${lines[1]} == *"No such file"* ]] || fail "the host's process is visible: $output"
}

# bwrap: /proc/sys, sysrq-trigger, irq and bus are covered read-only too.
@test "/proc/sys, /proc/sysrq-trigger, /proc/irq and /proc/bus are read-only whatever the uid" {
    skip_in_setuid_mode "--cap-add is refused for a caller who is not root"
    local variant files=(/proc/sys/kernel/domainname /proc/sys/vm/drop_caches
        /proc/sysrq-trigger /proc/irq/default_smp_affinity /proc/bus/pci/devices)
    local script="for f in ${files[*]}; do $P open-w \$f; done"
    for variant in default nocaps uid0; do
        case $variant in
        default) run --separate-stderr psb -- /bin/sh -c "$script" ;;
        nocaps) run --separate-stderr psb --cap-drop ALL -- /bin/sh -c "$script" ;;
        uid0) run --separate-stderr psb --unshare-user --uid 0 --gid 0 --cap-add ALL -- /bin/sh -c "$script" ;;
        esac
        assert_success
        assert_refused
    done
}

# bwrap: the same for the command's own binary (ETXTBSY); its PID 1 is
# dumpable, so the binary reached through /proc/1/exe is hutch's concern.
@test "neither the command's binary nor hutch's can be written through /proc/*/exe" {
    local before after
    before=$(cksum <"$HUTCH")
    cp "$PROBE" "$T/probe-copy"
    run --separate-stderr psb "${NOCAPS[@]}" --bind "$T" /t -- /bin/sh -c "
        /t/probe-copy open-w /proc/self/exe; $P open-w /proc/1/exe; $P open-w /proc/1/exe"
    assert_success
    assert_refused
    run --separate-stderr esb "${NOCAPS[@]}" --proc /proc -- /bin/sh -c "$P open-w /proc/\$PPID/exe"
    assert_refused
    after=$(cksum <"$HUTCH")
    [[ $before == "$after" ]] || fail "hutch's binary changed"
}

# The caller's terminal, given to the test by script(1).
in_pty() {
    SHELL=/bin/bash script -qec "$1" /dev/null < <(sleep 1)
}

# bwrap: the same with --new-session (without it, TIOCSTI works on kernels
# that allow it: dev.tty.legacy_tiocsti).
@test "--new-session: TIOCSTI (and TIOCLINUX) can't push keystrokes into the caller's terminal" {
    skip_unless_cmd script
    local cmd
    cmd=$(printf '%q ' "$HUTCH" "${BASE[@]}" "${NOCAPS[@]}" --new-session -- /bin/sh -c \
        "$P tiocsti 'echo INJECTED
'; $P tioclinux")
    run in_pty "$cmd; read -r -t 0.3 line; echo \"caller read: [\$line]\""
    assert_output_contains "EPERM"
    assert_output_not_contains "ok"
    assert_output_contains "caller read: []"
    assert_output_not_contains "INJECTED"
}

# bwrap: no such policy of its own.
@test "--seccomp-policy default: TIOCSTI and TIOCLINUX are refused without --new-session too" {
    hutch_only "--seccomp-policy is hutch's"
    skip_unless_cmd script
    "$HUTCH" --version | grep -q libseccomp || skip "built without libseccomp"
    local cmd
    cmd=$(printf '%q ' "$HUTCH" "${BASE[@]}" "${NOCAPS[@]}" --seccomp-policy default -- \
        /bin/sh -c "$P tiocsti 'echo INJECTED
'; $P tioclinux")
    run in_pty "$cmd; read -r -t 0.3 line; echo \"caller read: [\$line]\""
    assert_output_contains "caller read: []"
    assert_output_not_contains "INJECTED"
    assert_output_not_contains "ok"
}

# --- descriptors -----------------------------------------------------------------------

# bwrap: passes every inherited fd, so fchdir()/openat() on a directory fd
# walks the host's tree from the sandbox.
@test "an inherited directory fd is closed: no fchdir or openat out of the new root" {
    hutch_only "bubblewrap passes inherited directory fds on"
    mkdir "$T/secret"
    echo hunter2 >"$T/secret/key"
    run --separate-stderr esb -- /bin/sh -c "$P read-fd 3 key; $P fchdir-read 3 key; $P fchdir-read 3 ../../../etc/hostname" 3<"$T/secret"
    assert_success
    assert_output "EBADF
EBADF
EBADF"
}

# bwrap: the same hole with O_PATH.
@test "an inherited O_PATH directory fd is closed as well" {
    hutch_only "bubblewrap passes inherited directory fds on"
    mkdir "$T/secret"
    echo hunter2 >"$T/secret/key"
    run --separate-stderr "$PROBE" open-path 5 "$T/secret" -- "$HUTCH" "${BASE[@]}" -- \
        /bin/sh -c "$P read-fd 5 key; $P fchdir-read 5 key"
    assert_success
    assert_output "EBADF
EBADF"
}

# (hutch's --keep-fd; ordinary fds pass as in bubblewrap.)
@test "--keep-fd passes a directory fd on deliberately; files and sockets always pass" {
    hutch_only "--keep-fd is hutch's"
    skip_in_setuid_mode "descriptors that no option names are closed by design"
    mkdir "$T/shared-dir"
    echo visible >"$T/shared-dir/f"
    echo file-data >"$T/plain"
    run --separate-stderr psb --keep-fd 3 -- /bin/sh -c "$P read-fd 3 f; cat <&4; $P fds" \
        3<"$T/shared-dir" 4<"$T/plain"
    assert_success
    [[ ${lines[0]} == visible && ${lines[1]} == file-data ]] || fail "$output"
    [[ ${lines[2]} == "0 1 2 3 4 "* ]] || fail "fds: ${lines[2]}"
}

# (hutch: the closing leaves what an option names alone.)
@test "directory fds named by other options still work: --bind-fd, --sync-fd with --as-pid-1" {
    hutch_only "closing inherited directories is hutch's"
    mkdir "$T/d"
    echo through-fd >"$T/d/f"
    run --separate-stderr esb --bind-fd 3 /mnt -- /bin/cat /mnt/f 3<"$T/d"
    assert_success
    assert_output through-fd
    run --separate-stderr "$HUTCH" "${BASE[@]}" --proc /proc --unshare-pid --as-pid-1 --sync-fd 3 -- \
        "$P" read-fd 3 f 3<"$T/d"
    assert_success
    assert_output through-fd
}

# bwrap: the same (its own fds are close-on-exec).
@test "no fd of hutch's own reaches the command: only 0, 1 and 2" {
    printf '%s\0' --setenv X 1 >"$T/args"
    echo data >"$T/data"
    mkfifo "$T/block"
    local extra=()
    is_bwrap || extra=(--timeout 30 --rlimit nofile=512)
    run --separate-stderr run_closing_fds bash -c '
        exec 3<"$1/args" 4<"$1/data" 5<"$1/data" 6>"$1/info" 7>"$1/status" 8</dev/null 9<"$1/data"
        shift; exec "$@"' _ "$T" "$HUTCH" "${BASE[@]}" --proc /proc --dev /dev --unshare-pid \
        --unshare-all --tmpfs /tmp --args 3 --file 4 /tmp/f --lock-file /tmp/f \
        --bind-data 5 /tmp/g --info-fd 6 --json-status-fd 7 --sync-fd 8 --add-seccomp-fd 9 \
        --tmp-overlay /usr --overlay-src /usr "${extra[@]}" -- "$P" fds
    # (--add-seccomp-fd 9 holds no valid program: the run may fail there;
    # rerun without it to see the command's fds.)
    if [[ $status -ne 0 ]]; then
        run --separate-stderr run_closing_fds bash -c '
            exec 3<"$1/args" 4<"$1/data" 5<"$1/data" 6>"$1/info" 7>"$1/status" 8</dev/null
            shift; exec "$@"' _ "$T" "$HUTCH" "${BASE[@]}" --proc /proc --dev /dev --unshare-pid \
            --unshare-all --tmpfs /tmp --args 3 --file 4 /tmp/f --lock-file /tmp/f \
            --bind-data 5 /tmp/g --info-fd 6 --json-status-fd 7 --sync-fd 8 "${extra[@]}" -- "$P" fds
    fi
    assert_success
    assert_output "0 1 2 "
}

# bwrap: its PID 1 keeps every fd the caller passed.
@test "PID 1 keeps none of the caller's descriptors (seen from the host)" {
    hutch_only "bubblewrap's PID 1 keeps them"
    skip_unless_root
    mkdir "$T/flag"
    "$HUTCH" "${BASE[@]}" --proc /proc --unshare-pid --bind "$T/flag" /flag --info-fd 3 -- \
        /bin/sh -c 'touch /flag/up; sleep 30' 3>"$T/info" 4<"$T" 5</dev/null &
    track_pid $!
    wait_until 10 file_exists "$T/flag/up" || fail "the sandbox did not start"
    local pid1
    pid1=$(sed -n 's/.*"child-pid": *\([0-9]*\).*/\1/p' "$T/info")
    # Above 2 only its own: a signalfd and the pipe to the monitor.
    local fd target
    for fd in /proc/"$pid1"/fd/*; do
        [[ ${fd##*/} -gt 2 ]] || continue
        target=$(readlink "$fd")
        [[ $target == anon_inode:* || $target == pipe:* ]] ||
            fail "PID 1 holds fd ${fd##*/} -> $target"
    done
}

# --- namespaces ------------------------------------------------------------------------

# bwrap: the same.
@test "--unshare-net: the host's abstract unix sockets are unreachable" {
    local name="hutch-escape-$$-$BATS_TEST_NUMBER"
    "$PROBE" listen-abstract "$name" >"$T/listening" 2>/dev/null &
    track_pid $!
    wait_until 10 file_nonempty "$T/listening" || fail "the host's listener did not start"
    run --separate-stderr esb --unshare-net -- "$P" connect-abstract "$name"
    assert_output ECONNREFUSED
    # Control: without --unshare-net the same socket answers.
    run --separate-stderr esb -- "$P" connect-abstract "$name"
    assert_output hello
}

# bwrap: the same.
@test "--unshare-net: the host's loopback services are unreachable" {
    "$PROBE" listen-tcp >"$T/port" 2>/dev/null &
    track_pid $!
    wait_until 10 file_nonempty "$T/port" || fail "the host's listener did not start"
    local port
    port=$(head -n 1 "$T/port")
    run --separate-stderr esb --unshare-net -- "$P" connect-tcp "$port"
    assert_output ECONNREFUSED
    run --separate-stderr esb -- "$P" connect-tcp "$port"
    assert_output hello
}

# bwrap: the same.
@test "--unshare-ipc: the host's System V shared memory is invisible and untouchable" {
    skip_unless_cmd ipcmk ipcs ipcrm
    IPC_ID=$(ipcmk -M 4096 | awk '{ print $NF }')
    [[ -n $IPC_ID ]] || fail "ipcmk failed"
    run --separate-stderr esb --unshare-ipc -- /bin/sh -c \
        "ipcs -m | awk '\$2 == $IPC_ID' ; ipcrm -m $IPC_ID 2>/dev/null || echo refused"
    assert_success
    assert_output refused
    ipcs -m | awk -v id="$IPC_ID" '$2 == id { found = 1 } END { exit !found }' ||
        fail "the host's segment is gone"
}

# bwrap: the same.
@test "the host's hostname stays as it was, with or without --unshare-uts" {
    skip_in_setuid_mode "--cap-add is refused for a caller who is not root"
    skip_unless_cmd hostname
    HOSTNAME_BEFORE=$(hostname)
    run --separate-stderr esb --unshare-uts --unshare-user --uid 0 --gid 0 --cap-add ALL -- \
        /bin/sh -c 'hostname hutch-escaped && hostname'
    assert_output hutch-escaped
    run --separate-stderr esb --unshare-user --uid 0 --gid 0 --cap-add ALL -- \
        /bin/sh -c 'hostname hutch-escaped 2>/dev/null || echo refused'
    assert_output refused
    [[ $(hostname) == "$HOSTNAME_BEFORE" ]] || fail "the host's hostname changed to $(hostname)"
}

# bwrap: the same.
@test "--disable-userns: no nested user namespace can be made" {
    skip_unless_cmd unshare
    run --separate-stderr esb --unshare-user --disable-userns -- /bin/sh -c \
        'unshare -U true 2>/dev/null && echo made; unshare -Ur true 2>/dev/null && echo made; echo done'
    assert_success
    assert_output done
}

# --- credentials ------------------------------------------------------------------------

# bwrap: the command inherits the caller's session keyring and can read
# its keys.
@test "the caller's session keyring and its keys are not reachable inside" {
    hutch_only "bubblewrap passes the session keyring on"
    run --separate-stderr "$PROBE" key-add hutch-secret hunter2 -- /bin/sh -c '
        id=$("$0" key-search hutch-secret); id=${id#found }; "$0" key-read "$id"
        shift; "$@" /bin/sh -c "/probe/escape-probe key-search hutch-secret; /probe/escape-probe key-read $id"' \
        "$PROBE" _ "$HUTCH" "${BASE[@]}" --
    [[ ${lines[0]} =~ ^[0-9]+$ ]] || skip "no session keyring to test with: $output"
    assert_success
    # outside: the key; inside: nothing found (ENOKEY in a new keyring,
    # ENOSYS when a full key quota left hutch its keyring filter instead:
    # other suites of this user may fill it meanwhile), nothing read
    [[ ${lines[1]} == hunter2 ]] || fail "the key is not readable outside: $output"
    [[ ${lines[2]} == ENOKEY || ${lines[2]} == ENOSYS ]] || fail "found inside: $output"
    [[ ${lines[3]} =~ ^E[A-Z]+$ ]] || fail "read inside: $output"
    assert_output_not_contains "hunter2
hunter2"
}

# bwrap: the same.
@test "with every capability in the sandbox, the command has none over the host" {
    skip_in_setuid_mode "--cap-add is refused for a caller who is not root"
    run --separate-stderr psb --unshare-user --uid 0 --gid 0 --cap-add ALL -- /bin/sh -c \
        "$P setpriority; grep ^CapEff: /proc/self/status"
    assert_success
    [[ ${lines[0]} == EACCES || ${lines[0]} == EPERM ]] || fail "raised its priority: $output"
    [[ ${lines[1]} != *0000000000000000 ]] || fail "expected capabilities inside: $output"
}

# Every set but the bounding set is empty for both.  PID 1's bounding set
# is empty; the command's too for a caller who is not root, while root's
# stays its own effective set, as in bubblewrap (no_new_privs makes it worthless: grep, run by the
# sandbox's uid after it was made, gained nothing at its exec, even as
# uid 0).  bwrap: the same for the command; its PID 1 keeps a full
# bounding set (best knowledge).
@test "every capability set of the command and of PID 1 is empty unless asked for (root keeps its bounding set)" {
    local bnd=0000000000000000 line
    is_root && bnd=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
    check_sets() {
        [[ ${#lines[@]} -eq 12 ]] || fail "expected five sets and no_new_privs twice: $output" || return 1
        local i want
        for i in "${!lines[@]}"; do
            line=${lines[i]} want=$bnd
            ((i < 6)) || want=0000000000000000 # PID 1's
            case $line in
            CapBnd:*) [[ $line == *":"*"$want" ]] || fail "bounding set not $want: $line" "$output" ;;
            NoNewPrivs:*) [[ $line == *1 ]] || fail "no no_new_privs: $line" "$output" ;;
            *) [[ $line == *":"*0000000000000000 ]] || fail "not empty: $line" "$output" ;;
            esac
        done
    }
    local extra=()
    is_root && extra=(--unshare-user --uid 1000 --gid 1000)
    run --separate-stderr psb "${extra[@]}" -- /bin/sh -c \
        'grep -E "^(Cap|NoNewPrivs)" /proc/self/status; grep -E "^(Cap|NoNewPrivs)" /proc/1/status'
    assert_success
    check_sets
    if is_root; then
        run --separate-stderr psb --cap-drop ALL -- /bin/sh -c \
            'grep -E "^(Cap|NoNewPrivs)" /proc/self/status; grep -E "^(Cap|NoNewPrivs)" /proc/1/status'
        assert_success
        check_sets
    fi
}

# --- attacks after recent container-runtime CVEs -------------------------------------

# CVE-2024-21626 (runc): a working directory of /proc/self/fd/N, N one of
# the runtime's own directory fds, left the process in the host's tree.
# hutch holds an O_PATH fd of the host's /proc while it builds; --chdir
# must never land on it, nor on any fd of its own.  (bwrap: the same hole,
# fd 3 is its /proc.)
@test "--chdir /proc/self/fd/N never leaves the command outside the new root" {
    local n fdopts=(--info-fd 5 --json-status-fd 6 --sync-fd 7)
    for n in 3 4 5 6 7 8 9 10 11 12 home host-root; do
        local dir=/proc/self/fd/$n how=(--chdir "/proc/self/fd/$n") root=("${BASE[@]}") probe=$P
        # $HOME is where the command starts when the caller's directory is
        # missing inside.
        [[ $n != home ]] || how=(--setenv HOME /proc/self/fd/3)
        # With the host's tree as the root, the host's /proc is reachable
        # by path (getcwd() is then no help).
        [[ $n != host-root ]] || {
            dir=/proc/self/fd/3 how=(--chdir "$dir") root=(--ro-bind / /) probe=$PROBE
        }
        run --separate-stderr run_closing_fds bash -c 'exec 5>"$1/info" 6>"$1/status" 7</dev/null
            shift; exec "$@"' _ "$T" "$HUTCH" "${root[@]}" --proc /proc --dev /dev --unshare-pid \
            "${NOCAPS[@]}" "${fdopts[@]}" "${how[@]}" -- "$probe" fd-targets </dev/null
        if ((status == 0)); then
            # getcwd() fails (ENOENT) for a directory outside the root.
            [[ $output == *$'\n'getcwd=/* ]] ||
                fail "--chdir /proc/self/fd/$n: the command's cwd is outside the new root" "$(_show_run)"
            [[ $output != *$'\n'cwd=/proc$'\n'* ]] ||
                fail "--chdir /proc/self/fd/$n: the command's cwd is a /proc" "$(_show_run)"
        else
            assert_status 1
            assert_error_line "Can't chdir to $dir*"
        fi
    done
}

# CVE-2024-21626 again, from the other side: whatever hutch opened while it
# built (its /proc, the host's root, the new root, pipes to the monitor,
# the status fds it was given) is closed before exec, with every option
# that holds an fd, and the command starts inside the new root.  bwrap: the
# same for its own fds.
@test "the command holds no fd of hutch's and starts in the new root, with every fd option" {
    local variant extra
    for variant in plain pid1 nopid blockfd dwp; do
        case $variant in
        plain) extra=(--unshare-pid) ;;
        pid1) extra=(--unshare-pid --as-pid-1) ;;
        nopid) extra=() ;;
        blockfd) extra=(--unshare-pid --block-fd 8) ;;
        dwp) extra=(--unshare-pid --die-with-parent --new-session) ;;
        esac
        run --separate-stderr run_closing_fds bash -c '
            exec 5>"$1/info" 6>"$1/status" 7</dev/null 8</dev/null
            shift; exec "$@"' _ "$T" "$HUTCH" "${BASE[@]}" --proc /proc --dev /dev \
            --info-fd 5 --json-status-fd 6 --sync-fd 7 "${extra[@]}" -- "$P" fd-targets </dev/null
        assert_success
        # --sync-fd stays open in the command (bwrap's, deliberately): fd 7.
        # fd 8, a file the caller passed, is the command's (bwrap's too), but
        # not as --block-fd, nor in setuid mode (which closes what no
        # option names).
        local want="0=/dev/null 1=* 2=* "
        [[ $variant == pid1 ]] && want+="7=/dev/null "
        [[ $variant == blockfd ]] || setuid_mode || want+="8=/dev/null "
        local got
        got=$(printf '%s ' "${lines[@]}")
        # shellcheck disable=SC2053
        [[ ${got%%cwd=*} == $want ]] || fail "$variant: the command holds other fds" "$(_show_run)"
        has_line "getcwd=/" "$output" || fail "$variant: cwd is not the new root's /" "$(_show_run)"
    done
}

# CVE-2024-21626's second half: PID 1 (hutch's, dumpable, the command's
# uid) must hold no directory fd the command could reach through
# /proc/1/fd.  bwrap: its PID 1 keeps the caller's fds.
@test "PID 1 holds no directory fd the command could use through /proc/1/fd" {
    run --separate-stderr psb "${USERNS[@]}" --bind "$T" /t -- /bin/sh -c '
        for f in /proc/1/fd/*; do [ -e "$f" ] || continue
            if [ -d "$f" ]; then echo "dir ${f##*/}"; fi
            '"$P"' read-fd -100 "$f/etc/hostname" 2>/dev/null | grep -v "^E" ; done; echo done' 3<"$T" 4</
    assert_success
    assert_output done
}

# CVE-2024-32462 (flatpak): a command that begins with "--" was taken by
# bwrap as one of its options.  After "--", and after the first word of
# the command, every word is the command's, also from --args.
@test "words after -- or after the command are never options, also from --args" {
    mkdir "$T/host-only"
    # "--bind / /" would show the host's $T inside.
    run --separate-stderr esb -- --bind / / "$P" read-fd -100 "$T/host-only"
    assert_status 1
    assert_error_line "execvp --bind: No such file or directory"
    [[ -z $output ]] || fail "something ran: $output"
    run --separate-stderr esb /bin/sh -c 'echo "$@"; ls -d '"$T"'/host-only 2>/dev/null || echo absent' \
        sh --bind / / --tmpfs /x --chdir /
    assert_success
    assert_output "--bind / / --tmpfs /x --chdir /
absent"
    # From --args: after "--" in the file, and after a command there.
    printf '%s\0' --setenv X 1 -- --bind / / >"$T/args1"
    printf '%s\0' --setenv X 1 /bin/sh -c 'echo "$X:$*"; ls -d '"$T"'/host-only 2>/dev/null || echo absent' \
        sh --bind / / >"$T/args2"
    run --separate-stderr esb --args 3 /bin/sh -c 'ls -d '"$T"'/host-only 2>/dev/null || echo absent' 3<"$T/args1"
    # (bwrap drops the rest of the file after "--"; hutch takes it as the
    # command: either way "--bind" is no option)
    if ((status == 0)); then
        assert_output absent
    else
        assert_error_line "execvp --bind: No such file or directory"
    fi
    run --separate-stderr esb --args 3 3<"$T/args2"
    assert_success
    assert_output "1:--bind / /
absent"
}

# CVE-2025-52881 (runc): the runtime's writes to procfs files were
# redirected by mounts the container arranged.  hutch writes uid_map,
# gid_map, setgroups and /proc/sys/user/max_user_namespaces through its
# own fd of the host's /proc: a bind over the sandbox's /proc/sys, made
# before hutch writes there, neither receives the write nor weakens it.
@test "--disable-userns writes its limit through hutch's own /proc, not the sandbox's /proc/sys" {
    mkdir -p "$T/fake/user"
    echo 99 >"$T/fake/user/max_user_namespaces"
    chmod -R a+rwX "$T/fake"
    run --separate-stderr psb --bind "$T/fake" /proc/sys --unshare-user --disable-userns -- \
        /bin/sh -c 'cat /proc/sys/user/max_user_namespaces; unshare -U true 2>/dev/null && echo made || echo refused'
    assert_success
    assert_output "99
refused"
    assert_file_content "$T/fake/user/max_user_namespaces" 99
}

# The same for the uid and gid maps of the nested user namespace (--uid
# with --unshare-user) and the command's own proc: nothing the sandbox
# mounts changes what hutch writes, nor where.
@test "the maps of a nested user namespace are written whatever the sandbox's /proc holds" {
    mkdir -p "$T/fake/self"
    : >"$T/fake/self/uid_map"
    : >"$T/fake/self/gid_map"
    run --separate-stderr esb --tmpfs /proc --bind "$T/fake" /proc --unshare-user --uid 1234 --gid 4321 \
        -- "$P" ids
    assert_success
    assert_output "uid=1234/1234/1234 gid=4321/4321/4321"
    [[ ! -s $T/fake/self/uid_map && ! -s $T/fake/self/gid_map ]] || fail "hutch wrote into the fake /proc"
}

# As root (who can): a host /proc that is not procfs.  hutch's writes land
# nowhere and it stops with one line.
@test "a /proc that is not procfs: one line, nothing written into it" {
    skip_unless_root
    skip_unless_cmd unshare
    run --separate-stderr unshare -m /bin/sh -c 'mount -t tmpfs fake /proc && mkdir /proc/self &&
        "$@"; st=$?; ls -A /proc; exit $st' sh "$HUTCH" "${BASE[@]}" --unshare-user --uid 5 -- /bin/true
    assert_status 1
    assert_output self
    [[ $stderr == "$HUTCH_NAME: "* && $stderr != *$'\n'* ]] || fail "expected one error line" "$(_show_run)"
}

# CVE-2021-30465 (runc): a destination under a writable bind, swapped with
# renameat2(RENAME_EXCHANGE) for a symlink to / (or to the host) while the
# runtime mounted, put the mount outside the container's root.  Here a
# host process exchanges a directory and a symlink under the bind
# destination as fast as it can while sandboxes are built; the command
# reports where the mounts landed.  bwrap: resolves the destination again
# for each mount, so the swap can lead it anywhere the symlink points.
@test "RENAME_EXCHANGE of a directory and a symlink on a destination: no mount lands outside the new root" {
    plant_traps
    mkdir -p "$T/shared/race/d" "$T/src"
    echo src-marker >"$T/src/marker"
    ln -s / "$T/shared/race/to-root"
    ln -s "../../../../../../../../../..$T/outside" "$T/shared/race/to-host"
    "$PROBE" exchange 30 "$T/shared/race/d" "$T/shared/race/to-root" >/dev/null &
    track_pid $!
    "$PROBE" exchange 30 "$T/shared/race/d" "$T/shared/race/to-host" >/dev/null &
    track_pid $!
    local i
    for ((i = 0; i < 200; i++)); do
        "$HUTCH" "${BASE[@]}" --bind "$T/shared" /shared --bind "$T/src" /shared/race/d/m \
            --tmpfs /shared/race/d/t --dev /shared/race/d/dev --dir /shared/race/d/x/y -- \
            /bin/true >/dev/null 2>&1 </dev/null || true
    done
    kill "${BG_PIDS[@]}" 2>/dev/null || true
    assert_outside_untouched
    [[ -z $(find "$T/outside" -mindepth 1 ! -name victim) ]] ||
        fail "something was made outside the new root:" "$(find "$T/outside")"
    # (and the directories made by --dir under the root, or nowhere)
    [[ ! -e /x/y ]] || fail "--dir made /x/y on the host"
    # (teardown: the host's mount table is unchanged)
}

# --- the seccomp policy through every ABI ---------------------------------------------

# --seccomp-policy default, each rule tried through the i386 ABI (int
# $0x80, its own numbers), the x32 ABI (__X32_SYSCALL_BIT: the filter
# answers before the kernel, so EPERM even where x32 is not built in, where
# an unfiltered call is ENOSYS) and socketcall(2), the i386 multiplexer
# whose arguments sit in memory.  Each line: the call, what it must give.
# bwrap: no policy of its own.
@test "--seccomp-policy default holds through the i386 and x32 ABIs and socketcall" {
    hutch_only "--seccomp-policy is hutch's"
    "$HUTCH" --version | grep -q libseccomp || skip "built without libseccomp"
    [[ $(uname -m) == x86_64 ]] || skip "x86_64 ABIs"
    local calls=(
        "int80 120 0x10000011:EPERM"        # clone(CLONE_NEWUSER)
        "int80 310 0x10000000:EPERM"        # unshare(CLONE_NEWUSER)
        "int80 435 0 0:ENOSYS"              # clone3: libc falls back to clone
        "int80 425 1 0:EPERM"               # io_uring_setup
        "int80 136 0x400000:EPERM"          # personality(READ_IMPLIES_EXEC)
        "int80 136 0x40000:EPERM"           # personality(ADDR_NO_RANDOMIZE)
        "int80 102 1 @17,3,0:EAFNOSUPPORT"  # socketcall(SYS_SOCKET, AF_PACKET)
        "int80 102 1 @40,1,0:EAFNOSUPPORT"  # socketcall(SYS_SOCKET, AF_VSOCK)
        "int80 359 17 3 0:EAFNOSUPPORT"     # socket(AF_PACKET)
        "int80 26 3 0x7fffffff 0:EPERM"     # ptrace
        "int80 288 0 -3 0:EPERM"            # keyctl
        "int80 54 0 0x5412 @0:EPERM"        # ioctl(TIOCSTI)
        "int80 21 0 0 0 0 0:EPERM"          # mount
        "int80 357 0 0 0:EPERM"             # bpf
        "int80 336 0 0 -1 -1 0:EPERM"       # perf_event_open
        "int80 347 1 0 0 0 0:EPERM"         # process_vm_readv
        "x32 56 0x10000011 0 0 0 0:EPERM"   # clone(CLONE_NEWUSER)
        "x32 272 0x10000000:EPERM"          # unshare(CLONE_NEWUSER)
        "x32 425 1 0:EPERM"                 # io_uring_setup
        "x32 135 0x400000:EPERM"            # personality
        "x32 521 3 0x7fffffff 0:EPERM"      # ptrace (x32's own number)
        "x32 514 0 0x5412 0:EPERM"          # ioctl(TIOCSTI) (x32's own number)
        "x32 250 0 -3 0:EPERM"              # keyctl
        "x32 41 17 3 0:EAFNOSUPPORT"        # socket(AF_PACKET)
        "64 425 1 0:EPERM"                  # io_uring_setup
        "64 435 0 0:ENOSYS"                 # clone3
    )
    local script="" c
    for c in "${calls[@]}"; do
        script+="$P abi ${c%:*}; "
    done
    # Control: the i386 ABI can be entered at all, and the calls pass
    # without the policy.
    run --separate-stderr psb "${USERNS[@]}" -- "$P" abi int80 20
    [[ $output != unavailable ]] || skip "this kernel runs no i386 system calls"
    assert_output ok
    run --separate-stderr psb "${USERNS[@]}" -- /bin/sh -c "$script" </dev/null
    assert_success
    [[ ${lines[0]} == ok && ${lines[3]} == EFAULT ]] ||
        fail "without the policy clone and io_uring_setup should pass the filter" "$(_show_run)"
    run --separate-stderr psb "${USERNS[@]}" --seccomp-policy default -- /bin/sh -c "$script" </dev/null
    assert_success
    local i=0 bad=""
    for c in "${calls[@]}"; do
        [[ ${lines[i]-} == "${c##*:}" ]] || bad+="${c%:*}: got ${lines[i]-nothing}, want ${c##*:}"$'\n'
        i=$((i + 1))
    done
    [[ -z $bad ]] || fail "calls got through the policy:" "$bad" "$(_show_run)"
}

# --- the monitor, PID 1 and the caller --------------------------------------------------

# bwrap: the same (the monitor is outside the PID namespace).
@test "with a PID namespace the monitor is out of reach: no parent, no /proc entry" {
    run --separate-stderr psb -- /bin/sh -c '
        grep ^PPid: /proc/1/status | tr -d "\t"
        for p in /proc/[0-9]*; do read -r c <$p/comm; echo "${p#/proc/}:$c"; done'
    assert_success
    [[ ${lines[0]} == PPid:0 ]] || fail "PID 1 has a parent in its namespace" "$(_show_run)"
    # The processes: PID 1 (hutch's reaper), the shell and what it forked.
    local l
    for l in "${lines[@]:1}"; do
        [[ $l != *":${HUTCH_NAME:0:15}" || $l == "1:"* ]] || fail "the monitor is visible: $l" "$(_show_run)"
    done
}

# bwrap: the same for mem, fd and environ (its monitor is non-dumpable in
# setuid mode only).  Without a PID namespace the monitor is the
# command's parent: its memory, fds and environment stay closed.
@test "without a PID namespace the monitor's mem, fd/, environ and root stay closed" {
    local extra=("${NOCAPS[@]}")
    run --separate-stderr esb "${extra[@]}" --proc /proc -- /bin/sh -c '
        m=$PPID
        '"$P"' read-fd -100 /proc/$m/mem; '"$P"' open-w /proc/$m/mem
        '"$P"' read-fd -100 /proc/$m/fd/0; '"$P"' read-fd -100 /proc/$m/fd/2
        ls /proc/$m/fd >/dev/null 2>&1 && echo ok || echo EACCES
        '"$P"' read-fd -100 /proc/$m/environ; '"$P"' read-fd -100 /proc/$m/root/etc/hostname
        '"$P"' read-fd -100 /proc/$m/map_files/.; '"$P"' ptrace $m'
    assert_success
    assert_refused
}

# hutch's claim: --timeout runs where the command can't stop it.  Without
# a PID namespace the command can signal its monitor (same uid): with
# --unshare-pid or --scope-signals it can't, and the timeout holds.
@test "--timeout holds against a command that tries to kill or stop its monitor" {
    hutch_only "--timeout is hutch's"
    local variant
    for variant in pid scope; do
        local extra=(--unshare-pid --proc /proc)
        [[ $variant == pid ]] || extra=(--scope-signals --proc /proc)
        run --separate-stderr "$HUTCH" "${BASE[@]}" "${extra[@]}" --timeout 0.5:0.1 -- /bin/sh -c '
            kill -STOP $PPID 2>/dev/null; kill -KILL $PPID 2>/dev/null; kill -KILL -1 2>/dev/null
            exec sleep 20'
        if [[ $variant == scope && $stderr == *"Landlock"* && $status -ne 124 ]]; then
            continue # the kernel lacks signal scoping
        fi
        assert_status 124
    done
}

# A setuid program must not leave a core of itself.  The caller (whose
# real uid it keeps) can signal it; with RLIMIT_CORE unlimited and a
# core_pattern of "core", a dumpable monitor would write ./core.
@test "a monitor killed with SIGSEGV, SIGABRT or SIGBUS leaves no core and no process" {
    local pattern
    pattern=$(cat /proc/sys/kernel/core_pattern)
    [[ $pattern == core* ]] || skip "core_pattern is \"$pattern\": cores don't land in the cwd"
    local sig
    # (not SIGQUIT: a background job of a script starts with it ignored)
    # (an AddressSanitizer build would catch the signals itself, report
    # and exit 1: its handlers are off here, so the kernel's action is seen)
    local asan=${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0:handle_sigbus=0:handle_abort=0
    for sig in SEGV ABRT BUS; do
        run env ASAN_OPTIONS="$asan" bash -c 'ulimit -c unlimited || exit 3
            "$@" --info-fd 3 -- /bin/sh -c "echo up >&2; exec sleep 30" 3>info 2>up &
            m=$!
            for i in $(seq 200); do [ -s up ] && break; sleep 0.02; done
            stat -c %u /proc/$m/fd
            kill -'"$sig"' $m; wait $m; echo "status $?"' _ "$HUTCH" "${BASE[@]}" --die-with-parent
        assert_success
        [[ ${lines[-1]} == "status "13[0-9] ]] || fail "SIG$sig: the monitor did not die of it" "$(_show_run)"
        # A non-dumpable process's /proc/PID/fd belongs to root.
        [[ ${lines[0]} == 0 ]] || fail "SIG$sig: the monitor is dumpable" "$(_show_run)"
        [[ -z $(find "$T" -maxdepth 1 -name 'core*') ]] || fail "SIG$sig: a core was written" "$(ls -l "$T")"
        local child
        child=$(sed -n 's/.*"child-pid": *\([0-9]*\).*/\1/p' "$T/info")
        [[ -n $child ]] && wait_until 5 pid_gone "$child" || fail "SIG$sig: the sandbox is left"
        rm -f "$T/info" "$T/up"
    done
}

# CVE-2025-31133 / CVE-2025-52565 (runc): a /dev/null or /dev/console the
# runtime bound over a path was swapped for a symlink, and the bind made a
# procfs file writable, or landed on it.  hutch's /dev is a fresh tmpfs
# whose nodes come from the host's /dev; a mask the caller asks for
# (--ro-bind /dev/null PATH) on a destination a host process swaps for a
# symlink to /proc/sys/kernel/core_pattern resolves in the new root, and
# /proc/sys stays read-only whatever happens.
@test "a /dev/null mask on a destination swapped for a symlink into /proc/sys unmasks nothing" {
    local before
    before=$(cat /proc/sys/kernel/core_pattern)
    mkdir -p "$T/shared/race"
    : >"$T/shared/race/mask"
    ln -s /proc/sys/kernel/core_pattern "$T/shared/race/to-proc"
    "$PROBE" exchange 20 "$T/shared/race/mask" "$T/shared/race/to-proc" >/dev/null &
    track_pid $!
    local i out bad=""
    for ((i = 0; i < 100; i++)); do
        out=$("$HUTCH" "${BASE[@]}" --proc /proc --dev /dev --unshare-pid "${NOCAPS[@]}" \
            --bind "$T/shared" /shared --ro-bind /dev/null /shared/race/mask -- /bin/sh -c '
            '"$P"' open-w /proc/sys/kernel/core_pattern
            '"$P"' open-w /proc/sys/kernel/domainname
            stat -c %F:%t:%T /dev/null' 2>/dev/null </dev/null) || continue
        # (EACCES: the mask landed on the sandbox's core_pattern through the
        # symlink, resolved in the new root; a nodev /dev/null can't be opened)
        # (and EACCES for a caller who is not root: the files are root's)
        [[ $out =~ ^(EROFS|EACCES)$'\n'(EROFS|EACCES)$'\n''character special file:1:3'$ ]] ||
            bad+="run $i: $out"$'\n'
    done
    kill "${BG_PIDS[@]}" 2>/dev/null || true
    [[ -z $bad ]] || fail "a procfs file became writable, or /dev/null is not the device:" "$bad"
    [[ $(cat /proc/sys/kernel/core_pattern) == "$before" ]] || fail "the host's core_pattern changed"
}
