#!/usr/bin/env bats
# The mount(2) fallback, for kernels without the fd-based mount API (before
# Linux 5.12) or where a seccomp filter refuses it, forced here with the
# test switch HUTCH_TEST_LEGACY_MOUNT=1: the mounts suite's behaviours built
# that way (read-only binds and their submounts, tmpfs, proc, dev, mqueue,
# remounts, files, overlays, containment), the flags each mount gets, and
# what --verbose and --diagnose say about it.  The setuid mode ignores the
# switch (see the last test).

setup() {
    load helpers
    hutch_setup
    hutch_only "HUTCH_TEST_LEGACY_MOUNT is hutch's"
    export HUTCH_TEST_LEGACY_MOUNT=1
    mkdir -p "$T/d"
    echo original >"$T/d/old"
}

teardown() {
    if is_root && [[ -n ${ESCAPE_NAME:-} ]]; then
        rm -rf "/$ESCAPE_NAME" "/${ESCAPE_NAME}-2" "/${ESCAPE_NAME}-3" 2>/dev/null || true
    fi
    hutch_teardown
}

legacy_only() { skip_in_setuid_mode "HUTCH_TEST_LEGACY_MOUNT is ignored"; }

# The per-mount options of the mount at $1 inside the sandbox (the last
# one listed there: the topmost).
opts_of() {
    printf 'awk -v m=%s '\''$5 == m { o = $6 } END { print o }'\'' /proc/self/mountinfo' "$1"
}

FALLBACK_LINE="mount API unavailable (forced by HUTCH_TEST_LEGACY_MOUNT=1): falling back to mount(2), reading mountinfo once"

# --- saying so -----------------------------------------------------------------------

@test "--verbose says once that the mount API is not used and mount(2) is" {
    legacy_only
    run --separate-stderr min_sh --verbose --bind "$T/d" /data --tmpfs /t 'cat /data/old'
    assert_success
    assert_output original
    # (As root without a user namespace, --verbose also names the keyring filter.)
    stderr=$(grep -v 'add_key, keyctl and request_key' <<<"$stderr" || true)
    [[ $stderr == "$HUTCH_NAME: $FALLBACK_LINE" ]] ||
        fail "expected the one fallback line on stderr" "$(_show_run)"
    # Without the switch, the fd-based API is used, and --verbose says so.
    run --separate-stderr env -u HUTCH_TEST_LEGACY_MOUNT "$HUTCH" "${MINROOT[@]}" --verbose \
        -- /bin/cat /etc/hostname
    assert_success
    stderr=$(grep -v 'add_key, keyctl and request_key' <<<"$stderr" || true)
    [[ $stderr == "$HUTCH_NAME: mount API: open_tree, move_mount and mount_setattr" ]] ||
        fail "expected the fd-based API's line" "$(_show_run)"
}

@test "--diagnose says the fallback is forced by HUTCH_TEST_LEGACY_MOUNT, and still builds" {
    legacy_only
    run --separate-stderr "$HUTCH" --diagnose
    assert_success
    assert_output_matches $'(^|\n)warn +mount API: [^\n]*HUTCH_TEST_LEGACY_MOUNT=1[^\n]*mount\\(2\\)[^\n]*mountinfo once per run'
    assert_output_contains "result: a sandbox can be built here"
    run --separate-stderr env -u HUTCH_TEST_LEGACY_MOUNT "$HUTCH" --diagnose
    assert_success
    assert_output_matches $'(^|\n)ok +mount API: '
    assert_output_not_contains "HUTCH_TEST_LEGACY_MOUNT"
}

# --- binds ---------------------------------------------------------------------------

@test "legacy --bind: writable, writes reach the host, the mount is nosuid,nodev" {
    legacy_only
    run --separate-stderr min_sh --bind "$T/d" /data \
        "cat /data/old; echo hi > /data/new; $(opts_of /data)"
    assert_success
    assert_output_matches $'^original\nrw,nosuid,nodev(,|$)'
    assert_file_content "$T/d/new" hi
}

@test "legacy --ro-bind: readable, writing fails with EROFS, the host is untouched" {
    legacy_only
    run min_sh --ro-bind "$T/d" /data "cat /data/old; $(opts_of /data); echo x >> /data/old"
    [[ $status -ne 0 ]] || fail "the write succeeded"
    assert_output_contains original
    assert_output_matches $'\nro,nosuid,nodev(,|\n)'
    assert_output_contains "Read-only file system"
    assert_file_content "$T/d/old" original
}

@test "legacy --dev-bind: nosuid but not nodev, device nodes usable; --bind: nodev" {
    legacy_only
    run --separate-stderr min_sh --dev-bind /dev /hostdev --bind /dev /nodev \
        "head -c 2 /hostdev/zero | od -An -tx1; $(opts_of /hostdev); $(opts_of /nodev); head -c 2 /nodev/zero 2>&1 || echo refused"
    assert_output_matches $'^ 00 00\n'
    [[ ${lines[1]} == *nosuid* && ${lines[1]} != *nodev* ]] || fail "--dev-bind: ${lines[1]}"
    [[ ${lines[2]} == *nosuid*nodev* ]] || fail "--bind: ${lines[2]}"
    assert_output_contains "Permission denied"
}

@test "legacy --ro-bind of / : the host's submounts are read-only too" {
    legacy_only
    local m
    m=$(awk '$5 != "/" && $5 !~ "^/(dev|proc|tmp)(/|$)" { print $5; exit }' /proc/self/mountinfo)
    [[ -n $m ]] || skip "the host has no submount outside /dev, /proc and /tmp"
    run --separate-stderr hutch_sh --setenv M "$m" \
        'awk -v m="$M" '\''$5 == m { o = $6 } END { print o }'\'' /proc/self/mountinfo'
    assert_success
    assert_output_matches '^ro,nosuid,nodev(,|$)'
}

# A submount the caller may make: a tmpfs in an outer `unshare -Urm`, with
# flags that a user namespace made below it locks.
in_outer_ns() {
    skip_unless_cmd unshare
    mkdir -p "$T/d/sub"
    unshare -Urm /bin/sh -c '
        mount -t tmpfs -o noexec,nosuid,nodev,size=64k hutch-sub "$1/sub" || exit 99
        echo in > "$1/sub/f"
        shift
        exec "$@"' sh "$T/d" "$@"
}

@test "legacy --ro-bind of a dir with a submount: the submount is read-only too" {
    legacy_only
    run in_outer_ns "$HUTCH" "${MINROOT[@]}" --unshare-user --ro-bind "$T/d" /data -- /bin/sh -c \
        "cat /data/sub/f; $(opts_of /data/sub); echo x > /data/sub/g; echo y > /data/g"
    [[ $status -ne 99 ]] || skip "can't mount a tmpfs in a user namespace here"
    assert_output_matches $'^in\nro,nosuid,nodev,noexec,'
    [[ $(grep -c "Read-only file system" <<<"$output") -eq 2 ]] ||
        fail "expected both writes to fail with EROFS" "$(_show_run)"
    assert_no_path "$T/d/g"
}

@test "legacy --ro-bind of a dir whose submount's name has a space, a tab and a backslash: read-only too" {
    legacy_only
    skip_unless_cmd unshare
    local name=$'s p\tq\\r'
    mkdir -p "$T/d/$name"
    # mountinfo escapes those three (\040, \011, \134): the model must undo
    # that to find the submount and make it read-only.
    run unshare -Urm /bin/sh -c '
        mount -t tmpfs -o nosuid,nodev,size=64k hutch-sub "$1/$2" || exit 99
        echo in > "$1/$2/f"
        shift 2
        exec "$@"' sh "$T/d" "$name" "$HUTCH" "${MINROOT[@]}" --unshare-user --ro-bind "$T/d" /data \
        -- /bin/sh -c 'cat "/data/$1/f"; echo x > "/data/$1/g"
            if [ -e "/data/$1/g" ]; then echo written; else echo absent; fi' sh "$name"
    [[ $status -ne 99 ]] || skip "can't mount a tmpfs in a user namespace here"
    assert_output_matches $'^in\n.*Read-only file system.*\nabsent$'
}

@test "legacy --bind over a submount with locked flags keeps them (noexec), stays writable" {
    legacy_only
    run in_outer_ns "$HUTCH" "${MINROOT[@]}" --unshare-user --bind "$T/d" /data \
        --remount-ro /data/sub -- /bin/sh -c \
        "$(opts_of /data); $(opts_of /data/sub); echo w > /data/w && echo wrote; echo x > /data/sub/g"
    [[ $status -ne 99 ]] || skip "can't mount a tmpfs in a user namespace here"
    assert_output_matches $'^rw,nosuid,nodev,[^\n]*\nro,nosuid,nodev,noexec,[^\n]*\nwrote'
    assert_output_contains "Read-only file system"
    assert_file_content "$T/d/w" w
}

@test "legacy --ro-bind-data and --ro-bind-fd: read-only files and directories" {
    legacy_only
    echo rodata >"$T/src"
    run min_sh --ro-bind-data 3 /rbd --ro-bind-fd 4 /fdd \
        'cat /rbd /fdd/old; echo x >> /rbd; echo y > /fdd/new' 3<"$T/src" 4<"$T/d"
    [[ $status -ne 0 ]] || fail "a write succeeded"
    assert_output_contains $'rodata\noriginal'
    [[ $(grep -c "Read-only file system" <<<"$output") -eq 2 ]] || fail "expected two EROFS" "$(_show_run)"
    assert_no_path "$T/d/new"
}

@test "legacy --remount-ro: an earlier writable bind becomes read-only, flags kept" {
    legacy_only
    run min_sh --bind "$T/d" /data --remount-ro /data --tmpfs /t --remount-ro /t \
        "$(opts_of /data); $(opts_of /t); echo x > /data/new"
    [[ $status -ne 0 ]] || fail "the write succeeded"
    assert_output_matches $'^ro,nosuid,nodev,[^\n]*\nro,nosuid,nodev,'
    assert_output_contains "Read-only file system"
    assert_no_path "$T/d/new"
}

@test "legacy --bind-try of a missing source is skipped, an existing one bound" {
    legacy_only
    run --separate-stderr min_sh --bind-try "$T/missing" /gone --ro-bind-try "$T/d" /data \
        'if [ -e /gone ]; then echo present; else echo absent; fi; cat /data/old'
    assert_success
    assert_stderr_empty
    assert_output $'absent\noriginal'
}

@test "legacy: many binds (300) are all made, read-only" {
    legacy_only
    local args=() i
    for ((i = 0; i < 300; i++)); do
        args+=(--ro-bind "$T/d" "/m/$i")
    done
    run --separate-stderr min_sh "${args[@]}" \
        'awk '\''$5 ~ "^/m/" && $6 ~ "^ro,nosuid,nodev" { n++ } END { print n }'\'' /proc/self/mountinfo; cat /m/299/old'
    assert_success
    assert_output $'300\noriginal'
}

# --- new file systems ----------------------------------------------------------------

@test "legacy --tmpfs with --perms and --size: the mode, the limit, nosuid,nodev" {
    legacy_only
    run min_sh --perms 1777 --size 65536 --tmpfs /small --tmpfs /plain \
        "stat -c %a /small /plain; $(opts_of /small); head -c 1048576 /dev/zero > /small/big; wc -c < /small/big"
    assert_output_matches $'^1777\n755\nrw,nosuid,nodev,'
    assert_output_contains "No space left on device"
    [[ ${lines[-1]} -le 65536 ]] || fail "wrote ${lines[-1]} bytes"
}

@test "legacy --proc: a new procfs; for root /proc/sys read-only with proc's own flags kept" {
    legacy_only
    run --separate-stderr min_sh \
        "read pid rest < /proc/self/stat; echo \$pid; $(opts_of /proc); $(opts_of /proc/sys); echo 1 > /proc/sys/kernel/ns_last_pid 2>&1 || echo refused"
    if is_root; then
        assert_output_matches $'^2\nrw,nosuid,nodev,noexec,[^\n]*\nro,nosuid,nodev,noexec,'
    else
        # Not writable for this caller anyway: no mount on it.
        assert_output_matches $'^2\nrw,nosuid,nodev,noexec,[^\n]*\n\n'
    fi
    assert_output_contains refused
}

@test "legacy --dev: /dev/null works, /dev/zero reads zeros, devpts is mounted" {
    legacy_only
    run --separate-stderr min_sh \
        "echo x > /dev/null && echo null-ok; head -c 3 /dev/zero | od -An -tx1; $(opts_of /dev); $(opts_of /dev/pts); ls -A /dev | grep -v '^console\$' | sort | tr '\n' ' '"
    assert_success
    assert_output_matches $'^null-ok\n 00 00 00\nrw,nosuid,nodev,[^\n]*\nrw,nosuid,noexec,[^\n]*\ncore fd full null ptmx pts random shm stderr stdin stdout tty urandom zero $'
}

@test "legacy --mqueue mounts a POSIX message queue filesystem" {
    legacy_only
    run --separate-stderr min_sh --unshare-ipc --mqueue /mq \
        'awk -v m=/mq "\$5 == m { for (i = 7; \$i != \"-\"; i++); print \$(i + 1) }" /proc/self/mountinfo'
    assert_success
    assert_output mqueue
}

@test "legacy: a later --tmpfs hides an earlier --bind, a later --bind covers a --tmpfs" {
    legacy_only
    run --separate-stderr min_sh --bind "$T/d" /a --tmpfs /a --tmpfs /b --ro-bind "$T/d" /b \
        "ls -A /a | wc -l; cat /b/old; $(opts_of /b)"
    assert_success
    assert_output_matches $'^0\noriginal\nro,nosuid,nodev,'
}

# --- files, directories, symlinks ----------------------------------------------------

@test "legacy --dir, --file, --symlink: made with their modes and contents" {
    legacy_only
    printf 'line1\n' >"$T/src"
    run --separate-stderr min_sh --dir /a --perms 0700 --dir /a/b --perms 0640 --file 3 /etc2/conf \
        --symlink /usr/bin /tools \
        'stat -c "%n %a" /a /a/b /etc2/conf; cat /etc2/conf; readlink /tools' 3<"$T/src"
    assert_success
    assert_output $'/a 755\n/a/b 700\n/etc2/conf 640\nline1\n/usr/bin'
}

@test "legacy: a symlink out of the root in a destination is not followed" {
    legacy_only
    ESCAPE_NAME=hutch-legacy-escape-$$-$BATS_TEST_NUMBER
    mkdir -p "$T/D"
    ln -s / "$T/D/esc"
    ln -s ../../../../../../../../.. "$T/D/up"
    echo inside >"$T/file"
    run --separate-stderr minsb --bind "$T/D" /d --dir "/d/esc/$ESCAPE_NAME" \
        --tmpfs "/d/up/${ESCAPE_NAME}-2" --ro-bind "$T/file" "/d/esc/${ESCAPE_NAME}-3" -- \
        /bin/sh -c 'test -d "/$1" && test -d "/$1-2" && cat "/$1-3"' sh "$ESCAPE_NAME"
    assert_success
    assert_output inside
    assert_no_path "/$ESCAPE_NAME"
    assert_no_path "/${ESCAPE_NAME}-2"
    assert_no_path "/${ESCAPE_NAME}-3"
    [[ $(find "$T/D" -mindepth 1 | wc -l) -eq 2 ]] || fail "the bind source changed: $(ls -A "$T/D")"
}

# --- overlays ------------------------------------------------------------------------

@test "legacy --tmp-overlay and --overlay: merged layers, writes where they belong" {
    legacy_only
    needs_option --overlay-src
    mkdir -p "$T/lower" "$T/upper" "$T/work"
    echo low >"$T/lower/f"
    run --separate-stderr min_sh --overlay-src "$T/lower" --tmp-overlay /tmpov \
        --overlay-src "$T/lower" --overlay "$T/upper" "$T/work" /ov \
        "cat /tmpov/f; echo t > /tmpov/new && cat /tmpov/new; echo u > /ov/up; $(opts_of /ov)"
    assert_success
    assert_output_matches $'^low\nt\nrw,nosuid,nodev'
    assert_no_path "$T/lower/new"
    assert_no_path "$T/lower/up"
    assert_file_content "$T/upper/up" u
}

# --- the setuid mode -----------------------------------------------------------------

@test "the setuid mode ignores HUTCH_TEST_LEGACY_MOUNT" {
    setuid_mode || skip "only in the setuid mode"
    run --separate-stderr "$HUTCH" --diagnose
    assert_output_matches $'(^|\n)ok +mount API: '
    assert_output_not_contains "HUTCH_TEST_LEGACY_MOUNT"
}
