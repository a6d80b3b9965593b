#!/usr/bin/env bats
# How diagnostics are worded and marked: --level-prefix (syslog levels
# for journald), and the one-line refusal of SELinux labels on a host
# without SELinux.

setup() {
    load helpers
    hutch_setup
}

teardown() {
    hutch_teardown
}

# --- --level-prefix ------------------------------------------------------------------

@test "--level-prefix: an error starts with <3>" {
    needs_option --level-prefix
    hutch_error --level-prefix --no-such-option
    assert_status 1
    [[ $stderr == "<3>$HUTCH_NAME: Unknown option --no-such-option" ]] ||
        fail "stderr: $stderr"
}

@test "--level-prefix: a warning starts with <4>, and the command still runs" {
    needs_option --level-prefix
    run --separate-stderr "$HUTCH" --level-prefix --ro-bind / / --chdir / --chdir /usr -- pwd
    assert_success
    assert_output /usr
    [[ $stderr == "<4>$HUTCH_NAME: Only the last --chdir option will take effect" ]] ||
        fail "stderr: $stderr"
}

@test "--level-prefix: errors of the later phases are marked too" {
    needs_option --level-prefix
    hutch_error --level-prefix --ro-bind /nonexistent /mnt -- /bin/true
    assert_status 1
    [[ $stderr == "<3>$HUTCH_NAME: Can't find source path /nonexistent: No such file or directory" ]] ||
        fail "stderr: $stderr"
    # From inside the sandbox, once everything is set up.
    run --separate-stderr "$HUTCH" --level-prefix --ro-bind / / -- /nonexistent
    assert_status 1
    [[ $stderr == "<3>$HUTCH_NAME: execvp /nonexistent: No such file or directory" ]] ||
        fail "stderr: $stderr"
}

@test "--level-prefix marks what comes after it on the command line" {
    needs_option --level-prefix
    # --perms is refused as soon as it is read: before --level-prefix is.
    hutch_error --perms 9999 --level-prefix --dir /x -- /bin/true
    assert_status 1
    assert_error_line "--perms takes an octal argument <= 07777"
}

@test "without --level-prefix there is no level" {
    hutch_error --no-such-option
    assert_status 1
    assert_error_line "Unknown option --no-such-option"
}

@test "--level-prefix leaves --help alone" {
    needs_option --level-prefix
    # (called by name: bubblewrap writes its argv[0] as given)
    PATH=${HUTCH%/*}:$PATH run --separate-stderr "$HUTCH_NAME" --level-prefix --help
    assert_success
    [[ ${lines[0]} == "usage: $HUTCH_NAME [OPTIONS...] [--] COMMAND [ARGS...]" ]] ||
        fail "first line: ${lines[0]}"
    assert_stderr_empty
}

# --- --exec-label, --file-label --------------------------------------------------------

selinux_enabled() {
    [[ -e /sys/fs/selinux/enforce ]]
}

# The refusal this build gives for OPTION LABEL where SELinux is not enabled.
label_refusal() {
    if "$HUTCH" --version | grep -qw selinux; then
        echo "$1 $2: SELinux is not enabled on this host"
    else
        echo "$1 $2: this hutch was built without SELinux support (configure --with-selinux)"
    fi
}

@test "--exec-label without SELinux: one line, before anything runs" {
    hutch_only "bubblewrap says 'labeling not supported on this system'"
    ! selinux_enabled || skip "SELinux is enabled here"
    expect_error "$(label_refusal --exec-label system_u:system_r:container_t:s0)" \
        --ro-bind / / --bind "$T" /mnt --exec-label system_u:system_r:container_t:s0 -- \
        /bin/sh -c 'echo >/mnt/ran'
    assert_no_path "$T/ran"
}

@test "--file-label without SELinux: one line, before anything runs" {
    hutch_only "bubblewrap says 'labeling not supported on this system'"
    ! selinux_enabled || skip "SELinux is enabled here"
    expect_error "$(label_refusal --file-label system_u:object_r:container_file_t:s0)" \
        --ro-bind / / --tmpfs /tmp --file-label system_u:object_r:container_file_t:s0 -- /bin/true
}
