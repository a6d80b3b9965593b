#!/usr/bin/env bats
# What programs that drive bubblewrap pass, and hutch must take as bubblewrap
# 0.11.1 does (issues 16 and 17): destinations with ".." components
# (WebKitGTK's "/lib64/../libexec/..."), resolved inside the new root and never
# out of it; the modes of the parent directories made for a destination; the
# messages for a destination of the wrong type; a sandbox inside a sandbox
# with its own /proc; and a /proc masked by the surrounding container, which
# must fail in one line that says why, never with the outer /proc in its place.
#
# BWRAP011 names a bubblewrap 0.11.1 to compare with side by side (default:
# where the project builds it); those comparisons skip when it is missing.

setup() {
    load helpers
    hutch_setup
    BWRAP011=${BWRAP011:-/tmp/bubblewrap-0.11.1/_b/bwrap}
    mkdir -p "$T/d"
    echo content >"$T/d/f"
    echo data >"$T/data"
}

teardown() {
    hutch_teardown
}

# in_modes COMMAND... : COMMAND with the fd-based mount API, then (for hutch,
# outside the setuid mode, which ignores the switch) with the mount(2)
# fallback.  COMMAND asserts with plain commands (no "||" or "&&" around
# an assertion: errexit would not see it fail).
in_modes() {
    "$@"
    if ! is_bwrap && ! setuid_mode; then
        export HUTCH_TEST_LEGACY_MOUNT=1
        echo "# again with HUTCH_TEST_LEGACY_MOUNT=1" >&2
        "$@"
        unset HUTCH_TEST_LEGACY_MOUNT
    fi
}

# refused 'MESSAGE GLOB' ARGS... : expect_error without the host snapshot
# around each run (the test takes one around all of them).
refused() {
    local msg=$1
    shift
    run --separate-stderr "$HUTCH" "$@"
    assert_status 1
    assert_error_line "$msg"
    [[ -z $output ]] || fail "expected nothing on stdout, got: $output"
}

# --- ".." in destinations --------------------------------------------------------------

@test "a -try bind whose source is missing is skipped before its '..' destination is looked at" {
    check() {
        run --separate-stderr "$HUTCH" --ro-bind / / --ro-bind-try /nonexistent /usr/lib/../nope \
            -- /bin/sh -c 'echo ran; [ -e /usr/nope ] || echo no-nope'
        assert_success
        assert_output $'ran\nno-nope'
        assert_stderr_empty
    }
    in_modes check
}

@test "--ro-bind-try FILE /tmp/a/../b makes /tmp/a (0700) and binds FILE on /tmp/b" {
    check() {
        run --separate-stderr "$HUTCH" --ro-bind / / --tmpfs /tmp --ro-bind-try "$T/data" /tmp/a/../b \
            -- /bin/sh -c 'stat -c "%a %F %n" /tmp/a /tmp/b; cat /tmp/b; ls /tmp'
        assert_success
        assert_output $'700 directory /tmp/a\n644 regular file /tmp/b\ndata\na\nb'
    }
    chmod 0644 "$T/data"
    in_modes check
}

@test "'..' after a symlink means what the kernel makes of it: /lib64/../libexec is /usr/libexec" {
    check() {
        run --separate-stderr "$HUTCH" --ro-bind /usr /usr --symlink usr/lib64 /lib64 \
            --symlink usr/lib /lib --symlink usr/bin /bin --tmpfs /usr/libexec \
            --ro-bind-try "$T/data" /lib64/../libexec/gst/scanner -- /bin/sh -c \
            'cat /usr/libexec/gst/scanner; [ -e /libexec ] || echo no-/libexec'
        assert_success
        assert_output $'data\nno-/libexec'
    }
    in_modes check
}

# Every op that takes a destination, each given as /t/x/../NAME: each lands
# on /t/NAME, and /t/x is made on the way.
EVERY_OP_SCRIPT='for n in bind robind devbind bindfd bdata rbdata file dir tmpfs dev proc mq; do
        printf "%s %s\n" "$n" "$(stat -c %F /t/$n)"; done
    readlink /t/sym; stat -c "%a" /t/chm; echo x > /t/rbind/f 2>/dev/null || echo ro-remounted
    [ -d /t/x ] && echo made-x; cat /t/bdata /t/file /t/dev/null; [ -e /t/proc/self/stat ] && echo proc-ok'
EVERY_OP_EXPECTED='bind directory
robind directory
devbind directory
bindfd directory
bdata regular file
rbdata regular file
file regular file
dir directory
tmpfs directory
dev directory
proc directory
mq directory
target
700
ro-remounted
made-x
data
data
proc-ok'

# every_op PREFIX : the ops, with destinations PREFIX/NAME
every_op() {
    local p=$1
    ops=(--bind "$T/d" "$p/bind" --ro-bind "$T/d" "$p/robind" --dev-bind "$T/d" "$p/devbind"
        --bind-fd 5 "$p/bindfd" --bind-data 3 "$p/bdata" --ro-bind-data 4 "$p/rbdata"
        --file 6 "$p/file" --dir "$p/dir" --tmpfs "$p/tmpfs" --dev "$p/dev"
        --proc "$p/proc" --mqueue "$p/mq" --symlink target "$p/sym"
        --dir "$p/chm" --chmod 0700 "$p/chm" --bind "$T/d" "$p/rbind" --remount-ro "$p/rbind"
        --lock-file "$p/file")
}

# every_op_run PREFIX [OPTIONS...] : the ops under PREFIX, then the check
every_op_run() {
    local ops
    every_op "$1"
    shift
    run --separate-stderr "$HUTCH" "${SYSDIRS[@]}" --tmpfs /t --unshare-pid --unshare-ipc "$@" \
        "${ops[@]}" -- /bin/sh -c "$EVERY_OP_SCRIPT" 3<"$T/data" 4<"$T/data" 5<"$T/d" 6<"$T/data"
}

@test "every op with a '..' destination lands where the path leads inside the new root" {
    check() {
        every_op_run /t/x/..
        assert_success
        assert_output "$EVERY_OP_EXPECTED"
    }
    in_modes check
}

@test "'..' climbing above the new root stays at its top, for every op" {
    check() {
        every_op_run /../../../../../t/x/..
        assert_success
        assert_output "$EVERY_OP_EXPECTED"
        every_op_run ../../../t/x/..
        assert_success
        assert_output "$EVERY_OP_EXPECTED"
    }
    host_snapshot
    in_modes check
    assert_host_unchanged
}

@test "a symlink in the new root that points out of it, then '..', stays inside, for every op" {
    hutch_only "bubblewrap resolves destinations from its base, above the new root"
    check() {
        local link
        for link in "../../../../../../../../../.." "/../../.." "/"; do
            echo "# with /t/up -> $link" >&2
            # /t/up leads (at most) to the new root's top, so /t/up/../t is /t.
            every_op_run /t/up/../t/x/.. --symlink "$link" /t/up
            assert_success
            assert_output "$EVERY_OP_EXPECTED"
        done
    }
    host_snapshot
    in_modes check
    assert_host_unchanged
}

@test "overlays with '..' destinations land where the path leads inside the new root" {
    needs_option --overlay-src
    skip_in_setuid_mode "overlays are refused"
    mkdir -p "$T/lower2"
    echo two >"$T/lower2/g"
    check() {
        run --separate-stderr "$HUTCH" "${SYSDIRS[@]}" --tmpfs /t --overlay-src "$T/d" \
            --tmp-overlay /t/x/../ov --overlay-src "$T/d" --overlay-src "$T/lower2" \
            --ro-overlay /../../t/y/../rov -- /bin/sh -c 'cat /t/ov/f /t/rov/g; ls /t'
        assert_success
        assert_output $'content\ntwo\nov\nrov\nx\ny'
    }
    in_modes check
}

@test "a destination ending in '..' names a directory, made with its parents" {
    check() {
        run --separate-stderr "$HUTCH" "${SYSDIRS[@]}" --dir /a/b/.. --tmpfs /t --bind "$T/d" /t/m/.. \
            -- /bin/sh -c 'stat -c "%a %n" /a /a/b; cat /t/f; ls /t'
        assert_success
        assert_output $'755 /a\n755 /a/b\ncontent\nf'
    }
    in_modes check
}

@test "--symlink, --file and a file bind at a path ending in '..': the directory it names is refused" {
    check() {
        refused "Can't make symlink at /t/x/..: destination exists and is not a symlink" \
            "${SYSDIRS[@]}" --tmpfs /t --symlink target /t/x/.. -- /bin/true
        refused "Can't make symlink at /: destination exists and is not a symlink" \
            "${SYSDIRS[@]}" --symlink target / -- /bin/true
        refused "Can't create file /t/x/..: Is a directory" \
            "${SYSDIRS[@]}" --tmpfs /t --file 3 /t/x/.. -- /bin/true 3<"$T/data"
        refused "Can't create file at /t/x/..: Is a directory" \
            "${SYSDIRS[@]}" --tmpfs /t --bind "$T/data" /t/x/.. -- /bin/true
    }
    host_snapshot
    in_modes check
    assert_host_unchanged
}

@test "--dry-run takes '..' destinations and shows them as given" {
    hutch_only "--dry-run is hutch's"
    run --separate-stderr "$HUTCH" --dry-run --ro-bind / / --ro-bind-try /nonexistent /usr/lib/../nope \
        --tmpfs /tmp --dir /tmp/a/../../../b -- /bin/true
    assert_success
    assert_output_contains "ro-bind-try /nonexistent -> /usr/lib/../nope (skipped: /nonexistent does not exist)"
    assert_output_contains "dir /tmp/a/../../../b"
}

@test "an empty destination is refused in one line, before anything is made" {
    expect_error 'Invalid destination "": must not be empty' \
        "${SYSDIRS[@]}" --ro-bind-try /nonexistent "" -- /bin/true
}

# --- modes of the parents made for a destination ---------------------------------------

# bubblewrap 0.11.1 makes them 0755 less the group's bits when the op's mode
# gives the group nothing and less the others' likewise; an op without a
# mode of its own counts as mode 0 there: its parents are 0700.
PARENT_CASES=(
    "700|--bind SRC_D /t/p/q/r"
    "700|--bind SRC_F /t/p/q/r"
    "700|--symlink x /t/p/q/r"
    "700|--unshare-pid --proc /t/p/q/r"
    "700|--dev /t/p/q/r"
    "700|--unshare-ipc --mqueue /t/p/q/r"
    "700|--bind-fd 5 /t/p/q/r"
    "755|--tmpfs /t/p/q/r"
    "700|--perms 0700 --tmpfs /t/p/q/r"
    "750|--perms 0750 --tmpfs /t/p/q/r"
    "755|--dir /t/p/q/r"
    "705|--perms 0705 --dir /t/p/q/r"
    "755|--file 3 /t/p/q/r"
    "700|--perms 0600 --file 3 /t/p/q/r"
    "700|--bind-data 3 /t/p/q/r"
    "755|--perms 0644 --bind-data 3 /t/p/q/r"
    "750|--perms 0640 --ro-bind-data 3 /t/p/q/r"
)

# parent_modes BINARY CASE : the modes of /t/p and /t/p/q made for the op
parent_modes() {
    local words=${2#*|}
    words=${words//SRC_D/$T/d}
    words=${words//SRC_F/$T/data}
    # shellcheck disable=SC2086
    "$1" "${SYSDIRS[@]}" --tmpfs /t $words -- stat -c %a /t/p /t/p/q 3<"$T/data" 5<"$T/d" 2>&1 |
        tr '\n' ' '
}

@test "parents made for a destination get bubblewrap 0.11.1's modes, for every op" {
    check() {
        local c want got bad=0
        for c in "${PARENT_CASES[@]}"; do
            want=${c%%|*}
            got=$(parent_modes "$HUTCH" "$c")
            if [[ $got != "$want $want " ]]; then
                echo "${c#*|}: expected $want $want, got: $got" >&2
                bad=1
            fi
        done
        ((bad == 0))
    }
    in_modes check
}

@test "parent modes: the same as the bubblewrap 0.11.1 at \$BWRAP011, side by side" {
    [[ -x $BWRAP011 ]] || skip "no bubblewrap 0.11.1 at $BWRAP011"
    [[ ! $HUTCH -ef $BWRAP011 ]] || skip "HUTCH is that bubblewrap"
    local c h b bad=0
    for c in "${PARENT_CASES[@]}"; do
        h=$(parent_modes "$HUTCH" "$c")
        b=$(parent_modes "$BWRAP011" "$c")
        if [[ $h != "$b" ]]; then
            echo "${c#*|}: bwrap $b, $HUTCH_NAME $h" >&2
            bad=1
        fi
    done
    ((bad == 0))
}

# --- a destination of the wrong type ---------------------------------------------------

WRONG=(--tmpfs /t --dir /t/d --file 3 /t/f --symlink y /t/l)

@test "--symlink onto something that is not that symlink: bubblewrap's meaning and phrase" {
    check() {
        refused "Can't make symlink at /t/f: destination exists and is not a symlink" \
            "${SYSDIRS[@]}" "${WRONG[@]}" --symlink x /t/f -- /bin/true 3<"$T/data"
        refused "Can't make symlink at /t/d: destination exists and is not a symlink" \
            "${SYSDIRS[@]}" "${WRONG[@]}" --symlink x /t/d -- /bin/true 3<"$T/data"
        refused "Can't make symlink at /t/l: existing destination is y" \
            "${SYSDIRS[@]}" "${WRONG[@]}" --symlink x /t/l -- /bin/true 3<"$T/data"
        # The same symlink again is fine.
        run --separate-stderr "$HUTCH" "${SYSDIRS[@]}" "${WRONG[@]}" --symlink y /t/l -- readlink /t/l \
            3<"$T/data"
        assert_success
        assert_output y
    }
    host_snapshot
    in_modes check
    assert_host_unchanged
}

@test "binds, --file and --dir onto the wrong type: one line naming the path and why" {
    check() {
        refused "Can't mkdir /t/f: Not a directory" \
            "${SYSDIRS[@]}" "${WRONG[@]}" --bind "$T/d" /t/f -- /bin/true 3<"$T/data"
        refused "Can't create file at /t/d: Is a directory" \
            "${SYSDIRS[@]}" "${WRONG[@]}" --bind "$T/data" /t/d -- /bin/true 3<"$T/data"
        refused "Can't create file /t/d: Is a directory" \
            "${SYSDIRS[@]}" "${WRONG[@]}" --file 3 /t/d -- /bin/true 3<"$T/data"
        refused "Can't mkdir /t/f: Not a directory" \
            "${SYSDIRS[@]}" "${WRONG[@]}" --dir /t/f -- /bin/true 3<"$T/data"
        refused "Can't mkdir /t/f: Not a directory" \
            "${SYSDIRS[@]}" "${WRONG[@]}" --tmpfs /t/f -- /bin/true 3<"$T/data"
        refused "Can't mkdir parents for /t/f/x: Not a directory" \
            "${SYSDIRS[@]}" "${WRONG[@]}" --dir /t/f/x -- /bin/true 3<"$T/data"
    }
    host_snapshot
    in_modes check
    assert_host_unchanged
}

# --- a sandbox inside a sandbox, each with its own /proc --------------------------------

# The inner command prints its pid, the pid /proc/self says it has, and
# what opening a sysctl for writing does.
NESTED_SCRIPT='read pid rest < /proc/self/stat; echo "$$ $pid"; (: >> /proc/sys/kernel/hostname) 2>&1 && echo sysctl-writable || true'

# assert_nested_proc : the inner /proc is the inner PID namespace's
assert_nested_proc() {
    assert_success
    [[ ${lines[0]} =~ ^([0-9]+)\ ([0-9]+)$ && ${BASH_REMATCH[1]} == "${BASH_REMATCH[2]}" ]] ||
        fail "/proc/self is not the inner process" "$(_show_run)"
    ((BASH_REMATCH[1] <= 3)) || fail "not in a new PID namespace" "$(_show_run)"
}

assert_sysctl_refused() {
    [[ ${lines[1]-} == *"Read-only file system" || ${lines[1]-} == *"Permission denied" ]] ||
        fail "a sysctl could be opened for writing" "$(_show_run)"
}

# References to nest with: /usr/bin/bwrap ($BWRAP) and the 0.11.1 build.
references() {
    local b
    REFS=()
    for b in "$BWRAP" "$BWRAP011"; do
        if [[ -x $b ]] && ! [[ $b -ef $HUTCH ]]; then
            REFS+=("$b")
        fi
    done
    ((${#REFS[@]})) || skip "no reference bubblewrap"
}

@test "hutch inside hutch: the inner sandbox mounts its own /proc, sysctls stay unwritable" {
    check() {
        run --separate-stderr "$HUTCH" --ro-bind / / --dev /dev --proc /proc --unshare-pid -- \
            "$HUTCH" --ro-bind / / --unshare-pid --proc /proc -- /bin/sh -c "$NESTED_SCRIPT"
        assert_nested_proc
        assert_sysctl_refused
    }
    in_modes check
}

@test "bubblewrap inside hutch: it mounts its own /proc" {
    references
    local b
    for b in "${REFS[@]}"; do
        run --separate-stderr "$HUTCH" --ro-bind / / --dev /dev --proc /proc --unshare-pid -- \
            "$b" --ro-bind / / --unshare-pid --proc /proc -- /bin/sh -c "$NESTED_SCRIPT"
        echo "# inner: $b" >&2
        assert_nested_proc
        # bubblewrap leaves /proc/sys writable for root (its check on the
        # directory always says no).
        is_root || assert_sysctl_refused
    done
}

@test "hutch inside bubblewrap: it mounts its own /proc, sysctls stay unwritable" {
    references
    local b
    for b in "${REFS[@]}"; do
        run --separate-stderr "$b" --ro-bind / / --dev /dev --proc /proc --unshare-pid -- \
            "$HUTCH" --ro-bind / / --unshare-pid --proc /proc -- /bin/sh -c "$NESTED_SCRIPT"
        echo "# outer: $b" >&2
        assert_nested_proc
        assert_sysctl_refused
    done
}

@test "without a new PID namespace, --proc is the outer /proc bound, as in bubblewrap" {
    check() {
        run --separate-stderr "$HUTCH" "${SYSDIRS[@]}" --proc /proc -- stat -L -c %d /proc
        assert_success
        assert_output "$(stat -L -c %d /proc)"
    }
    in_modes check
}

# --- a container whose /proc is masked -------------------------------------------------

# What Docker, Podman and Kubernetes do to the container's /proc: /dev/null
# over files (/proc/kcore, or what this kernel has of its list), a read-only
# /proc/sys.
MASK='for f in kcore timer_list keys latency_stats; do
        if [ -e /proc/$f ]; then mount --bind /dev/null /proc/$f; break; fi
    done
    mount --bind /proc/sys /proc/sys && mount -o remount,bind,ro /proc/sys && exec "$@"'

# masked CMD... : CMD in a mount namespace with a new, masked procfs on /proc.
# Root builds it in a private mount namespace of its own; anyone else in a
# user namespace of their own (with a PID namespace for its procfs), where
# a sandbox's own user namespace makes the masks locked, as in a container.
masked() {
    skip_unless_cmd unshare
    if is_root; then
        unshare -m --propagation private -- /bin/sh -c "mount -t proc proc /proc && $MASK" sh "$@"
    else
        unshare -rm --fork --pid --mount-proc -- /bin/sh -c "$MASK" sh "$@"
    fi
}

# The users to try as: root (with a user namespace: root makes none
# otherwise, and then the kernel lets it be) and the unprivileged user, or
# the unprivileged caller alone.
masked_callers() {
    CALLERS=()
    if is_root; then
        CALLERS+=("--unshare-user")
        local u=${HUTCH_TEST_USER:-hutchtest}
        if id -u "$u" >/dev/null 2>&1 && runuser -u "$u" -- test -x "$HUTCH"; then
            CALLERS+=("runuser -u $u --")
        fi
    else
        # Root of its own user namespace: again with --unshare-user.
        CALLERS+=("--unshare-user")
    fi
}

# masked_run CALLER ARGS... : $HUTCH ARGS... in the masked container as CALLER
masked_run() {
    local caller=$1
    shift
    if [[ $caller == --* ]]; then
        masked "$HUTCH" "$caller" "$@"
    else
        # shellcheck disable=SC2086
        masked $caller "$HUTCH" "$@"
    fi
}

PROC_MASKED_ERROR="Can't mount proc on /proc: Operation not permitted: the surrounding container masks /proc (mounts on /proc/* and * more), and the kernel refuses a new procfs that would show what they hide: run the container with /proc unmasked (podman run --security-opt unmask=/proc/\*, docker run --security-opt systempaths=unconfined), or use no new PID namespace (no --unshare-pid, --unshare-all or --pidns) so that the outer /proc is bound"

@test "masked /proc: --proc with a new PID namespace fails in one line saying why and how out" {
    hutch_only "bubblewrap says only that proc can't be mounted"
    masked_callers
    check() {
        local caller
        for caller in "${CALLERS[@]}"; do
            echo "# as: $caller" >&2
            run --separate-stderr masked_run "$caller" --ro-bind / / --unshare-pid --proc /proc \
                -- /bin/echo ran
            assert_status 1
            assert_error_line "$PROC_MASKED_ERROR"
            [[ -z $output ]] || fail "the command ran: $output"
        done
    }
    host_snapshot
    in_modes check
    assert_host_unchanged
}

@test "masked /proc: without a new PID namespace, the outer /proc is bound, masks and all" {
    masked_callers
    check() {
        local caller
        for caller in "${CALLERS[@]}"; do
            run --separate-stderr masked_run "$caller" --ro-bind / / --proc /proc -- /bin/sh -c \
                'read pid rest < /proc/self/stat; [ "$pid" = "$$" ] && echo self-ok
                 awk "\$5 == \"/proc/sys\" { print substr(\$6, 1, 3) }" /proc/self/mountinfo | sort -u'
            echo "# as: $caller" >&2
            assert_success
            assert_output $'self-ok\nro,'
        done
    }
    in_modes check
}

@test "masked /proc: --diagnose says so, with the same ways out" {
    hutch_only "--diagnose is hutch's"
    masked_callers
    local caller
    for caller in "${CALLERS[@]}"; do
        if [[ $caller == --* ]]; then caller=""; fi
        # shellcheck disable=SC2086
        run --separate-stderr masked $caller "$HUTCH" --diagnose
        assert_success
        assert_output_matches $'(^|\n)warn +proc: /proc is masked by the surrounding container \\(a mount on /proc/[^\n]*\\), so the kernel refuses a new procfs[^\n]*: --proc with a new PID namespace fails\n +fix: run the container with /proc unmasked \\(podman run --security-opt unmask=/proc/\\*, docker run --security-opt systempaths=unconfined\\), or use no new PID namespace'
    done
    # Outside it, nothing of the kind.
    run --separate-stderr "$HUTCH" --diagnose
    assert_output_matches $'(^|\n)ok +proc: a sandbox with its own PID namespace can mount a new /proc'
}
