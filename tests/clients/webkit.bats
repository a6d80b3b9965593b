#!/usr/bin/env bats
# WebKitGTK (Debian's libwebkit2gtk-4.1, through python3-gi) runs its web
# process in a bwrap sandbox: /usr/bin/bwrap, a path it has built in.  The
# test puts the logging stand-in (running $HUTCH) over /usr/bin/bwrap in a
# private mount namespace (unshare -m as root; a $HUTCH sandbox of the whole
# host as the unprivileged user), and the test's own home over the caller's,
# then loads a local page under Xvfb whose script changes the title.

setup() {
    load clients
    clients_setup
    skip_unless_cmd xvfb-run Xvfb unshare
    [[ -x /usr/bin/python3 ]] || skip "needs Debian's /usr/bin/python3"
    /usr/bin/python3 -c 'import gi; gi.require_version("WebKit2", "4.1")' 2>/dev/null ||
        skip "needs python3-gi and gir1.2-webkit2-4.1"
    [[ -e /usr/bin/bwrap ]] || skip "needs a file at /usr/bin/bwrap to put the stand-in over"
    CALLER_HOME=$(getent passwd "$CLIENT_USER" | cut -d: -f6)
    [[ -d $CALLER_HOME && $CALLER_HOME == /* && $CALLER_HOME != / ]] ||
        skip "$CLIENT_USER has no home directory"
    SECRET=$CALLER_HOME/secret-notes.txt
}

teardown() {
    hutch_teardown
}

# webkit_run DIR REAL : the WebView on DIR/page.html with REAL as the web
# process's bwrap; the Python's stdout in $output, its stderr in $stderr
webkit_run() {
    local dir=$1 real=$2 outer
    client_dir "$dir" "$real" || return 1
    cp "$FIX/page.html" "$dir/page.html" || return 1
    echo "not for web pages" >"$dir/home/secret-notes.txt" || return 1
    if is_root; then
        # shellcheck disable=SC2016
        outer=(unshare -m --propagation private -- /bin/sh -c \
            'mount --bind "$1" /usr/bin/bwrap && mount --bind "$2" "$3" && shift 3 && exec "$@"' \
            sh "$dir/bin/bwrap" "$dir/home" "$CALLER_HOME")
    else
        outer=("$HUTCH" --dev-bind / / --ro-bind "$dir/bin/bwrap" /usr/bin/bwrap
            --bind "$dir/home" "$CALLER_HOME" --)
    fi
    client_env "$CALLER_HOME" "PATH=$CLIENT_PATH" WEBKIT_FORCE_SANDBOX=1 NO_AT_BRIDGE=1
    run --separate-stderr "${outer[@]}" "${CLIENT_ENV[@]}" \
        timeout 120 xvfb-run -a -s "-nolisten tcp" \
        /usr/bin/python3 "$FIX/webview.py" "file://$dir/page.html" "$SECRET"
}

# assert_webkit_result DIR : what the page did, and what its sandbox kept out
assert_webkit_result() {
    local dir=$1
    assert_client_success "$dir"
    has_line "sandbox_enabled=True" "$output" || fail "the sandbox was not on" "$(_show_run)"
    has_line "title=changed by script: 42 file:" "$output" ||
        fail "the page's script did not set the title" "$(_show_run)"
    # The web process was started through the stand-in, with --args.
    log_has '^argv: --args [0-9]+ -- /usr/lib/[^ ]*/WebKitWebProcess( |$)' "$dir"
    log_has '^args-fd [0-9]+: .* --unshare-net( |$)' "$dir"
    has_line "web_processes=1" "$output" || fail "expected one web process" "$(_show_run)"
    # Its root is readable from outside (it holds its own binary), and the
    # caller's file is not in it, though the caller sees it.
    has_line "web_process_sees_its_binary=yes" "$output" || fail "$(_show_run)"
    has_line "caller_sees_secret=yes" "$output" || fail "$(_show_run)"
    has_line "web_process_sees_secret=no" "$output" ||
        fail "the web process sees $SECRET" "$(_show_run)"
    # The home itself is not bound in: only directories under it are.
    log_lacks "--(ro-|dev-)?bind(-try)? $(ere "$CALLER_HOME") " "$dir"
    # No network but loopback; its own PID and UTS namespaces.
    has_line "web_process_interfaces=lo" "$output" || fail "$(_show_run)"
    has_line "web_process_same_pid_ns=no" "$output" || fail "$(_show_run)"
    has_line "web_process_same_uts_ns=no" "$output" || fail "$(_show_run)"
}

# Fails with hutch 0.1.0: WebKit asks for
#   --ro-bind-try /lib64/../libexec/gstreamer-1.0/gst-plugin-scanner /lib64/../libexec/gstreamer-1.0/gst-plugin-scanner
# and hutch refuses a destination with ".." (bubblewrap resolves it); passes
# once hutch accepts ".." in destinations.
@test "WebKitGTK: a page's script changes the title in a web process sandboxed by hutch" {
    webkit_run "$T/hutch" "$HUTCH"
    assert_webkit_result "$T/hutch"
}

@test "WebKitGTK: the same page, result and bwrap command line with bubblewrap 0.11.1" {
    skip_unless_bwrap011
    webkit_run "$T/hutch" "$HUTCH"
    local hutch_output=$output hutch_stderr=$stderr
    webkit_run "$T/bwrap" "$BWRAP011"
    assert_webkit_result "$T/bwrap"
    [[ $hutch_output == "$output" ]] ||
        fail "hutch's run printed:" "$hutch_output" "and on stderr:" "$hutch_stderr" \
            "bubblewrap 0.11.1's:" "$output"
    assert_same_log "$T/hutch" "$T/bwrap"
}
