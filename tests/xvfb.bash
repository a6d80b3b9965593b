# A virtual display for the suites that run X11 clients (presets.bats,
# profile-apps.bats): `load xvfb`, start_xvfb in the test, stop_xvfb in
# teardown.

has_window() {
    xwininfo -root -tree -display "$DISPLAY" 2>/dev/null | grep -q "\"$1\""
}

# start_xvfb : a display of its own on the first free number, as DISPLAY
# (its socket X_SOCKET)
start_xvfb() {
    skip_unless_cmd Xvfb xwininfo
    [[ -d /tmp/.X11-unix && -w /tmp/.X11-unix ]] || [[ ! -e /tmp/.X11-unix ]] ||
        skip "/tmp/.X11-unix is not writable for Xvfb"
    # -noreset, or it would restart (and drop connections) each time its
    # last client leaves.
    Xvfb -displayfd 5 -screen 0 320x240x24 -br -noreset -nolisten tcp 5>"$T/display" 2>"$T/xvfb.log" &
    XVFB_PID=$!
    wait_until 20 file_nonempty "$T/display" || fail "Xvfb did not start" "$(cat "$T/xvfb.log")"
    DISPLAY=":$(head -n 1 "$T/display")"
    export DISPLAY
    X_SOCKET=/tmp/.X11-unix/X${DISPLAY#:}
    wait_until 20 xwininfo -root -display "$DISPLAY" >/dev/null 2>&1 ||
        fail "the display does not answer" "$(cat "$T/xvfb.log")"
    [[ -S $X_SOCKET ]] || fail "no socket $X_SOCKET"
}

# stop_xvfb : Xvfb removes its socket and lock file on SIGTERM, not on
# teardown's SIGKILL
stop_xvfb() {
    if [[ -n ${XVFB_PID:-} ]]; then
        kill -TERM "$XVFB_PID" 2>/dev/null || true
        wait "$XVFB_PID" 2>/dev/null || true
    fi
}
