#!/usr/bin/env bats
# Presets: --preset NAME, and the safe sandbox of a bare `hutch -- CMD`.

setup() {
    load helpers
    hutch_setup
    hutch_only
    # A HOME with something in it, and a project directory as cwd.
    mkdir -p "$T/home/.ssh" "$T/project"
    echo secret >"$T/home/.ssh/id_test"
    echo source >"$T/project/main.c"
    export HOME=$T/home
    cd "$T/project"
}

teardown() { hutch_teardown; }

# run a bare sandbox: no file-system option at all
bare() { run --separate-stderr "$HUTCH" "$@"; }

@test "bare: hutch -- CMD applies the safe preset and says so on stderr" {
    bare -- /bin/sh -c 'echo ran'
    assert_success
    assert_output ran
    [[ $stderr == "$HUTCH_NAME: no file-system options given: applying --preset safe"* ]] ||
        fail "expected the safe-preset note, got: $stderr"
}

@test "bare: --quiet hides the note, and naming the preset needs none" {
    bare --quiet -- /bin/true
    assert_success
    [[ -z $stderr ]] || fail "expected no note, got: $stderr"
    bare --preset safe -- /bin/true
    assert_success
    [[ -z $stderr ]] || fail "expected no note, got: $stderr"
}

@test "bare: /usr is read-only" {
    bare --quiet -- /bin/sh -c 'touch /usr/.hutch-probe 2>&1; echo rc=$?'
    assert_success
    assert_output_contains "Read-only file system"
    assert_output_contains "rc=1"
    assert_no_path /usr/.hutch-probe
}

@test "bare: HOME is an empty directory at the same path" {
    bare --quiet -- /bin/sh -c 'echo "home=$HOME"; ls -A "$HOME" | wc -l; cat "$HOME/.ssh/id_test" 2>&1 || true'
    assert_success
    assert_output_contains "home=$T/home"
    [[ ${lines[1]} == 0 ]] || fail "HOME not empty" "$(_show_run)"
    assert_output_not_contains secret
}

@test "bare: no network but loopback" {
    bare --quiet -- /bin/sh -c 'awk -F: "NR > 2 { gsub(/ /, \"\", \$1); print \$1 }" /proc/net/dev'
    assert_success
    assert_output lo
}

@test "bare: the command is PID 2 behind a reaper, PID 1 with --as-pid-1" {
    bare --quiet -- /bin/sh -c 'echo $$'
    assert_output 2
    bare --quiet --as-pid-1 -- /bin/sh -c 'echo $$'
    assert_output 1
}

@test "bare: the command runs in a new session" {
    local outer
    outer=$(awk '{ print $6 }' /proc/self/stat)
    bare --quiet -- /bin/sh -c 'awk "{ print \$6 }" /proc/self/stat'
    assert_success
    [[ -n $output && $output != "$outer" ]] || fail "same session $outer" "$(_show_run)"
}

@test "bare: the default seccomp policy is on and denies a new user namespace" {
    skip_unless_cmd unshare
    "$HUTCH" --version | grep -q libseccomp || skip "built without libseccomp"
    bare --quiet -- /bin/sh -c 'grep "^Seccomp:" /proc/self/status; unshare -U true 2>&1; echo rc=$?'
    assert_output_contains "Seccomp:	2"
    assert_output_contains "rc=1"
}

@test "bare: the current directory is visible read-only and is the working directory" {
    bare --quiet -- /bin/sh -c 'pwd; cat main.c; touch new.c 2>&1; echo rc=$?'
    assert_success
    assert_output_contains "$T/project"
    assert_output_contains source
    assert_output_contains "Read-only file system"
    assert_no_path "$T/project/new.c"
}

@test "bare: the hostname is hutch" {
    bare --quiet -- /bin/cat /proc/sys/kernel/hostname
    assert_output hutch
}

@test "bare: a cwd that holds HOME is not shown (only the empty HOME)" {
    cd "$T"
    bare --quiet -- /bin/sh -c 'ls "$HOME/.ssh" 2>&1; ls "'"$T"'/project" 2>&1; echo end'
    assert_output_not_contains id_test
    assert_output_not_contains main.c
}

@test "--preset build: the current directory is writable, the rest of the host is not" {
    run --separate-stderr "$HUTCH" --preset build -- /bin/sh -c \
        'echo built >out.o && echo ok; touch /usr/x 2>&1; echo tmp >/tmp/t; echo done'
    assert_success
    assert_file_content "$T/project/out.o" built
    assert_output_contains "Read-only file system"
    assert_no_path /tmp/t
    assert_no_path /usr/x
}

@test "a later --bind over HOME wins over the preset's empty HOME" {
    run --separate-stderr "$HUTCH" --preset safe --ro-bind "$T/home" "$T/home" -- \
        /bin/cat "$T/home/.ssh/id_test"
    assert_success
    assert_output secret
}

@test "a later --share-net (or --preset net) gives the host's network back" {
    local host_net
    host_net=$(readlink /proc/self/ns/net)
    run --separate-stderr "$HUTCH" --preset safe --share-net -- /bin/readlink /proc/self/ns/net
    assert_success
    assert_output "$host_net"
    run --separate-stderr "$HUTCH" --preset safe --preset net -- /bin/readlink /proc/self/ns/net
    assert_output "$host_net"
    bare --quiet --share-net -- /bin/readlink /proc/self/ns/net
    assert_output "$host_net"
}

@test "an explicit --hostname and --chdir beat the implicit preset's" {
    bare --quiet --hostname box --chdir / -- /bin/sh -c 'cat /proc/sys/kernel/hostname; pwd'
    assert_success
    assert_output "box
/"
}

@test "--preset list shows every preset and its expansion" {
    run "$HUTCH" --preset list
    assert_success
    local p
    for p in safe build desktop desktop-dbus net; do
        assert_output_contains "$p: "
    done
    assert_output_contains "--unshare-all"
    assert_output_contains "--tmpfs $T/home"
}

@test "an unknown preset is an error listing the valid ones" {
    expect_error '--preset: unknown preset "nope" (valid: safe, build, desktop, desktop-dbus, net, list)' \
        --preset nope -- /bin/true
}

@test "--preset without a name is an error" {
    expect_error "--preset takes an argument" --preset
}

@test "--preset desktop shares the network and binds the X socket when there is one" {
    mkdir -p "$T/x"
    DISPLAY= run --separate-stderr "$HUTCH" --preset desktop -- /bin/readlink /proc/self/ns/net
    assert_success
    assert_output "$(readlink /proc/self/ns/net)"
}
