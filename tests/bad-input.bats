#!/usr/bin/env bats
# Hostile input on the command line and through fds.  Every case: a
# non-zero exit, one error line "hutch: ..." that names the value (and the
# option, where bubblewrap's wording does not already stand for it), and
# nothing left behind: no mount (the host's mountinfo is compared), no
# process (each run carries a marker that pgrep looks for afterwards), no
# file (the test directory and / are compared).

setup() {
    load helpers
    hutch_setup
    MARK="hutch-bad-input-$$-$BATS_TEST_NUMBER"
        # Fixtures live outside the test directory, which must stay as it is.
    F=$BATS_FILE_TMPDIR/$BATS_TEST_NUMBER
    mkdir -p "$F"
    host_snapshot
    # A minimal root whose command would show up in the process list.
    ROOT=(--ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib
        --symlink usr/lib64 /lib64 --proc /proc --dev /dev)
    CMD=(/bin/sh -c 'sleep 30' "$MARK")
}

teardown() {
    pkill -KILL -f -- "$MARK" 2>/dev/null || true
    hutch_teardown
}

# Nothing left by any run of the test: no process, no mount, no file.
left_nothing() {
    wait_until 5 nothing_running || fail "a process was left: $(pgrep -af -- "$MARK")"
    assert_host_unchanged
}

# globq TEXT : TEXT as a glob that matches only itself
globq() {
    local s=$1
    s=${s//\\/\\\\}
    s=${s//\*/\\*}
    s=${s//\?/\\?}
    s=${s//\[/\\[}
    printf '%s' "$s"
}

nothing_running() {
    ! pgrep -f -- "$MARK" >/dev/null
}

# bad 'MESSAGE GLOB' ARGS... : refused with exit status 1 and that one
# line on stderr, nothing on stdout.  (Each test ends with left_nothing.)
bad() {
    local msg=$1
    shift
    # (bats drops trailing blanks of what it captures)
    msg=${msg%"${msg##*[![:space:]]}"}
    run --separate-stderr "$HUTCH" "$@"
    assert_status 1
    assert_error_line "$msg"
    [[ -z $output ]] || fail "expected nothing on stdout, got: $output"
}

# --- options ----------------------------------------------------------------------------

@test "unknown options are refused by name" {
    local opt
    for opt in --frobnicate -x --bind=/usr --- --Bind "--bind " --bind-try-harder; do
        bad "Unknown option $opt" "${ROOT[@]}" "$opt" -- "${CMD[@]}"
    done
    # A control character is shown escaped: still one line.
    bad "$(globq 'Unknown option --\x1b[31mred')" "${ROOT[@]}" $'--\e[31mred' -- "${CMD[@]}"
    bad "$(globq 'Unknown option --a\x0ab')" "${ROOT[@]}" $'--a\nb' -- "${CMD[@]}"
    left_nothing
}

@test "an option missing its values names the option" {
    bad "--bind takes two arguments" --bind /usr
    bad "--overlay takes three arguments" --overlay-src /usr --overlay a b
    bad "--uid takes an argument" --unshare-user --uid
    bad "--keep-fd takes an argument" --keep-fd
    bad "--setenv takes two arguments" --setenv ONLY_NAME
    left_nothing
}

# --- numbers ------------------------------------------------------------------------

@test "uids and gids that overflow or wrap are refused, never taken as 0" {
    local v i=0
    for v in 4294967296 4294967295 2147483648 18446744073709551616 -1 +1 " 1" 0x10 ""; do
        if ((i++ % 2)); then
            bad "Invalid uid: $v" "${ROOT[@]}" --unshare-user --uid "$v" -- "${CMD[@]}"
        else
            bad "Invalid gid: $v" "${ROOT[@]}" --unshare-user --gid "$v" -- "${CMD[@]}"
        fi
    done
    left_nothing
}

@test "fds beyond INT_MAX, negative or malformed are refused, never wrapped" {
    local v i=0 opts=(--info-fd --sync-fd --keep-fd --file --args)
    # 4294967299 would wrap to 3, 2^32 to 0.
    for v in 2147483648 4294967296 4294967299 18446744073709551619 -1 "" 3x " 3" +3 0x3; do
        case ${opts[i++ % ${#opts[@]}]} in
        --file) bad "Invalid fd: $v" "${ROOT[@]}" --file "$v" /f -- "${CMD[@]}" 3</dev/null ;;
        --args) bad "Invalid fd: $v" --args "$v" -- "${CMD[@]}" 3</dev/null ;;
        *) bad "Invalid fd: $v" "${ROOT[@]}" "${opts[i - 1]}" "$v" -- "${CMD[@]}" 3</dev/null ;;
        esac
    done
    left_nothing
}

@test "permissions and sizes out of range are refused" {
    bad "--perms takes an octal argument <= 07777" --perms 010000 --dir /d -- "${CMD[@]}"
    bad "--perms takes an octal argument <= 07777" --perms -1 --dir /d -- "${CMD[@]}"
    bad "--perms takes an octal argument <= 07777" --perms 8 --dir /d -- "${CMD[@]}"
    bad "--chmod takes an octal argument <= 07777" --chmod 77777 /d -- "${CMD[@]}"
    bad "--size takes a non-zero number of bytes" --size 0 --tmpfs /t -- "${CMD[@]}"
    bad "--size takes a non-zero number of bytes" --size -1 --tmpfs /t -- "${CMD[@]}"
    bad "--size takes a non-zero number of bytes" --size 18446744073709551616 --tmpfs /t -- "${CMD[@]}"
    bad "--size (for tmpfs) is limited to *" --size 18446744073709551615 --tmpfs /t -- "${CMD[@]}"
    left_nothing
}

# --- fds: closed, or of the wrong kind -------------------------------------------------

@test "a closed fd given to an option is named with the option" {
    hutch_only "bubblewrap does not check fds before use"
    local opt
    for opt in --info-fd --json-status-fd --sync-fd --block-fd --keep-fd --seccomp \
        --add-seccomp-fd; do
        bad "$opt 77: Bad file descriptor" "${ROOT[@]}" "$opt" 77 -- "${CMD[@]}"
    done
    bad "--file 77: Bad file descriptor" "${ROOT[@]}" --file 77 /f -- "${CMD[@]}"
    bad "--bind-data 77: Bad file descriptor" "${ROOT[@]}" --bind-data 77 /f -- "${CMD[@]}"
    bad "--bind-fd 77: Bad file descriptor" "${ROOT[@]}" --bind-fd 77 /f -- "${CMD[@]}"
    bad "Can't read --args data: Bad file descriptor" --args 77 -- "${CMD[@]}"
    left_nothing
}

@test "an fd of the wrong kind is refused: read-only status fds, write-only data fds" {
    hutch_only "bubblewrap does not check fds before use"
    bad "--info-fd 3: not open for writing" "${ROOT[@]}" --info-fd 3 -- "${CMD[@]}" 3</dev/null
    bad "--json-status-fd 3: not open for writing" "${ROOT[@]}" --json-status-fd 3 -- \
        "${CMD[@]}" 3</dev/null
    bad "--file 3: not open for reading" "${ROOT[@]}" --file 3 /f -- "${CMD[@]}" 3>"$F/out"
    bad "--seccomp 3: not open for reading" "${ROOT[@]}" --seccomp 3 -- "${CMD[@]}" 3>"$F/out"
    bad "--block-fd 3: not open for reading" "${ROOT[@]}" --block-fd 3 -- "${CMD[@]}" 3>"$F/out"
    [[ ! -s $T/out ]] || fail "something was written to the fd"
    left_nothing
}

# (--userns/--pidns belong to the rootless mode; the setuid mode refuses them
# outright, see the setuid suite.)
@test "--userns, --userns2 and --pidns with an fd that is not such a namespace" {
    hutch_only "bubblewrap reports setns's EINVAL"
    bad "--userns 3: not a user namespace" "${ROOT[@]}" --userns 3 -- "${CMD[@]}" 3</dev/null
    bad "--userns 3: not a user namespace" "${ROOT[@]}" --userns 3 -- "${CMD[@]}" 3</proc/self/ns/pid
    bad "--userns2 3: not a user namespace" "${ROOT[@]}" --userns2 3 -- "${CMD[@]}" 3<"$F"
    bad "--pidns 3: not a PID namespace" "${ROOT[@]}" --pidns 3 -- "${CMD[@]}" 3</proc/self/ns/user
    left_nothing
}

@test "--bind-fd with a pipe or a socket is refused" {
    bad "Can't bind mount fd 3 (pipe:*) on /mnt: Unable to open the source: No such file or directory" \
        "${ROOT[@]}" --bind-fd 3 /mnt -- "${CMD[@]}" 3< <(sleep 5)
    left_nothing
}

# --- strings ----------------------------------------------------------------------------

@test "empty strings: destinations, sources, ids, capabilities" {
    bad 'Invalid destination "": must not be empty' \
        "${ROOT[@]}" --dir "" -- "${CMD[@]}"
    bad 'Invalid destination "": must not be empty' \
        "${ROOT[@]}" --tmpfs "" -- "${CMD[@]}"
    bad 'Invalid destination "": must not be empty' \
        "${ROOT[@]}" --bind /usr "" -- "${CMD[@]}"
    bad "Can't find source path : No such file or directory" "${ROOT[@]}" --bind "" /x -- "${CMD[@]}"
    bad "unknown cap: " "${ROOT[@]}" --cap-add "" -- "${CMD[@]}"
    bad "Can't chdir to : No such file or directory" "${ROOT[@]}" --chdir "" -- "${CMD[@]}"
    left_nothing
}

@test "paths with an 8,000-character component: one line that keeps the reason" {
    local long
    long=$(printf 'a%.0s' {1..8000})
    bad "Can't mkdir /aaa*...: File name too long" "${ROOT[@]}" --dir "/$long" -- "${CMD[@]}"
    bad "Can't find source path /aaa*...: File name too long" "${ROOT[@]}" --bind "/$long" /x -- \
        "${CMD[@]}"
    bad "Can't mkdir /x/aaa*...: File name too long" "${ROOT[@]}" --tmpfs "/x/$long" -- "${CMD[@]}"
    bad "Can't chdir to /aaa*...: File name too long" "${ROOT[@]}" --chdir "/$long" -- "${CMD[@]}"
    bad "Can't make symlink at /x: File name too long" "${ROOT[@]}" --symlink "$long$long" /x -- \
        "${CMD[@]}"
    local err=$stderr
    ((${#err} < 4200)) || fail "the error line is ${#err} bytes"
    left_nothing
}

@test "--hostname with a newline, an escape, or more than 64 bytes" {
    hutch_only "bubblewrap passes it to sethostname"
    bad "$(globq 'Invalid --hostname a\x0ab: control character at byte 1')" \
        "${ROOT[@]}" --unshare-uts --hostname $'a\nb' -- "${CMD[@]}"
    bad "$(globq 'Invalid --hostname \x1b]0;x\x07: control character at byte 0')" \
        "${ROOT[@]}" --unshare-uts --hostname $'\e]0;x\a' -- "${CMD[@]}"
    bad "Invalid --hostname aaaaaaaaaaaaaaaa...: 65 bytes, at most 64" \
        "${ROOT[@]}" --unshare-uts --hostname "$(printf 'a%.0s' {1..65})" -- "${CMD[@]}"
    # 64 bytes is fine.
    run --separate-stderr "$HUTCH" "${ROOT[@]}" --unshare-uts \
        --hostname "$(printf 'b%.0s' {1..64})" -- /bin/hostname
    assert_success
    assert_output "$(printf 'b%.0s' {1..64})"
    left_nothing
}

@test "--perms and --size misplaced, or dangling at the end" {
    bad "--perms must be followed by an option that creates a file" \
        "${ROOT[@]}" --perms 0700 --bind /usr /x -- "${CMD[@]}"
    bad "--perms must be followed by an option that creates a file" \
        "${ROOT[@]}" --perms 0700 -- "${CMD[@]}"
    bad "--perms must be followed by an option that creates a file" "${ROOT[@]}" --perms 0700
    bad "--size must be followed by --tmpfs" "${ROOT[@]}" --size 4096 --dir /x -- "${CMD[@]}"
    bad "--size must be followed by --tmpfs" "${ROOT[@]}" --size 4096 -- "${CMD[@]}"
    bad "--perms given twice for the same action" --perms 0700 --perms 0700 --dir /x -- "${CMD[@]}"
    left_nothing
}

# --- --args ---------------------------------------------------------------------------

@test "--args: more arguments than the cap of 1,000,000 is refused, the cap itself is not" {
    hutch_only "bubblewrap has no cap"
    # 1,000,000 words exactly: half a million "--unsetenv X" pairs.
    awk 'BEGIN { for (i = 0; i < 500000; i++) printf "--unsetenv%cX%c", 0, 0 }' >"$F/args"
    run --separate-stderr "$HUTCH" "${ROOT[@]}" --args 3 -- /bin/echo fits 3<"$F/args"
    assert_success
    assert_output fits
    # Spread over two --args, the count is the same.
    printf '%s\0' --unshare-ipc >"$F/one"
    bad "--args 4: more than 1000000 arguments in all --args data" --args 3 --args 4 -- \
        "${CMD[@]}" 3<"$F/args" 4<"$F/one"
    # One more (without its NUL: it still counts).
    printf 'x' >>"$F/args"
    bad "--args 3: more than 1000000 arguments in all --args data" --args 3 -- "${CMD[@]}" 3<"$F/args"
    left_nothing
}

@test "--args from a stream that never ends stops at the cap" {
    hutch_only "bubblewrap reads until memory runs out"
    bad "--args 3: more than 1000000 arguments in all --args data" --args 3 -- "${CMD[@]}" 3</dev/zero
    # No NUL at all: the byte cap (256 MiB).
    bad "--args 3: more than 268435456 bytes in all --args data" --args 3 -- "${CMD[@]}" \
        3< <(tr '\0' 'x' </dev/zero)
    left_nothing
}

@test "--args data ending in the middle of an option, without its NUL" {
    printf -- '--bind\0/usr' >"$F/args"
    bad "--bind takes two arguments" --args 3 3<"$F/args"
    printf -- '--tmpfs' >"$F/args"
    bad "--tmpfs takes an argument" --args 3 3<"$F/args"
    left_nothing
}

@test "--args inside --args data is refused" {
    printf '%s\0' --dir /inner >"$F/inner"
    printf '%s\0' --args 4 --dir /outer >"$F/outer"
    bad "--args not supported in arguments file" --args 3 -- "${CMD[@]}" 3<"$F/outer" 4<"$F/inner"
    left_nothing
}

# --- fds that misbehave ------------------------------------------------------------------

@test "a seccomp fd that never ends (/dev/zero) is an error, not a hang" {
    hutch_only "bubblewrap reads until memory runs out"
    bad "Can't read seccomp data from fd 3: more than 1048576 bytes *" \
        "${ROOT[@]}" --seccomp 3 -- "${CMD[@]}" 3</dev/zero
    left_nothing
}

# bwrap: dies of SIGPIPE and leaves its child running.
@test "an --info-fd whose reader is gone: an error, and no child left" {
    hutch_only "bubblewrap dies of SIGPIPE"
    local opt
    mkfifo "$F/fifo"
    # The write end of a pipe whose only reader is closed at once.
    exec 7<>"$F/fifo" 6>"$F/fifo"
    exec 7<&-
    for opt in --info-fd --json-status-fd; do
        bad "Write to $opt failed: Broken pipe" "${ROOT[@]}" --unshare-pid "$opt" 6 -- "${CMD[@]}"
        bad "Write to $opt failed: Broken pipe" "${ROOT[@]}" "$opt" 6 -- "${CMD[@]}"
    done
    exec 6>&-
    left_nothing
}

@test "an --info-fd on a full file system: an error, and no child left" {
    hutch_only "bubblewrap leaves the child running"
    [[ -w /dev/full ]] || skip "no /dev/full"
    bad "Write to --info-fd failed: No space left on device" "${ROOT[@]}" --info-fd 3 -- \
        "${CMD[@]}" 3>/dev/full
    left_nothing
}
