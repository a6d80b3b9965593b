#!/usr/bin/env bats
# Building the new root: binds, tmpfs, /dev, /proc, files, directories,
# symlinks, their order, their errors, and that none of it reaches the host.

setup() {
    load helpers
    hutch_setup
    mkdir -p "$T/d"
    echo original > "$T/d/old"
}

teardown() {
    if is_root && [[ -n ${ESCAPE_NAME:-} ]]; then
        rm -rf "/$ESCAPE_NAME" "/${ESCAPE_NAME}-2" 2>/dev/null || true
    fi
    hutch_teardown
}

python() {
    if [[ -x /usr/bin/python3 ]]; then
        PYTHON=/usr/bin/python3
    elif command -v python3 >/dev/null; then
        PYTHON=$(command -v python3)
    else
        skip "needs python3"
    fi
}

# --- binds ----------------------------------------------------------------------

@test "--bind: the host directory is visible and writable, writes reach the host" {
    run --separate-stderr min_sh --bind "$T/d" /data 'cat /data/old; echo hi > /data/new'
    assert_success
    assert_output original
    assert_file_content "$T/d/new" hi
}

@test "--bind of a single file: its content, and writes go to the host file" {
    echo one > "$T/file"
    run --separate-stderr min_sh --bind "$T/file" /etc-file 'cat /etc-file; echo two >> /etc-file'
    assert_success
    assert_output one
    assert_file_content "$T/file" "one
two"
}

@test "--ro-bind: readable, but writing fails with 'Read-only file system'" {
    run min_sh --ro-bind "$T/d" /data 'cat /data/old; echo x > /data/new'
    [[ $status -ne 0 ]] || fail "the write succeeded"
    assert_output_contains original
    assert_output_contains "Read-only file system"
    assert_no_path "$T/d/new"
}

@test "--ro-bind: existing files cannot be changed either" {
    run min_sh --ro-bind "$T/d" /data 'echo x >> /data/old'
    [[ $status -ne 0 ]] || fail "the write succeeded"
    assert_output_contains "Read-only file system"
    assert_file_content "$T/d/old" original
}

@test "--bind of /dev elsewhere does not allow device access (nodev)" {
    run min_sh --bind /dev /hostdev 'head -c 4 /hostdev/zero | od -An -tx1'
    assert_output_contains "Permission denied"
    assert_output_not_contains "00 00 00 00"
}

@test "--dev-bind: device nodes under the bind can be used" {
    run --separate-stderr min_sh --dev-bind /dev /hostdev 'head -c 4 /hostdev/zero | od -An -tx1'
    assert_success
    assert_output " 00 00 00 00"
}

@test "--bind-try, --ro-bind-try, --dev-bind-try: a missing source is skipped silently" {
    local opt
    for opt in --bind-try --ro-bind-try --dev-bind-try; do
        run --separate-stderr min_sh "$opt" "$T/missing" /data \
            'if [ -e /data ]; then echo present; else echo absent; fi'
        assert_success
        assert_stderr_empty
        assert_output absent
    done
    assert_no_path "$T/missing"
}

@test "--bind-try with an existing source binds it like --bind" {
    run --separate-stderr min_sh --bind-try "$T/d" /data 'cat /data/old; echo w > /data/w'
    assert_success
    assert_output original
    assert_file_content "$T/d/w" w
}

@test "a missing source: 'Can't find source path /nonexistent: No such file or directory'" {
    expect_error "Can't find source path /nonexistent: No such file or directory" \
        "${MINROOT[@]}" --bind /nonexistent /data -- /bin/echo ran
}

@test "a missing source is refused for --ro-bind too, and nothing runs" {
    expect_error "Can't find source path $T/missing: No such file or directory" \
        "${MINROOT[@]}" --ro-bind "$T/missing" /data -- /bin/echo ran
}

@test "a relative source is resolved against the caller's directory" {
    cd "$T"
    run --separate-stderr min_sh --bind d /data 'cat /data/old; echo rel > /data/rel'
    assert_success
    assert_output original
    assert_file_content "$T/d/rel" rel
}

@test "a source through a host symlink binds the symlink's target" {
    ln -s d "$T/link"
    run --separate-stderr min_sh --bind "$T/link" /data 'cat /data/old; [ ! -L /data ] && echo dir'
    assert_success
    assert_output "original
dir"
}

@test "--remount-ro makes an earlier writable bind read-only" {
    run min_sh --bind "$T/d" /data --remount-ro /data 'cat /data/old; echo x > /data/new'
    [[ $status -ne 0 ]] || fail "the write succeeded"
    assert_output_contains original
    assert_output_contains "Read-only file system"
    assert_no_path "$T/d/new"
}

# --- tmpfs, mqueue, dir ------------------------------------------------------------

@test "--tmpfs: an empty writable tmpfs, mode 0755, gone afterwards" {
    run --separate-stderr min_sh --tmpfs /scratch \
        'ls -A /scratch | wc -l; stat -c %a /scratch; echo x > /scratch/f && cat /scratch/f;
         awk -v m=/scratch "\$5 == m { for (i = 7; \$i != \"-\"; i++); print \$(i + 1) }" /proc/self/mountinfo'
    assert_success
    assert_output "0
755
x
tmpfs"
}

@test "--tmpfs over a host directory hides it and writes do not reach the host" {
    run --separate-stderr hutch_sh --tmpfs "$T" --setenv DIR "$T" \
        'ls -A "$DIR" | wc -l; echo x > "$DIR/made" && echo wrote'
    assert_success
    assert_output "0
wrote"
    assert_no_path "$T/made"
    [[ -f $T/d/old ]] || fail "host content lost"
}

@test "--perms 1777 --tmpfs: the tmpfs gets that mode" {
    run --separate-stderr min_sh --perms 1777 --tmpfs /shared --tmpfs /plain \
        'stat -c %a /shared /plain'
    assert_success
    assert_output "1777
755"
}

@test "--size: a tmpfs limited to 64 KiB refuses a 1 MiB write with ENOSPC" {
    skip_in_setuid_mode "--size is refused"
    run min_sh --size 65536 --tmpfs /small \
        'head -c 1048576 /dev/zero > /small/big; echo "rc=$?"; wc -c < /small/big'
    assert_output_contains "No space left on device"
    assert_output_contains "rc=1"
    [[ ${lines[-1]} -le 65536 ]] || fail "wrote ${lines[-1]} bytes"
}

@test "--size: a write within the limit succeeds" {
    skip_in_setuid_mode "--size is refused"
    run --separate-stderr min_sh --size 1048576 --tmpfs /small \
        'head -c 65536 /dev/zero > /small/f && wc -c < /small/f'
    assert_success
    assert_output 65536
}

@test "--mqueue mounts a POSIX message queue filesystem" {
    run --separate-stderr min_sh --unshare-ipc --mqueue /mq \
        'awk -v m=/mq "\$5 == m { for (i = 7; \$i != \"-\"; i++); print \$(i + 1) }" /proc/self/mountinfo'
    assert_success
    assert_output mqueue
}

@test "--dir creates the directory and its parents, mode 0755" {
    run --separate-stderr min_sh --dir /a/b/c 'stat -c "%n %F %a" /a /a/b /a/b/c'
    assert_success
    assert_output "/a directory 755
/a/b directory 755
/a/b/c directory 755"
}

@test "--perms 0700 --dir: the directory gets that mode" {
    run --separate-stderr min_sh --perms 0700 --dir /private --dir /public \
        'stat -c %a /private /public'
    assert_success
    assert_output "700
755"
}

@test "--dir on an existing directory keeps its content" {
    run --separate-stderr min_sh --bind "$T/d" /data --dir /data 'cat /data/old'
    assert_success
    assert_output original
}

@test "--chmod changes the mode of an existing path" {
    run --separate-stderr min_sh --dir /x --chmod 0711 /x --tmpfs /y --chmod 1777 /y \
        'stat -c %a /x /y'
    assert_success
    assert_output "711
1777"
}

@test "--chmod of a missing path is an error naming it" {
    hutch_error "${MINROOT[@]}" --chmod 0700 /nope -- /bin/echo ran
    assert_status 1
    assert_error_line "*/nope*"
    [[ -z $output ]] || fail "the command ran"
}

# --- symlinks ---------------------------------------------------------------------

@test "--symlink creates a symlink with that target, parents made" {
    run --separate-stderr min_sh --symlink /usr/bin /a/b/tools --symlink dangling /dl \
        'readlink /a/b/tools /dl; [ -x /a/b/tools/env ] && echo resolves'
    assert_success
    assert_output "/usr/bin
dangling
resolves"
}

@test "--symlink twice with the same target is accepted" {
    needs_bwrap_version 0.11 "idempotent --symlink"
    run --separate-stderr min_sh --symlink target /l --symlink target /l 'readlink /l'
    assert_success
    assert_output target
}

@test "--symlink over an existing different symlink is an error" {
    hutch_error "${MINROOT[@]}" --symlink first /l --symlink second /l -- /bin/echo ran
    assert_status 1
    assert_error_line "Can't make symlink at /l: *"
    [[ -z $output ]] || fail "the command ran"
}

@test "--symlink conflict names the existing destination" {
    needs_bwrap_version 0.11 "wording of the --symlink conflict"
    expect_error "Can't make symlink at /l: existing destination is first" \
        "${MINROOT[@]}" --symlink first /l --symlink second /l -- /bin/echo ran
}

# --- files from fds ------------------------------------------------------------------

@test "--file copies the fd's content into a new file, mode 0666" {
    printf 'line1\nline2\n' > "$T/src"
    run --separate-stderr min_sh --file 3 /etc2/conf 'cat /etc2/conf; stat -c %a /etc2/conf' 3<"$T/src"
    assert_success
    assert_output "line1
line2
666"
}

@test "--perms 0640 --file: the file gets that mode" {
    echo secret > "$T/src"
    run --separate-stderr min_sh --perms 0640 --file 3 /conf 'cat /conf; stat -c %a /conf' 3<"$T/src"
    assert_success
    assert_output "secret
640"
}

@test "--file makes a copy: changing it inside leaves the source alone" {
    echo source > "$T/src"
    run --separate-stderr min_sh --file 3 /conf 'echo changed > /conf; cat /conf' 3<"$T/src"
    assert_success
    assert_output changed
    assert_file_content "$T/src" source
}

@test "--file reads from a pipe" {
    run --separate-stderr bash -c '"$@" 3< <(printf piped)' _ \
        "$HUTCH" "${MINROOT[@]}" --file 3 /p -- /bin/cat /p
    assert_success
    assert_output piped
}

@test "--bind-data: the content is bind-mounted and writable" {
    echo data > "$T/src"
    run --separate-stderr min_sh --bind-data 3 /bd 'cat /bd; echo more >> /bd; cat /bd' 3<"$T/src"
    assert_success
    assert_output "data
data
more"
    assert_file_content "$T/src" data
}

@test "--ro-bind-data: the content is readable and read-only" {
    echo rodata > "$T/src"
    run min_sh --ro-bind-data 3 /rbd 'cat /rbd; echo x >> /rbd' 3<"$T/src"
    [[ $status -ne 0 ]] || fail "the write succeeded"
    assert_output_contains rodata
    assert_output_contains "Read-only file system"
}

@test "--perms 0444 --bind-data: the file gets that mode" {
    echo data > "$T/src"
    run --separate-stderr min_sh --perms 0444 --bind-data 3 /bd 'stat -c %a /bd' 3<"$T/src"
    assert_success
    assert_output 444
}

# --- /dev ------------------------------------------------------------------------------

@test "--dev: exactly the standard nodes and links, no host devices" {
    run --separate-stderr min_sh 'ls -A /dev | grep -v "^console$" | sort | tr "\n" " "'
    assert_success
    assert_output "core fd full null ptmx pts random shm stderr stdin stdout tty urandom zero "
}

@test "--dev: the nodes are character devices and the links point into /proc" {
    run --separate-stderr min_sh '
        for n in full null random tty urandom zero; do
            [ -c /dev/$n ] || echo "not a char device: $n"
        done
        readlink /dev/fd /dev/stdin /dev/stdout /dev/stderr /dev/ptmx'
    assert_success
    assert_output "/proc/self/fd
/proc/self/fd/0
/proc/self/fd/1
/proc/self/fd/2
pts/ptmx"
}

@test "--dev: /dev/null is writable, /dev/zero and /dev/urandom readable" {
    run --separate-stderr min_sh \
        'echo x > /dev/null && echo null-ok; head -c 3 /dev/zero | od -An -tx1; head -c 16 /dev/urandom | wc -c'
    assert_success
    assert_output "null-ok
 00 00 00
16"
}

@test "--dev: a pseudo-terminal can be opened through /dev/ptmx" {
    python
    run --separate-stderr min_sh --setenv PY "$PYTHON" \
        '"$PY" -c "import os, pty; m, s = pty.openpty(); print(os.ttyname(s))"'
    assert_success
    assert_output_matches '^/dev/pts/[0-9]+$'
}

@test "--dev: /dev/shm exists and is writable" {
    run --separate-stderr min_sh 'echo x > /dev/shm/f && cat /dev/shm/f'
    assert_success
    assert_output x
}

# --- /proc ---------------------------------------------------------------------------

@test "--proc: /proc/self is the command's own process in the sandbox" {
    run --separate-stderr min_sh 'read pid rest < /proc/self/stat; echo "$pid $$"'
    assert_success
    assert_output "2 2"
}

@test "--proc: a new procfs, not the host's" {
    run --separate-stderr min_sh \
        'awk -v m=/proc "\$5 == m { for (i = 7; \$i != \"-\"; i++); print \$(i + 1) }" /proc/self/mountinfo; [ -e /proc/1/cmdline ] && echo has-1'
    assert_success
    assert_output "proc
has-1"
    # The host's pid of this test shell is not a process in there.
    run --separate-stderr min_sh --setenv HOSTPID "$$" '[ -e /proc/$HOSTPID ] && echo seen || echo hidden'
    [[ $$ -le 10 ]] || assert_output hidden
}

# bwrap 0.11.1 covers what access(2) says it could write: /proc/irq and
# /proc/bus for root, never /proc/sys (the directory itself is never
# writable, even for root).
@test "--proc: /proc/sys is covered read-only for root, left alone for others, never writable" {
    hutch_only "bubblewrap leaves /proc/sys writable for root"
    run --separate-stderr min_sh \
        'awk "\$5 == \"/proc/sys\" { split(\$6, o, \",\"); print o[1] }" /proc/self/mountinfo
        (: >> /proc/sys/kernel/hostname) 2>&1 && echo writable || true'
    assert_success
    if is_root; then
        assert_output_matches $'^ro\n.*Read-only file system$'
    else
        # No mount on it: a sandbox inside this one may mount a procfs.
        assert_output_matches $'^[^\n]*Permission denied$'
    fi
}

@test "--proc: writing a sysctl fails and changes nothing" {
    if is_bwrap && is_root; then
        skip "bubblewrap 0.8 leaves /proc/sys writable for root here"
    fi
    run min_sh --unshare-uts 'echo changed > /proc/sys/kernel/hostname; uname -n'
    assert_output_contains "$(uname -n)"
    assert_output_not_contains changed
}

# --- errors in the setup ---------------------------------------------------------------

@test "a destination under a file: 'Can't mkdir parents for /etc/passwd/x: Not a directory'" {
    expect_error "Can't mkdir parents for /etc/passwd/x: Not a directory" \
        "${SB[@]}" --dir /etc/passwd/x -- /bin/echo ran
}

# --- order, containment -----------------------------------------------------------------

@test "operations apply in order: a later --tmpfs hides an earlier --bind" {
    run --separate-stderr min_sh --bind "$T/d" /data --tmpfs /data 'ls -A /data | wc -l'
    assert_success
    assert_output 0
}

@test "operations apply in order: a later --bind covers an earlier --tmpfs" {
    run --separate-stderr min_sh --tmpfs /data --bind "$T/d" /data 'cat /data/old'
    assert_success
    assert_output original
}

@test "a writable bind inside a read-only one stays writable, the outer stays read-only" {
    mkdir "$T/d/sub"
    run min_sh --ro-bind "$T/d" /data --bind "$T/d/sub" /data/sub \
        'echo in > /data/sub/f && echo sub-ok; echo out > /data/f'
    assert_output_contains sub-ok
    assert_output_contains "Read-only file system"
    assert_file_content "$T/d/sub/f" in
    assert_no_path "$T/d/f"
}

@test "a --tmpfs over part of the read-only host root is writable" {
    run --separate-stderr hutch_sh --tmpfs /tmp 'echo x > /tmp/f && cat /tmp/f'
    assert_success
    assert_output x
}

@test "a symlink to / inside a bind does not lead a destination out of the new root" {
    ESCAPE_NAME=hutch-escape-test-$$-$BATS_TEST_NUMBER
    mkdir -p "$T/D"
    ln -s / "$T/D/esc"
    ln -s ../../../../../../../../.. "$T/D/up"
    run --separate-stderr minsb --bind "$T/D" /d \
        --dir "/d/esc/$ESCAPE_NAME" --tmpfs "/d/up/${ESCAPE_NAME}-2" -- /bin/true
    assert_no_path "/$ESCAPE_NAME"
    assert_no_path "/${ESCAPE_NAME}-2"
    [[ $(find "$T/D" -mindepth 1 | wc -l) -eq 2 ]] || fail "the bind source changed: $(ls -A "$T/D")"
}

@test "a symlink to / inside a bind is resolved within the new root" {
    hutch_only "bubblewrap resolves it in its private staging root"
    ESCAPE_NAME=hutch-escape-test-$$-$BATS_TEST_NUMBER
    mkdir -p "$T/D"
    ln -s / "$T/D/esc"
    run --separate-stderr minsb --bind "$T/D" /d --dir "/d/esc/$ESCAPE_NAME" -- \
        /bin/sh -c 'test -d "/$1" && echo inside' sh "$ESCAPE_NAME"
    assert_success
    assert_output inside
    assert_no_path "/$ESCAPE_NAME"
}

@test "while a sandbox with many mounts runs, the host's mount table is unchanged" {
    mkdir "$T/flag"
    host_mounts_snapshot
    "$HUTCH" "${MINROOT[@]}" --die-with-parent --bind "$T/flag" /flag --tmpfs /t1 \
        --dir /t1/x --tmpfs /t1/x --ro-bind "$T/d" /data --mqueue /mq --unshare-ipc -- \
        /bin/sh -c 'echo up > /flag/ready; i=0; while [ ! -e /flag/go ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done' \
        >/dev/null 2>&1 3>&- &
    local pid=$!
    track_pid "$pid"
    wait_until 20 file_exists "$T/flag/ready" || fail "the sandbox did not start"
    assert_no_new_host_mounts
    touch "$T/flag/go"
    wait "$pid"
}

@test "a mount made under a shared host mount does not propagate back" {
    skip_unless_root
    mkdir "$T/shared"
    mount -t tmpfs hutch-test "$T/shared"
    CLEANUP_MOUNTS+=("$T/shared")
    mount --make-shared "$T/shared"
    mkdir "$T/shared/inner"
    host_mounts_snapshot
    "$HUTCH" --ro-bind / / --die-with-parent --bind "$T/shared" "$T/shared" \
        --tmpfs "$T/shared/inner" -- /bin/sh -c \
        'echo up > "$1/ready"; i=0; while [ ! -e "$1/go" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done' \
        sh "$T/shared" >/dev/null 2>&1 3>&- &
    local pid=$!
    track_pid "$pid"
    wait_until 20 file_exists "$T/shared/ready" || fail "the sandbox did not start"
    assert_no_new_host_mounts
    touch "$T/shared/go"
    wait "$pid"
    umount "$T/shared"
    CLEANUP_MOUNTS=()
}
