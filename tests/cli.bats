#!/usr/bin/env bats
# The command line: help, version, refusals of malformed options, --args,
# --argv0 and the end of the options.  Every refusal must leave the host as
# it was (no mount, no file) and say one line starting with the program name.

setup() {
    load helpers
    hutch_setup
}

teardown() {
    hutch_teardown
}

usage_line() {
    printf 'usage: %s [OPTIONS...] [--] COMMAND [ARGS...]' "$HUTCH"
}

# assert_usage_line LINE : LINE is the first line of the usage, which names
# the program by its argv[0] as given (here the full path), as bubblewrap's
# does.
assert_usage_line() {
    [[ $1 == "$(usage_line)" ]] && return 0
    fail "expected first line: $(usage_line)" "got: $1"
}

# --- help, version, usage ------------------------------------------------

@test "--help prints the usage on stdout and exits 0" {
    run --separate-stderr "$HUTCH" --help
    assert_success
    assert_stderr_empty
    assert_usage_line "${lines[0]}"
}

@test "--help describes every common option with its arguments" {
    run --separate-stderr "$HUTCH" --help
    assert_success
    local opt
    for opt in '--bind SRC DEST' '--ro-bind SRC DEST' '--dev-bind SRC DEST' \
        '--tmpfs DEST' '--proc DEST' '--dev DEST' '--dir DEST' \
        '--symlink SRC DEST' '--file FD DEST' '--bind-data FD DEST' \
        '--ro-bind-data FD DEST' '--chmod OCTAL PATH' '--perms OCTAL' \
        '--size BYTES' '--unshare-all' '--unshare-user' '--unshare-pid' \
        '--unshare-net' '--share-net' '--uid UID' '--gid GID' \
        '--hostname NAME' '--chdir DIR' '--setenv VAR VALUE' \
        '--unsetenv VAR' '--clearenv' '--info-fd FD' '--json-status-fd FD' \
        '--new-session' '--die-with-parent' '--as-pid-1' '--cap-add CAP' \
        '--cap-drop CAP' '--args FD'; do
        [[ $output =~ (^|$'\n')\ *"$opt"\  ]] || fail "--help lacks: $opt"
    done
}

@test "--help lists the bubblewrap 0.11 options (--argv0, overlays, --level-prefix)" {
    needs_bwrap_version 0.11 "newer options"
    run --separate-stderr "$HUTCH" --help
    assert_success
    local opt
    for opt in '--argv0 VALUE' '--overlay-src SRC' '--overlay RWSRC WORKDIR DEST' \
        '--tmp-overlay DEST' '--ro-overlay DEST' '--level-prefix'; do
        [[ $output =~ (^|$'\n')\ *"$opt"\  ]] || fail "--help lacks: $opt"
    done
}

@test "--help wins even after other options and runs nothing" {
    run --separate-stderr "$HUTCH" --unshare-pid --bind "$T" /x --help
    assert_success
    assert_usage_line "${lines[0]}"
}

@test "--version prints the version on stdout and exits 0" {
    run --separate-stderr "$HUTCH" --version
    assert_success
    assert_stderr_empty
    [[ ${lines[0]} =~ [0-9]+\.[0-9]+ ]] || fail "no version number in: ${lines[0]}"
}

@test "--version names hutch" {
    hutch_only "bubblewrap says 'bubblewrap X.Y'"
    run --separate-stderr "$HUTCH" --version
    assert_success
    [[ ${lines[0]} == "hutch "?* ]] || fail "got: ${lines[0]}"
}

@test "no command: the usage goes to stderr and the exit status is 1" {
    hutch_error
    assert_status 1
    [[ -z $output ]] || fail "expected an empty stdout, got: $output"
    assert_usage_line "${stderr%%$'\n'*}"
}

@test "options but no command: usage on stderr, exit 1, nothing set up" {
    hutch_error --ro-bind / / --dir "$T/made"
    assert_status 1
    assert_usage_line "${stderr%%$'\n'*}"
    assert_no_path "$T/made"
}

@test "a lone -- is not a command: usage on stderr, exit 1" {
    hutch_error --ro-bind / / --
    assert_status 1
    assert_usage_line "${stderr%%$'\n'*}"
}

@test "an unknown option is refused with one line naming it" {
    expect_error "Unknown option --frobnicate" --ro-bind / / --frobnicate -- /bin/true
}

@test "an unknown option after valid ones is refused before anything runs" {
    expect_error "Unknown option --bind-everything" \
        --ro-bind / / --tmpfs /tmp --bind-everything /bin/echo ran
}

# --- missing arguments ---------------------------------------------------

@test "--bind with no argument: '--bind takes two arguments'" {
    expect_error "--bind takes two arguments" --bind
}

@test "--bind with one argument: '--bind takes two arguments'" {
    expect_error "--bind takes two arguments" --bind "$T"
}

@test "--ro-bind with one argument: '--ro-bind takes two arguments'" {
    expect_error "--ro-bind takes two arguments" --ro-bind /
}

@test "--dev-bind with one argument: '--dev-bind takes two arguments'" {
    expect_error "--dev-bind takes two arguments" --dev-bind /dev
}

@test "--bind-try with one argument: '--bind-try takes two arguments'" {
    expect_error "--bind-try takes two arguments" --bind-try /
}

@test "--symlink with one argument: '--symlink takes two arguments'" {
    expect_error "--symlink takes two arguments" --symlink target
}

@test "--setenv with one argument: '--setenv takes two arguments'" {
    expect_error "--setenv takes two arguments" --setenv FOO
}

@test "--file with one argument: '--file takes two arguments'" {
    expect_error "--file takes two arguments" --file 0
}

@test "--bind-data with one argument: '--bind-data takes two arguments'" {
    expect_error "--bind-data takes two arguments" --bind-data 0
}

@test "--chmod with one argument: '--chmod takes two arguments'" {
    expect_error "--chmod takes two arguments" --chmod 0755
}

@test "--proc with no argument: '--proc takes an argument'" {
    expect_error "--proc takes an argument" --proc
}

@test "--dev with no argument: '--dev takes an argument'" {
    expect_error "--dev takes an argument" --dev
}

@test "--tmpfs with no argument: '--tmpfs takes an argument'" {
    expect_error "--tmpfs takes an argument" --tmpfs
}

@test "--dir with no argument: '--dir takes an argument'" {
    expect_error "--dir takes an argument" --dir
}

@test "--chdir with no argument: '--chdir takes an argument' (bubblewrap: 'one argument')" {
    expect_error "--chdir takes * argument" --chdir
}

@test "--remount-ro with no argument: '--remount-ro takes an argument' (bubblewrap: 'one argument')" {
    expect_error "--remount-ro takes * argument" --remount-ro
}

@test "--unsetenv with no argument: '--unsetenv takes an argument'" {
    expect_error "--unsetenv takes an argument" --unsetenv
}

@test "--hostname with no argument: '--hostname takes an argument'" {
    expect_error "--hostname takes an argument" --unshare-uts --hostname
}

@test "--uid with no argument: '--uid takes an argument'" {
    expect_error "--uid takes an argument" --unshare-user --uid
}

@test "--info-fd with no argument: '--info-fd takes an argument'" {
    expect_error "--info-fd takes an argument" --info-fd
}

@test "--args with no argument: '--args takes an argument'" {
    expect_error "--args takes an argument" --args
}

@test "--cap-add with no argument: '--cap-add takes an argument'" {
    expect_error "--cap-add takes an argument" --cap-add
}

@test "--perms with no argument: '--perms takes an argument'" {
    expect_error "--perms takes an argument" --perms
}

@test "--size with no argument: '--size takes an argument'" {
    expect_error "--size takes an argument" --size
}

@test "--argv0 with no argument: '--argv0 takes one argument'" {
    needs_option --argv0
    expect_error "--argv0 takes * argument" --argv0
}

# --- malformed numbers ---------------------------------------------------

@test "--args abc: 'Invalid fd: abc'" {
    expect_error "Invalid fd: abc" --args abc -- /bin/true
}

@test "--info-fd abc: 'Invalid fd: abc'" {
    expect_error "Invalid fd: abc" --ro-bind / / --info-fd abc -- /bin/true
}

@test "--json-status-fd with a trailing letter: 'Invalid fd: 3x'" {
    expect_error "Invalid fd: 3x" --ro-bind / / --json-status-fd 3x -- /bin/true
}

@test "--file abc DEST: 'Invalid fd: abc' and no file is made" {
    expect_error "Invalid fd: abc" --ro-bind / / --bind "$T" "$T" \
        --file abc "$T/made" -- /bin/true
    assert_no_path "$T/made"
}

@test "--bind-data and --ro-bind-data with a negative fd: 'Invalid fd: -1'" {
    expect_error "Invalid fd: -1" --bind-data -1 /x -- /bin/true
    expect_error "Invalid fd: -1" --ro-bind-data -1 /x -- /bin/true
}

@test "--sync-fd, --block-fd and --seccomp refuse a non-numeric fd" {
    local opt
    for opt in --sync-fd --block-fd --seccomp --userns-block-fd; do
        expect_error "Invalid fd: abc" "$opt" abc -- /bin/true
    done
}

@test "--uid abc: 'Invalid uid: abc'" {
    expect_error "Invalid uid: abc" --unshare-user --uid abc -- /bin/true
}

@test "--gid abc: 'Invalid gid: abc'" {
    expect_error "Invalid gid: abc" --unshare-user --gid abc -- /bin/true
}

@test "--uid -1 is not a uid: 'Invalid uid: -1'" {
    expect_error "Invalid uid: -1" --unshare-user --uid -1 -- /bin/true
}

# --- --perms, --size, --chmod ---------------------------------------------

@test "--perms 8888 is not octal: '--perms takes an octal argument <= 07777'" {
    expect_error "--perms takes an octal argument <= 07777" \
        --perms 8888 --dir /x -- /bin/true
}

@test "--perms 10000 is too large: '--perms takes an octal argument <= 07777'" {
    expect_error "--perms takes an octal argument <= 07777" \
        --perms 10000 --dir /x -- /bin/true
}

@test "--perms twice for one option: '--perms given twice for the same action'" {
    expect_error "--perms given twice for the same action" \
        --perms 0700 --perms 0755 --dir /x -- /bin/true
}

@test "--perms before --bind: '--perms must be followed by an option that creates a file'" {
    expect_error "--perms must be followed by an option that creates a file" \
        --perms 0700 --bind / / -- /bin/true
}

@test "--perms before --symlink is refused the same way" {
    expect_error "--perms must be followed by an option that creates a file" \
        --perms 0700 --symlink a /b -- /bin/true
}

@test "--size 0: '--size takes a non-zero number of bytes'" {
    expect_error "--size takes a non-zero number of bytes" \
        --size 0 --tmpfs /x -- /bin/true
}

@test "--size with a unit suffix or a sign is refused" {
    expect_error "--size takes a non-zero number of bytes" \
        --size 10k --tmpfs /x -- /bin/true
    expect_error "--size takes a non-zero number of bytes" \
        --size -5 --tmpfs /x -- /bin/true
}

@test "--size before --dir: '--size must be followed by --tmpfs'" {
    expect_error "--size must be followed by --tmpfs" \
        --size 4096 --dir /x -- /bin/true
}

@test "--size twice for one --tmpfs: '--size given twice for the same action'" {
    expect_error "--size given twice for the same action" \
        --size 4096 --size 8192 --tmpfs /x -- /bin/true
}

@test "--chmod 99999: '--chmod takes an octal argument <= 07777'" {
    expect_error "--chmod takes an octal argument <= 07777" \
        --chmod 99999 /x -- /bin/true
}

@test "--chmod abc: '--chmod takes an octal argument <= 07777'" {
    expect_error "--chmod takes an octal argument <= 07777" \
        --chmod abc /x -- /bin/true
}

# --- cross-option rules -----------------------------------------------------

@test "--hostname without --unshare-uts: 'Specifying --hostname requires --unshare-uts'" {
    expect_error "Specifying --hostname requires --unshare-uts" \
        --ro-bind / / --hostname sandbox -- /bin/echo ran
}

@test "--uid without a user namespace, as root: 'Specifying --uid requires --unshare-user or --userns'" {
    skip_unless_root
    expect_error "Specifying --uid requires --unshare-user or --userns" \
        --ro-bind / / --uid 1000 -- /bin/echo ran
}

@test "--cap-add FOO: 'unknown cap: FOO'" {
    expect_error "unknown cap: FOO" --ro-bind / / --cap-add FOO -- /bin/echo ran
}

@test "--cap-drop FOO: 'unknown cap: FOO'" {
    expect_error "unknown cap: FOO" --ro-bind / / --cap-drop FOO -- /bin/echo ran
}

@test "--share-net without --unshare-all is accepted, as bubblewrap does" {
    run --separate-stderr "$HUTCH" --ro-bind / / --share-net -- /bin/echo ran
    assert_success
    assert_output ran
    assert_stderr_empty
}

@test "a destination containing .. is refused before anything is made" {
    hutch_only "bubblewrap accepts .. in destinations"
    hutch_error --ro-bind / / --bind "$T" "$T" --dir "$T/a/../made" -- /bin/echo ran
    assert_status 1
    assert_error_line "*"
    [[ -z $output ]] || fail "the command ran: $output"
    assert_no_path "$T/made"
    assert_no_path "$T/a"
}

@test "an empty destination is refused" {
    hutch_only "bubblewrap accepts an empty destination"
    hutch_error --ro-bind / / --tmpfs "" -- /bin/echo ran
    assert_status 1
    assert_error_line "*"
    [[ -z $output ]] || fail "the command ran: $output"
}

# --- --args ---------------------------------------------------------------

@test "--args FD: NUL-separated options read from the fd take effect" {
    printf '%s\0' --setenv FROM_ARGS yes --chdir /usr > "$T/args"
    run --separate-stderr "$HUTCH" --ro-bind / / --args 3 -- \
        /bin/sh -c 'echo "$FROM_ARGS $(pwd)"' 3<"$T/args"
    assert_success
    assert_output "yes /usr"
}

@test "--args FD: arguments containing spaces and newlines stay whole" {
    printf '%s\0' --setenv SPACED "a b
c" > "$T/args"
    run --separate-stderr "$HUTCH" --ro-bind / / --args 3 -- \
        /bin/sh -c 'printf "[%s]" "$SPACED"' 3<"$T/args"
    assert_success
    assert_output "[a b
c]"
}

@test "--args FD: options from the fd come in order with the rest of the command line" {
    printf '%s\0' --setenv V from-args > "$T/args"
    run --separate-stderr "$HUTCH" --ro-bind / / --setenv V before --args 3 -- \
        /bin/sh -c 'echo "$V"' 3<"$T/args"
    assert_success
    assert_output "from-args"
    run --separate-stderr "$HUTCH" --ro-bind / / --args 3 --setenv V after -- \
        /bin/sh -c 'echo "$V"' 3<"$T/args"
    assert_success
    assert_output "after"
}

@test "--args 99 (closed fd): 'Can't read --args data: Bad file descriptor'" {
    expect_error "Can't read --args data: Bad file descriptor" \
        --args 99 -- /bin/echo ran
}

@test "--args with a malformed option inside is refused like on the command line" {
    printf '%s\0' --tmpfs > "$T/args"
    expect_error "--tmpfs takes an argument" --args 3 3<"$T/args"
}

# --- --argv0 and the end of options ------------------------------------------

@test "--argv0 sets argv[0] of the command but not the program run" {
    needs_option --argv0
    run --separate-stderr "$HUTCH" "${SB[@]}" --argv0 renamed -- /bin/sh -c \
        'tr "\0" "\n" < /proc/$$/cmdline | head -n 1; readlink /proc/$$/exe'
    assert_success
    [[ ${lines[0]} == renamed ]] || fail "argv[0]: ${lines[0]}"
    [[ ${lines[1]} == */dash || ${lines[1]} == */sh || ${lines[1]} == */bash ]] ||
        fail "exe: ${lines[1]}"
}

@test "without --argv0 argv[0] is the command as given" {
    run --separate-stderr "$HUTCH" "${SB[@]}" -- /bin/sh -c \
        'tr "\0" "\n" < /proc/$$/cmdline | head -n 1'
    assert_success
    assert_output "/bin/sh"
}

@test "after -- an argument that looks like an option is the command's" {
    run --separate-stderr "$HUTCH" --ro-bind / / -- /bin/sh -c 'echo "$0"' --help
    assert_success
    assert_output "--help"
}

@test "options after the command are passed to it, not parsed" {
    run --separate-stderr "$HUTCH" --ro-bind / / /bin/echo --unshare-net --bind
    assert_success
    assert_output "--unshare-net --bind"
}

@test "the command's arguments reach it unchanged, empty ones included" {
    run --separate-stderr "$HUTCH" --ro-bind / / -- /bin/sh -c \
        'printf "<%s>" "$@"' sh "a b" "" "--" "*"
    assert_success
    assert_output "<a b><><--><*>"
}
