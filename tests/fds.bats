#!/usr/bin/env bats
# The caller's descriptors and inputs (issue 24): fds 0-2 closed at start,
# a file-size limit under --file data, inherited directory fds that can't
# be examined, a directory on 0-2, and root's user keyring.

setup() {
    load helpers
    hutch_setup
    # Without a PID namespace (in one, the setup runs as its PID 1, which
    # the kernel spares SIGXFSZ).
    NOPIDNS=("${SYSDIRS[@]}" --dev /dev)
}

teardown() {
    [[ -z ${KEY_ID:-} ]] || keyctl unlink "$KEY_ID" @u >/dev/null 2>&1 || true
    [[ -z ${SETUID_DIR:-} ]] || rm -rf "$SETUID_DIR"
    hutch_teardown
}

# --- fds 0, 1, 2 closed at start -------------------------------------------------------------

# bwrap: the closed ones reach the command closed.
@test "fds 0, 1, 2 closed at start, each and all: the command finds them on /dev/null; hutch's errors keep their status" {
    hutch_only "bubblewrap passes them on closed"
    local c n l
    for c in 0 1 2 012; do
        rm -f "$T/fds" "$T/stdout" "$T/stderr" "$T/status"
        # (the caller's 0, 1, 2 on files of the test's; then those in $c closed)
        run_closing_fds bash -c '
            t=$1 c=$2; shift 2
            exec 0</dev/null 1>"$t/stdout" 2>"$t/stderr" 7>"$t/status"
            case $c in *0*) exec 0<&- ;; esac
            case $c in *1*) exec 1>&- ;; esac
            case $c in *2*) exec 2>&- ;; esac
            "$@" --bind "$t" /t -- /bin/sh -c "
                l=\$(for n in 0 1 2; do echo \"\$n=\$(readlink /proc/\$\$/fd/\$n)\"; done)
                echo \"\$l\" >/t/fds
                echo out; echo err >&2" 7>&-
            echo "$?" >&7
            "$@" --bind /nonexistent-$$ /x -- /bin/true 7>&-
            echo "$?" >&7' _ "$T" "$c" "$HUTCH" "${MINROOT[@]}"
        [[ $(tr '\n' ' ' <"$T/status") == "0 1 " ]] ||
            fail "closed $c: expected a run and a refusal (exit 1), got: $(tr '\n' ' ' <"$T/status")" \
                "$(cat "$T/stderr")"
        for n in 0 1 2; do
            l=$(grep "^$n=" "$T/fds") || fail "closed $c: the command did not run" "$(cat "$T/stderr")"
            if [[ $c == *$n* ]]; then
                # (the setuid build too, where glibc put /dev/full on 0 and a
                # read-only /dev/null on 1 and 2)
                [[ $l == "$n=/dev/null" ]] ||
                    fail "closed $c: the command has $l, not /dev/null" "$(cat "$T/fds")"
            else
                [[ $l == "$n=/dev/null" || $l == "1=/t/stdout" || $l == "2=/t/stderr" ||
                    $l == */stdout || $l == */stderr ]] || fail "closed $c: the command has $l" "$(cat "$T/fds")"
            fi
        done
        # What could be seen was seen: the command's output, hutch's one line.
        if [[ $c != *1* ]]; then
            [[ $(cat "$T/stdout") == out ]] || fail "closed $c: the command's stdout: $(cat "$T/stdout")"
        fi
        if [[ $c != *2* ]]; then
            [[ $(sed -n 1p "$T/stderr") == err ]] || fail "closed $c: the command's stderr: $(cat "$T/stderr")"
            [[ $(sed -n '2,$p' "$T/stderr") == "$HUTCH_NAME: "*/nonexistent-* ]] ||
                fail "closed $c: the refusal was not said on fd 2" "$(cat "$T/stderr")"
            [[ $(wc -l <"$T/stderr") == 2 ]] || fail "closed $c: more than one error line" "$(cat "$T/stderr")"
        else
            [[ ! -s $T/stderr ]] || fail "closed $c: something reached the caller's old stderr" "$(cat "$T/stderr")"
        fi
    done
}

# --- a file-size limit under the data of --file, --bind-data, --ro-bind-data -------------------

# bwrap: killed by SIGXFSZ (exit 153), no word said.
@test "--file, --bind-data, --ro-bind-data past ulimit -f: one line naming the file and the limit, no command" {
    hutch_only "bubblewrap dies by SIGXFSZ"
    head -c 4096 /dev/zero >"$T/big"
    head -c 1000 /dev/zero >"$T/small"
    local opt
    for opt in --file --bind-data --ro-bind-data; do
        rm -f "$T/ran"
        # (bash's ulimit -f counts 1024-byte blocks: 1024 bytes, room for the line)
        run --separate-stderr bash -c 'ulimit -f 1; exec "$@" 3<"$0"' "$T/big" \
            "$HUTCH" "${NOPIDNS[@]}" --bind "$T" /t "$opt" 3 /data -- /bin/touch /t/ran
        assert_status 1
        assert_error_line "Can't write data to file /data: larger than the file-size limit, 1024 bytes *"
        assert_no_path "$T/ran"
        # Under the limit, the same run works and the data is all there.
        run --separate-stderr bash -c 'ulimit -f 1; exec "$@" 3<"$0"' "$T/small" \
            "$HUTCH" "${NOPIDNS[@]}" --bind "$T" /t "$opt" 3 /data -- /bin/sh -c 'wc -c </data; touch /t/ran'
        assert_success
        [[ $output == 1000 ]] || fail "$opt: expected the 1000 bytes inside" "$(_show_run)"
        [[ -e $T/ran ]] || fail "$opt: the command did not run" "$(_show_run)"
    done
}

# bwrap: the same, SIGXFSZ.
@test "an error line hutch can't write to a stderr file at its size limit: exit 1, not SIGXFSZ" {
    hutch_only "bubblewrap dies by SIGXFSZ"
    : >"$T/stderr"
    run bash -c 'ulimit -f 0; exec "$@" 2>"$0"' "$T/stderr" "$HUTCH" "${NOPIDNS[@]}" --bind /nonexistent-$$ /x -- /bin/true
    assert_status 1
    [[ ! -s $T/stderr ]] || fail "expected nothing written under ulimit -f 0: $(cat "$T/stderr")"
}

# bwrap: killed by SIGXFSZ.
@test "--info-fd and --json-status-fd into a file past its size limit: one line, exit 1, not SIGXFSZ" {
    hutch_only "bubblewrap dies by SIGXFSZ"
    skip_unless_cmd prlimit
    local opt
    for opt in --info-fd --json-status-fd; do
        rm -f "$T/ran"
        # 100 bytes: less than the report, more than the error line
        run --separate-stderr prlimit --fsize=100 -- bash -c 'exec "$@" 3>"$0"' "$T/report" \
            "$HUTCH" "${MINROOT[@]}" --unshare-ipc --unshare-uts --bind "$T" /t "$opt" 3 -- /bin/touch /t/ran
        assert_status 1
        assert_error_line "Write to $opt failed: File too large"
        assert_no_path "$T/ran"
        [[ $(stat -c %s "$T/report") -le 100 ]] || fail "$opt: the report passed the limit"
    done
}

# bwrap: the same (it does not touch SIGXFSZ).
@test "the command gets the caller's SIGXFSZ disposition back: default, or ignored" {
    local pid1 sigign
    for pid1 in "" --as-pid-1; do # (with PID 1 of hutch's, and without)
        local root=("${MINROOT[@]}" $pid1)
        run --separate-stderr "$HUTCH" "${root[@]}" -- /bin/sh -c 'grep ^SigIgn: /proc/self/status'
        assert_success
        sigign=${output##*[[:space:]]}
        ((!(0x$sigign & (1 << 24)))) || fail "SIGXFSZ is ignored in the command" "$(_show_run)"
        run --separate-stderr bash -c 'trap "" XFSZ; exec "$@"' _ "$HUTCH" "${root[@]}" -- \
            /bin/sh -c 'grep ^SigIgn: /proc/self/status'
        assert_success
        sigign=${output##*[[:space:]]}
        ((0x$sigign & (1 << 24))) || fail "the caller's ignored SIGXFSZ is not ignored in the command" "$(_show_run)"
    done
}

# --- a directory, or an O_PATH fd, on 0, 1 or 2 -----------------------------------------------

# bwrap: passed to the command, which reaches the host's tree through it
# (CVE-2024-21626's kind of leak).
@test "a directory on stdin or stdout is refused with one line, unless --keep-fd names it" {
    hutch_only "bubblewrap passes it on"
    mkdir "$T/d"
    echo hostfile >"$T/d/marker"
    host_snapshot
    run --separate-stderr bash -c 'exec "$@" <"$0"' "$T/d" "$HUTCH" "${MINROOT[@]}" --bind "$T" /t -- /bin/touch /t/ran
    assert_status 1
    assert_error_line "fd 0 (standard input) is a directory: the command could reach the host's files through it; *--keep-fd 0"
    run --separate-stderr bash -c 'exec "$@" 1<"$0"' "$T/d" "$HUTCH" "${MINROOT[@]}" --bind "$T" /t -- /bin/touch /t/ran
    assert_status 1
    assert_error_line "fd 1 (standard output) is a directory: *--keep-fd 1"
    assert_host_unchanged
    assert_no_path "$T/ran"
    # Named by --keep-fd: passed on, and the command does reach the host's directory.
    run --separate-stderr bash -c 'exec "$@" <"$0"' "$T/d" "$HUTCH" "${MINROOT[@]}" --keep-fd 0 -- \
        /bin/cat /proc/self/fd/0/marker
    assert_success
    [[ $output == hostfile ]] || fail "--keep-fd 0: the directory was not passed on" "$(_show_run)"
}

@test "a directory on stderr, or an O_PATH fd on 0-2, is refused: exit 1, the command never runs" {
    hutch_only "bubblewrap passes it on"
    skip_unless_cmd python3
    mkdir "$T/d"
    # stderr on a directory: the line can't be written, the refusal holds.
    run bash -c 'exec "$@" 2<"$0"' "$T/d" "$HUTCH" "${MINROOT[@]}" --bind "$T" /t -- /bin/touch /t/ran
    assert_status 1
    assert_no_path "$T/ran"
    # An O_PATH fd (of a file: it can be opened again through /proc/self/fd).
    echo secret >"$T/file"
    local n
    for n in 0 1 2; do
        run --separate-stderr python3 -c '
import os, sys
n = int(sys.argv[1]); fd = os.open(sys.argv[2], os.O_PATH)
if n == 2:
    os.dup2(2, 9)  # (stderr, for the line: stdout takes it)
os.dup2(fd, n)
os.execv(sys.argv[3], sys.argv[3:])' "$n" "$T/file" "$HUTCH" "${MINROOT[@]}" --bind "$T" /t -- /bin/touch /t/ran
        assert_status 1
        assert_no_path "$T/ran"
        if ((n < 2)); then
            assert_error_line "fd $n (standard *) is an O_PATH descriptor: *--keep-fd $n"
        fi
    done
}

# --- inherited directory fds that can't be examined ---------------------------------------------

# fault_points LOG PROC : "INDEX ERRNO" for each call of PROC from the
# opening of /proc/self/fd to its last getdents64 (the fd walk and
# close_inherited_fd's fcntl and fstat calls), on x86_64 or aarch64
fault_points() {
    local openat getdents fcntl fstat fstatat
    case $(uname -m) in
    x86_64) openat=257 getdents=217 fcntl=72 fstat=5 fstatat=262 ;;
    aarch64) openat=56 getdents=61 fcntl=25 fstat=80 fstatat=79 ;;
    *) return 1 ;;
    esac
    awk -v p="$2" -v o="$openat" -v g="$getdents" -v c="$fcntl" -v f="$fstat" -v fa="$fstatat" '
        $1 == "call" && $2 == p { nr[$3] = $4; if ($4 == g) { if (!first) first = $3; last = $3 } }
        END {
            if (!first) exit
            start = first; if (nr[first - 1] == o) start = first - 1
            for (i = start; i <= last; i++)
                if (nr[i] == o) print i, "EACCES"
                else if (nr[i] == g) print i, "EIO"
                else if (nr[i] == c) print i, "EBADF"
                else if (nr[i] == f || nr[i] == fa) print i, "EIO"
        }' "$1"
}

# inject_walks MODE BINARY [-u USER] : with a directory on fd 9, the probe
# in a sandbox of BINARY (run by the injector, as USER) sees it with
# --keep-fd 9 and without a fault sees it closed; then each call of each
# fd walk (fault_points) of processes 0 (the setuid build's
# privilege_close_unnamed_fds), 0.1 (PID 1) and 0.1.1 (the command) is
# failed in a run of its own: the fd never reaches the command, and a run
# that stops says one line.  Adds to $points.
inject_walks() {
    local mode=$1 bin=$2 as=("${@:3}") proc point idx err
    local probe='if [ -e /proc/$$/fd/9 ]; then echo leaked; else echo closed; fi'
    run --separate-stderr bash -c 'cd / && exec "$@" 9<"$0"' /etc "$T/inject" "${as[@]}" -- \
        "$bin" "${MINROOT[@]}" --keep-fd 9 -- /bin/sh -c "$probe"
    [[ $output == leaked ]] || fail "$mode: --keep-fd 9 did not pass the directory" "$(_show_run)"
    run --separate-stderr bash -c 'cd / && exec "$@" 9<"$0"' /etc "$T/inject" "${as[@]}" -l "$T/log" -- \
        "$bin" "${MINROOT[@]}" -- /bin/sh -c "$probe"
    [[ $output == closed ]] || fail "$mode: the directory fd reached the command" "$(_show_run)"
    for proc in 0 0.1 0.1.1; do
        mapfile -t point < <(fault_points "$T/log" "$proc")
        if [[ $proc == 0 ]]; then
            # (only the setuid build walks its fds there: the proof it ran setuid)
            [[ $mode == setuid ]] || continue
        fi
        ((${#point[@]} > 0)) || fail "$mode: no fd walk found in process $proc" "$(cat "$T/log")"
        for idx in "${point[@]}"; do
            err=${idx#* } idx=${idx% *}
            run --separate-stderr bash -c 'cd / && exec "$@" 9<"$0"' /etc "$T/inject" "${as[@]}" \
                -f "$proc:$idx:$err" -l "$T/flog" -- "$bin" "${MINROOT[@]}" -- /bin/sh -c "$probe"
            grep -q "^injected $proc $idx " "$T/flog" || continue
            points=$((points + 1))
            [[ $output != *leaked* ]] || fail "$mode: $proc:$idx:$err: the directory fd reached the command" "$(_show_run)"
            if [[ $output != closed ]]; then
                # failed closed: one line, no command
                ((status != 0)) || fail "$mode: $proc:$idx:$err: no command and exit 0" "$(_show_run)"
                [[ $stderr == "$HUTCH_NAME: "* && $stderr != *$'\n'* ]] ||
                    fail "$mode: $proc:$idx:$err: not one line of hutch's" "$(_show_run)"
            fi
        done
    done
}

# bwrap: no such check (it closes no directory fd).
@test "an inherited directory fd never reaches the command when a call examining it fails (injected)" {
    hutch_only "bubblewrap keeps directory fds"
    skip_in_setuid_mode "a setuid program traced by its caller runs without its privilege (the root pass tests it)"
    skip_unless_cmd cc
    local src=$BATS_TEST_DIRNAME/fault-sweep/inject.c
    [[ -r $src ]] || skip "tests/fault-sweep/inject.c is not in this copy of the suites"
    fault_points /dev/null 0 || skip "no system call numbers for $(uname -m)"
    cc -std=gnu11 -O2 -o "$T/inject" "$src" || fail "can't build the injector"
    local points=0 modes=() setuid_bin=${HUTCH_BUILDDIR:-${HUTCH%/*}}/tests/hutch-setuid
    inject_walks "$(is_root && echo root || echo rootless)" "$HUTCH"
    modes+=("$(is_root && echo root || echo rootless)")
    # From the root pass: the rootless run as nobody, and the setuid build
    # (a copy installed setuid root, traced by root, run as nobody).
    if is_root && (cd / && setpriv --reuid=65534 --regid=65534 --clear-groups -- \
        "$HUTCH" "${MINROOT[@]}" -- /bin/true) 2>/dev/null; then
        inject_walks rootless "$HUTCH" -u nobody
        modes+=(rootless)
        if [[ -x $setuid_bin ]]; then
            SETUID_DIR=$(mktemp -d /tmp/hutch-fds.XXXXXX)
            chmod 755 "$SETUID_DIR"
            cp "$setuid_bin" "$SETUID_DIR/hutch"
            chmod 4755 "$SETUID_DIR/hutch"
            inject_walks setuid "$SETUID_DIR/hutch" -u nobody
            modes+=(setuid)
        fi
    fi
    echo "# ${modes[*]}: $points faults" >&3
    ((points >= 8 * ${#modes[@]})) || fail "only $points faults injected"
}

# --- root's user keyring ------------------------------------------------------------------------

# bwrap: root's @u keys are found and read through @u with --cap-drop ALL.
@test "as root without a user namespace, root's user keyring is out of reach, with --cap-drop ALL too" {
    hutch_only "bubblewrap leaves the keyring calls"
    skip_unless_root
    skip_in_setuid_mode "root mode only"
    skip_unless_cmd keyctl
    KEY_ID=$(keyctl add user "hutch-fds-$$" hunter2 @u) || skip "no user keyring to add to"
    [[ $(keyctl print "$KEY_ID") == hunter2 ]] || fail "the key is not readable outside"
    run --separate-stderr "$HUTCH" "${MINROOT[@]}" --cap-drop ALL -- /bin/sh -c \
        'keyctl search @u user "$0" @s; keyctl print "$1"; keyctl link @u @s && keyctl print "$1"; echo ran' \
        "hutch-fds-$$" "$KEY_ID"
    assert_success
    [[ ${lines[-1]} == ran ]] || fail "the command did not run" "$(_show_run)"
    [[ $output != *hunter2* ]] || fail "root's key was read inside" "$(_show_run)"
    [[ $stderr == *"Function not implemented"* ]] || fail "the key calls were not refused" "$(_show_run)"
    # In a user namespace of its own, @u is a new, empty one: the calls work.
    run --separate-stderr "$HUTCH" "${MINROOT[@]}" --unshare-user --cap-drop ALL -- /bin/sh -c \
        'keyctl add user inner x @s >/dev/null && echo added; keyctl search @u user "$0"' "hutch-fds-$$"
    [[ ${lines[0]} == added ]] || fail "no key calls in a user namespace" "$(_show_run)"
    [[ $output != *hunter2* && ${#lines[@]} == 1 ]] || fail "root's key found in a user namespace" "$(_show_run)"
}
