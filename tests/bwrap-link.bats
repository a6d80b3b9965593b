#!/usr/bin/env bats
# Through a link named bwrap, as programs that drive bubblewrap run it:
# the sandbox behaves the same, and everything it says is said as "bwrap".

setup() {
    load helpers
    hutch_setup
    mkdir "$T/bin"
    ln -s "$HUTCH" "$T/bin/bwrap"
    BW=$T/bin/bwrap
}

teardown() {
    hutch_teardown
}

# bw_error 'MESSAGE' ARGS... : "$BW ARGS..." fails with status 1, prints
# nothing on stdout and exactly "bwrap: MESSAGE" on stderr
bw_error() {
    local msg=$1
    shift
    run --separate-stderr "$BW" "$@"
    assert_status 1
    [[ -z $output ]] || fail "expected nothing on stdout, got: $output"
    [[ $stderr == "bwrap: $msg" ]] || fail "expected: bwrap: $msg" "got: $stderr"
}

@test "a sandbox runs through the link, with its exit status" {
    run --separate-stderr "$BW" --ro-bind / / --unshare-pid -- /bin/sh -c 'echo hello; exit 7'
    assert_status 7
    assert_output hello
    assert_stderr_empty
}

@test "a command killed by a signal: 128 + the signal's number" {
    run --separate-stderr "$BW" --ro-bind / / --unshare-pid -- /bin/sh -c 'kill -TERM $$'
    assert_status 143
}

@test "run as 'bwrap' from PATH, as callers do" {
    PATH=$T/bin:$PATH run --separate-stderr bwrap --ro-bind / / --no-such-option
    assert_status 1
    [[ $stderr == "bwrap: Unknown option --no-such-option" ]] || fail "stderr: $stderr"
    PATH=$T/bin:$PATH run --separate-stderr bwrap --ro-bind / / -- echo found
    assert_success
    assert_output found
}

@test "an unknown option: 'bwrap: Unknown option'" {
    bw_error "Unknown option --foo" --ro-bind / / --foo -- /bin/true
}

@test "a missing source: 'bwrap: Can't find source path'" {
    bw_error "Can't find source path /nonexistent: No such file or directory" \
        --ro-bind /nonexistent /mnt -- /bin/true
}

# (Called by name from PATH: bubblewrap writes its argv[0] as given.)
@test "--help: usage: bwrap, on stdout, status 0" {
    PATH=$T/bin:$PATH run --separate-stderr bwrap --help
    assert_success
    [[ ${lines[0]} == "usage: bwrap [OPTIONS...] [--] COMMAND [ARGS...]" ]] ||
        fail "first line: ${lines[0]}"
    assert_stderr_empty
}

# bubblewrap's own test-run.sh checks for "usage: ${BWRAP}" with the path
# it ran.
@test "--help through a path: the usage names the program by that path" {
    run --separate-stderr "$BW" --help
    assert_success
    [[ ${lines[0]} == "usage: $BW [OPTIONS...] [--] COMMAND [ARGS...]" ]] ||
        fail "first line: ${lines[0]}"
    # Error lines keep the bare name.
    run --separate-stderr "$BW" --no-such-option
    assert_status 1
    [[ $stderr == "bwrap: Unknown option --no-such-option" ]] || fail "stderr: $stderr"
}

@test "no arguments: the usage on stderr, status 1" {
    PATH=$T/bin:$PATH run --separate-stderr bwrap
    assert_status 1
    [[ -z $output ]] || fail "stdout: $output"
    [[ ${stderr%%$'\n'*} == "usage: bwrap [OPTIONS...] [--] COMMAND [ARGS...]" ]] ||
        fail "stderr: $stderr"
}

@test "--perms and --size: bad values and misplaced ones" {
    bw_error "--perms takes an octal argument <= 07777" --perms 9999 --dir /x -- /bin/true
    bw_error "--perms must be followed by an option that creates a file" \
        --perms 0700 --ro-bind / / -- /bin/true
    bw_error "--size takes a non-zero number of bytes" --size 0 --tmpfs /x -- /bin/true
    bw_error "--size must be followed by --tmpfs" --size 4096 --dir /x -- /bin/true
}

@test "an option without its values" {
    bw_error "--bind takes two arguments" --bind /
    bw_error "--chdir takes one argument" --chdir
    bw_error "--setenv takes two arguments" --setenv X
}

@test "a command that cannot be run: 'bwrap: execvp'" {
    bw_error "execvp /nonexistent: No such file or directory" --ro-bind / / -- /nonexistent
}

@test "a warning: 'bwrap: Only the last --chdir option will take effect'" {
    run --separate-stderr "$BW" --ro-bind / / --chdir / --chdir /usr -- pwd
    assert_success
    assert_output /usr
    [[ $stderr == "bwrap: Only the last --chdir option will take effect" ]] || fail "stderr: $stderr"
}

@test "--level-prefix: <3>bwrap:" {
    needs_option --level-prefix
    run --separate-stderr "$BW" --level-prefix --ro-bind / / --foo
    assert_status 1
    [[ $stderr == "<3>bwrap: Unknown option --foo" ]] || fail "stderr: $stderr"
}

@test "cross-option refusals: --userns with --unshare-user, --hostname without --unshare-uts" {
    bw_error "--userns not compatible --unshare-user" \
        --ro-bind / / --unshare-user --userns 3 -- /bin/true 3</proc/self/ns/user
    bw_error "Specifying --hostname requires --unshare-uts" \
        --ro-bind / / --hostname box -- /bin/true
}

@test "--uid without a user namespace, as root: 'bwrap: Specifying --uid requires'" {
    skip_unless_root
    bw_error "Specifying --uid requires --unshare-user or --userns" \
        --ro-bind / / --uid 5 -- /bin/true
}

@test "--json-status-fd: the child's pid first, the exit code last" {
    run --separate-stderr "$BW" --ro-bind / / --json-status-fd 3 -- /bin/sh -c 'exit 3' 3>"$T/status"
    assert_status 3
    run cat "$T/status"
    assert_output_matches '^\{ "child-pid": [0-9]+[^}]*\}'
    [[ ${lines[-1]} == '{ "exit-code": 3 }' ]] || fail "last document: ${lines[-1]}"
}

@test "--info-fd: the child's pid, as JSON" {
    run --separate-stderr "$BW" --ro-bind / / --info-fd 3 -- /bin/true 3>"$T/info"
    assert_success
    run cat "$T/info"
    assert_output_matches '^\{'$'\n''    "child-pid": [0-9]+'
}

@test "--args: arguments read from an fd" {
    printf '%s\0' --ro-bind / / --setenv FROM args >"$T/args"
    run --separate-stderr "$BW" --args 3 -- /bin/sh -c 'echo $FROM' 3<"$T/args"
    assert_success
    assert_output args
}

@test "the note about the implicit safe preset speaks as bwrap too" {
    hutch_only "bubblewrap has no presets"
    run --separate-stderr "$BW" -- /bin/true
    assert_success
    [[ $stderr == "bwrap: no file-system options given: applying --preset safe"* ]] ||
        fail "stderr: $stderr"
}
