#!/usr/bin/env bats
# Flatpak 1.14 (Debian's flatpak) runs apps, and its install triggers, with
# bwrap from PATH: the logging stand-in (running $HUTCH) comes first there.
# Offline: a runtime made of the host's dash and the libraries it loads, an
# app of one shell script (fixtures/flatpak/hello), both exported to a local
# repository and installed per user (--user, in the test's own home), then
# `flatpak run`.  Installing an app as a user other than root asks the
# system bus about parental controls: the test starts a bus of its own (a
# dbus-daemon with the session configuration, on which no such service
# exists) and gives flatpak its address as DBUS_SYSTEM_BUS_ADDRESS.

setup() {
    load clients
    clients_setup
    skip_unless_cmd flatpak dbus-daemon
    local pid
    pid=$(dbus-daemon --session --address="unix:path=$T/system-bus" --fork --print-pid) ||
        fail "could not start a dbus-daemon"
    track_pid "$pid"
}

teardown() {
    hutch_teardown
}

# flatpak_in DIR ARGS... : flatpak with DIR/home as the home, DIR/bin first
# in PATH
flatpak_in() {
    local dir=$1
    shift
    client_env "$dir/home" "PATH=$dir/bin:$CLIENT_PATH" \
        "DBUS_SYSTEM_BUS_ADDRESS=unix:path=$T/system-bus"
    (cd "$dir" && "${CLIENT_ENV[@]}" timeout 120 flatpak "$@")
}

# flatpak_hello DIR REAL : build, export, install and run the app with REAL
# as bwrap; the app's output in $output
flatpak_hello() {
    local dir=$1 real=$2 lib
    client_dir "$dir" "$real" || return 1
    mkdir -p "$dir/runtime/usr/bin" "$dir/runtime/files" || return 1
    cp "$FIX/flatpak/runtime.metadata" "$dir/runtime/metadata" &&
        cp /bin/dash "$dir/runtime/usr/bin/sh" || return 1
    # (in the sandbox /lib and /lib64 lead into the runtime's /usr)
    for lib in $(ldd /bin/dash | grep -oE '/[^ ]+'); do
        install -D -m 755 "$lib" "$dir/runtime/usr${lib#/usr}" || return 1
    done
    run flatpak_in "$dir" build-export --runtime "$dir/repo" "$dir/runtime" 1
    assert_client_success "$dir"
    run flatpak_in "$dir" --user remote-add --no-gpg-verify hutch-local "$dir/repo"
    assert_client_success "$dir"
    run flatpak_in "$dir" --user install -y --noninteractive hutch-local org.hutch.Platform//1
    assert_client_success "$dir"
    run flatpak_in "$dir" build-init "$dir/app" org.hutch.Hello org.hutch.Platform org.hutch.Platform 1
    assert_client_success "$dir"
    install -D -m 755 "$FIX/flatpak/hello" "$dir/app/files/bin/hello" || return 1
    run flatpak_in "$dir" build-finish "$dir/app" --command=hello
    assert_client_success "$dir"
    run flatpak_in "$dir" build-export "$dir/repo" "$dir/app" master
    assert_client_success "$dir"
    run flatpak_in "$dir" --user install -y --noninteractive hutch-local org.hutch.Hello
    assert_client_success "$dir"
    echo "not for apps" >"$dir/home/secret-notes.txt" || return 1
    run --separate-stderr flatpak_in "$dir" run org.hutch.Hello
}

# assert_flatpak_result DIR : what the app did, and what its sandbox kept out
assert_flatpak_result() {
    local dir=$1
    assert_client_success "$dir"
    has_line "hello from org.hutch.Hello" "$output" || fail "the app did not run" "$(_show_run)"
    # Its data directory is writable, and is the one in the home.
    has_line "data-write=done" "$output" || fail "$(_show_run)"
    assert_file_content "$dir/home/.var/app/org.hutch.Hello/data/app-data" "data from the app"
    # Not the rest of the home, not the host's /usr, no network.
    has_line "secret=hidden" "$output" || fail "the app sees the home's file" "$(_show_run)"
    has_line "host-usr=hidden" "$output" || fail "$(_show_run)"
    has_line "usr-write=refused" "$output" || fail "$(_show_run)"
    [[ $(grep '^interface=' <<<"$output" | tail -n +3) == "interface=lo:" ]] ||
        fail "the app saw network interfaces" "$(_show_run)"
    # flatpak run gave the stand-in its arguments through --args, with the
    # runtime and the app bound from descriptors; the install triggers ran
    # through it too.
    log_has '^argv: --args [0-9]+ -- hello$' "$dir"
    log_has '^args-fd [0-9]+: --ro-bind-fd [0-9]+ /usr --lock-file /usr/\.ref --ro-bind-fd [0-9]+ /app ' "$dir"
    log_has '^argv: --unshare-ipc --unshare-net --unshare-pid --ro-bind / / .* /usr/share/flatpak/triggers/' "$dir"
    log_lacks "^args-fd .* --(ro-|dev-)?bind(-try)? ($(ere "$dir/home")|/) " "$dir"
}

@test "Flatpak: flatpak run of a local app in a hutch sandbox" {
    flatpak_hello "$T/hutch" "$HUTCH"
    assert_flatpak_result "$T/hutch"
}

@test "Flatpak: the same app output and bwrap command lines with bubblewrap 0.11.1" {
    skip_unless_bwrap011
    flatpak_hello "$T/hutch" "$HUTCH"
    local hutch_output=$output hutch_stderr=$stderr
    flatpak_hello "$T/bwrap" "$BWRAP011"
    assert_flatpak_result "$T/bwrap"
    [[ $hutch_output == "$output" ]] ||
        fail "hutch's run printed:" "$hutch_output" "and on stderr:" "$hutch_stderr" \
            "bubblewrap 0.11.1's:" "$output"
    assert_same_log "$T/hutch" "$T/bwrap"
}
