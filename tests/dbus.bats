#!/usr/bin/env bats
# --dbus-talk and the other --dbus-* options: a filtered D-Bus through
# xdg-dbus-proxy.
#
# The file starts its own bus: a dbus-daemon --session with a config of its
# own, listening on a socket in the file's directory (and on an abstract
# socket, for the tests of the network rule), and a small python3-dbus
# service that owns two names, org.hutch.Allowed and org.hutch.Hidden, and
# answers org.hutch.Test.Hello on /org/hutch/Test with the first name.
# XDG_RUNTIME_DIR is a directory of the file's too: the proxy's private
# directory is made there, and must be gone after every run.

PYTHON=/usr/bin/python3 # Debian's, with python3-dbus and python3-gi

setup_file() {
    load helpers
    local why=""
    for c in dbus-daemon xdg-dbus-proxy gdbus; do
        command -v "$c" >/dev/null 2>&1 || why="needs $c"
    done
    [[ -n $why ]] || "$PYTHON" -c 'import dbus, dbus.mainloop.glib; from gi.repository import GLib' \
        2>/dev/null || why="needs python3-dbus and python3-gi"
    if [[ -n $why ]]; then
        export DBUS_SKIP=$why
        return 0
    fi
    local d=$BATS_FILE_TMPDIR
    mkdir -m 0700 "$d/rt" "$d/busdir"
    export DBUS_ABSTRACT=hutch-test-$$-$RANDOM
    cat >"$d/busdir/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=$d/busdir/bus</listen>
  <listen>unix:abstract=$DBUS_ABSTRACT</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
    cat >"$d/service.py" <<'EOF'
import sys
import dbus, dbus.service
from dbus.mainloop.glib import DBusGMainLoop
from gi.repository import GLib

DBusGMainLoop(set_as_default=True)
bus = dbus.bus.BusConnection(sys.argv[1])

class Test(dbus.service.Object):
    @dbus.service.method("org.hutch.Test", out_signature="s")
    def Hello(self):
        return "hello from org.hutch.Allowed"

names = [dbus.service.BusName(n, bus) for n in ("org.hutch.Allowed", "org.hutch.Hidden")]
Test(bus, "/org/hutch/Test")
print("ready", flush=True)
GLib.MainLoop().run()
EOF
    DBUS_DAEMON_PID=$(dbus-daemon --config-file="$d/busdir/bus.conf" --fork --print-pid) || {
        export DBUS_SKIP="dbus-daemon did not start"
        return 0
    }
    export DBUS_DAEMON_PID
    export DBUS_SESSION_BUS_ADDRESS=unix:path=$d/busdir/bus
    export XDG_RUNTIME_DIR=$d/rt
    export BUS=$d/busdir/bus
    "$PYTHON" "$d/service.py" "$DBUS_SESSION_BUS_ADDRESS" >"$d/service.out" 2>&1 </dev/null 3>&- &
    export DBUS_SERVICE_PID=$!
    local i
    for ((i = 0; i < 600; i++)); do # (30 s at most)
        grep -q ready "$d/service.out" 2>/dev/null && break
        sleep 0.05
    done
    grep -q ready "$d/service.out" || export DBUS_SKIP="the test service did not start: $(cat "$d/service.out")"
}

teardown_file() {
    [[ -z ${DBUS_SERVICE_PID-} ]] || kill "$DBUS_SERVICE_PID" 2>/dev/null || true
    [[ -z ${DBUS_DAEMON_PID-} ]] || kill "$DBUS_DAEMON_PID" 2>/dev/null || true
}

setup() {
    load helpers
    [[ -z ${DBUS_SKIP-} ]] || skip "$DBUS_SKIP"
    hutch_setup
}

teardown() {
    hutch_teardown
    # No run leaves the proxy's directory behind.
    [[ -z ${XDG_RUNTIME_DIR-} ]] || ! compgen -G "$XDG_RUNTIME_DIR/hutch-dbus-*" >/dev/null ||
        fail "left behind: $(echo "$XDG_RUNTIME_DIR"/hutch-dbus-*)"
}

# The calls the sandbox makes, with gdbus.
HELLO_ALLOWED='gdbus call --session -d org.hutch.Allowed -o /org/hutch/Test -m org.hutch.Test.Hello'
HELLO_HIDDEN='gdbus call --session -d org.hutch.Hidden -o /org/hutch/Test -m org.hutch.Test.Hello'
LIST_NAMES='gdbus call --session -d org.freedesktop.DBus -o /org/freedesktop/DBus -m org.freedesktop.DBus.ListNames'
OWN_MINE='gdbus call --session -d org.freedesktop.DBus -o /org/freedesktop/DBus -m org.freedesktop.DBus.RequestName org.hutch.Mine 4'

# env_error ENV... -- ARGS... : hutch_error, with hutch's environment changed
# by env(1)'s ENV arguments (VAR=VALUE, -u VAR).
env_error() {
    local envs=()
    while [[ $1 != -- ]]; do
        envs+=("$1")
        shift
    done
    shift
    host_snapshot
    run --separate-stderr env "${envs[@]}" "$HUTCH" "$@"
    assert_host_unchanged
}

# proxy_pid FILE : the dbus-proxy-pid of an --info-fd report.
proxy_pid() {
    sed -n 's/.*"dbus-proxy-pid": \([0-9]*\).*/\1/p' "$1"
}

@test "dbus: a call to a --dbus-talk name works through the proxy, not through the real socket" {
    run --separate-stderr min_sh --dbus-talk org.hutch.Allowed \
        "echo \"\$DBUS_SESSION_BUS_ADDRESS\"; $HELLO_ALLOWED; if test -e '$BUS'; then echo real-socket-there; fi"
    assert_success
    [[ ${lines[0]} == "unix:path=$XDG_RUNTIME_DIR/bus" ]] || fail "address inside: ${lines[0]}"
    [[ ${lines[1]} == "('hello from org.hutch.Allowed',)" ]] || fail "call: ${lines[1]}"
    assert_output_not_contains real-socket-there
}

@test "dbus: a call to a name no rule allows fails as if it had no owner (it works outside)" {
    run $HELLO_HIDDEN
    assert_success
    assert_output_contains "hello from"
    run --separate-stderr min_sh --dbus-talk org.hutch.Allowed "$HELLO_HIDDEN"
    assert_status 1
    [[ -z $output ]] || fail "a reply came: $output"
    [[ $stderr == *ServiceUnknown* || $stderr == *NameHasNoOwner* ]] || fail "error: $stderr"
}

@test "dbus: owning a name no --dbus-own allows fails; --dbus-own allows it" {
    run --separate-stderr min_sh --dbus-talk org.hutch.Allowed "$OWN_MINE"
    assert_status 1
    [[ -z $output ]] || fail "the bus answered: $output"
    [[ $stderr == *org.freedesktop.DBus.Error.* ]] || fail "error: $stderr"
    # (reply 1: the primary owner)
    run --separate-stderr min_sh --dbus-own org.hutch.Mine "$OWN_MINE"
    assert_success
    assert_output "(uint32 1,)"
}

@test "dbus: ListNames shows only the names --dbus-talk and --dbus-see allow" {
    run --separate-stderr min_sh --dbus-talk org.hutch.Allowed "$LIST_NAMES"
    assert_success
    assert_output_contains "'org.hutch.Allowed'"
    assert_output_contains "'org.freedesktop.DBus'"
    assert_output_not_contains org.hutch.Hidden
    run --separate-stderr min_sh --dbus-talk org.hutch.Allowed --dbus-see org.hutch.Hidden \
        "$LIST_NAMES; $HELLO_HIDDEN"
    assert_status 1
    assert_output_contains "'org.hutch.Hidden'"
    assert_output_not_contains "hello from"
    # Outside, both are there.
    run $LIST_NAMES
    assert_output_contains "'org.hutch.Hidden'"
}

@test "dbus: a prefix NAME.* allows every name below it" {
    run --separate-stderr min_sh --dbus-talk 'org.hutch.*' "$HELLO_HIDDEN"
    assert_success
    assert_output "('hello from org.hutch.Allowed',)"
}

@test "dbus: --dbus-call allows the calls its rule matches, no others" {
    run --separate-stderr min_sh --dbus-call 'org.hutch.Hidden=org.hutch.Test.Hello@/org/hutch/Test' \
        "$HELLO_HIDDEN"
    assert_success
    assert_output "('hello from org.hutch.Allowed',)"
    run --separate-stderr min_sh --dbus-call 'org.hutch.Hidden=org.hutch.Test.Other@/org/hutch/Test' \
        "$HELLO_HIDDEN"
    assert_status 1
    assert_output_not_contains "hello from"
}

@test "dbus: where a bind would show the real socket, the proxy's socket is there instead" {
    local busdir=${BUS%/*}
    run --separate-stderr min_sh --dbus-talk org.hutch.Allowed --ro-bind "$busdir" "$busdir" \
        --ro-bind "$busdir" /elsewhere "
        ls '$busdir' | grep -q bus.conf || exit 9
        DBUS_SESSION_BUS_ADDRESS=unix:path=$BUS $LIST_NAMES
        DBUS_SESSION_BUS_ADDRESS=unix:path=/elsewhere/bus $LIST_NAMES"
    assert_success
    [[ ${#lines[@]} == 2 ]] || fail "expected two lists: $output"
    assert_output_contains "'org.hutch.Allowed'"
    assert_output_not_contains org.hutch.Hidden
    # (through the host's tree, too)
    run --separate-stderr hutch_sh --dbus-talk org.hutch.Allowed --tmpfs "$XDG_RUNTIME_DIR" \
        "DBUS_SESSION_BUS_ADDRESS=unix:path=$BUS $LIST_NAMES"
    assert_success
    assert_output_contains "'org.hutch.Allowed'"
    assert_output_not_contains org.hutch.Hidden
    # The usual desktop: no address in the environment, the bus at
    # $XDG_RUNTIME_DIR/bus, and the host's tree read-only.
    run --separate-stderr env -u DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR="$busdir" "$HUTCH" \
        "${SB[@]}" --dbus-talk org.hutch.Allowed -- sh -c "
        echo \"\$DBUS_SESSION_BUS_ADDRESS\"; $LIST_NAMES
        ls -a '$busdir' | grep hutch-dbus || echo no-private-dir"
    assert_success
    assert_output_contains no-private-dir
    [[ ${lines[0]} == "unix:path=$BUS" ]] || fail "address inside: ${lines[0]}"
    assert_output_contains "'org.hutch.Allowed'"
    assert_output_not_contains org.hutch.Hidden
    assert_no_path "$busdir"/hutch-dbus-*
}

@test "dbus: the proxy runs as the caller while the command does and is gone once it ends" {
    mkfifo "$T/go"
    "$HUTCH" "${MINROOT[@]}" --dbus-talk org.hutch.Allowed --info-fd 3 --bind "$T" /out \
        -- cat /out/go 3>"$T/info" >/dev/null &
    local hutch_pid=$!
    track_pid "$hutch_pid"
    wait_until 20 grep -q dbus-proxy-pid "$T/info" || fail "no report: $(cat "$T/info")"
    local p
    p=$(proxy_pid "$T/info")
    [[ -n $p ]] && pid_alive "$p" || fail "proxy $p not running"
    [[ $(cat "/proc/$p/comm") == xdg-dbus-proxy ]] || fail "PID $p is $(cat "/proc/$p/comm")"
    # As the caller: every uid and gid its own (the setuid build's saved
    # root id gone), and for a caller who is not root no capability.
    local u g
    u=$(id -u) g=$(id -g)
    grep -qx "Uid:"$'\t'"$u"$'\t'"$u"$'\t'"$u"$'\t'"$u" "/proc/$p/status" ||
        fail "$(grep Uid: "/proc/$p/status")"
    grep -qx "Gid:"$'\t'"$g"$'\t'"$g"$'\t'"$g"$'\t'"$g" "/proc/$p/status" ||
        fail "$(grep Gid: "/proc/$p/status")"
    if ! is_root; then
        grep -qx $'CapPrm:\t0000000000000000' "/proc/$p/status" || fail "$(grep CapPrm: "/proc/$p/status")"
    fi
    echo go >"$T/go"
    wait "$hutch_pid" || fail "hutch failed"
    wait_until 10 pid_gone "$p" || fail "proxy $p still there after the command ended"
}

@test "dbus: the proxy dies with hutch when hutch is SIGKILLed" {
    "$HUTCH" "${MINROOT[@]}" --die-with-parent --dbus-talk org.hutch.Allowed --info-fd 3 \
        --bind "$T" /out -- sh -c 'touch /out/started; exec sleep 60' 3>"$T/info" &
    local hutch_pid=$!
    track_pid "$hutch_pid"
    wait_until 20 file_exists "$T/started" || fail "the command did not start"
    local p
    p=$(proxy_pid "$T/info")
    [[ -n $p ]] && pid_alive "$p" || fail "proxy $p not running"
    [[ $(cat "/proc/$p/comm") == xdg-dbus-proxy ]] || fail "PID $p is $(cat "/proc/$p/comm")"
    kill -KILL "$hutch_pid"
    wait_until 10 pid_gone "$p" || fail "proxy $p outlived hutch"
}

@test "dbus: --json-status-fd reports the proxy's PID and the rules of each bus" {
    run --separate-stderr env DBUS_SYSTEM_BUS_ADDRESS="unix:path=$BUS" "$HUTCH" "${MINROOT[@]}" \
        --dbus-talk org.hutch.Allowed --dbus-see org.hutch.Hidden \
        --dbus-system-call 'org.hutch.Hidden=org.hutch.Test.*' --json-status-fd 1 -- true
    assert_success
    local first=${lines[0]}
    "$PYTHON" - "$first" "$BUS" "$XDG_RUNTIME_DIR" <<'EOF' || fail "report: $first"
import json, sys
o = json.loads(sys.argv[1])
assert o["dbus-proxy-pid"] > 1, o
s = o["dbus-session"]
assert s["talk"] == ["org.hutch.Allowed"] and s["see"] == ["org.hutch.Hidden"], s
assert s["own"] == [] and s["address"] == "unix:path=" + sys.argv[2], s
assert s["sockets"] == [sys.argv[3] + "/bus"], s
y = o["dbus-system"]
assert y["call"] == ["org.hutch.Hidden=org.hutch.Test.*"] and y["talk"] == [], y
assert y["sockets"] == ["/run/dbus/system_bus_socket"], y
EOF
}

@test "dbus: --dbus-system-talk filters the system bus at /run/dbus/system_bus_socket" {
    run --separate-stderr env DBUS_SYSTEM_BUS_ADDRESS="unix:path=$BUS" "$HUTCH" "${MINROOT[@]}" \
        --dbus-system-talk org.hutch.Allowed -- sh -c "
        echo \"\$DBUS_SYSTEM_BUS_ADDRESS\"
        ${HELLO_ALLOWED/--session/--system}
        ${HELLO_HIDDEN/--session/--system} || echo hidden-refused"
    assert_success
    assert_output "$(printf '%s\n' unix:path=/run/dbus/system_bus_socket \
        "('hello from org.hutch.Allowed',)" hidden-refused)"
}

@test "dbus: a bus at an abstract socket is refused with the host's network, filtered without" {
    env_error DBUS_SESSION_BUS_ADDRESS="unix:abstract=$DBUS_ABSTRACT" -- "${MINROOT[@]}" \
        --dbus-talk org.hutch.Allowed -- true
    assert_status 1
    assert_error_line "--dbus-talk: the session bus is an abstract socket (unix:abstract=$DBUS_ABSTRACT), which every process in the host's network namespace reaches: add --unshare-net or --net pasta"
    # In a network namespace of its own the abstract socket is out of reach.
    run --separate-stderr env DBUS_SESSION_BUS_ADDRESS="unix:abstract=$DBUS_ABSTRACT" "$HUTCH" \
        "${MINROOT[@]}" --unshare-net --dbus-talk org.hutch.Allowed -- sh -c "
        $HELLO_ALLOWED
        gdbus call --address unix:abstract=$DBUS_ABSTRACT -d org.hutch.Hidden -o /org/hutch/Test \
            -m org.hutch.Test.Hello 2>/dev/null || echo abstract-unreachable"
    assert_success
    assert_output "$(printf '%s\n' "('hello from org.hutch.Allowed',)" abstract-unreachable)"
}

@test "dbus: --dbus-log passes the proxy's log to stderr" {
    run --separate-stderr min_sh --dbus-talk org.hutch.Allowed --dbus-log "$HELLO_ALLOWED"
    assert_success
    assert_output "('hello from org.hutch.Allowed',)"
    [[ $stderr == *org.hutch.Test.Hello* ]] || fail "no log of the call: $stderr"
    run --separate-stderr min_sh --dbus-talk org.hutch.Allowed "$HELLO_ALLOWED"
    assert_stderr_empty
}

@test "dbus: --dry-run shows the proxy's command line and starts nothing" {
    run --separate-stderr "$HUTCH" "${MINROOT[@]}" --dbus-talk org.hutch.Allowed \
        --dbus-call 'org.hutch.Hidden=*@/org/hutch/*' --dry-run -- true
    assert_success
    assert_output_contains "xdg-dbus-proxy --fd=3 unix:path=$BUS DIR/bus --filter --talk=org.hutch.Allowed --call=org.hutch.Hidden=*@/org/hutch/*"
    assert_output_contains "session bus: the proxy's socket at $XDG_RUNTIME_DIR/bus; DBUS_SESSION_BUS_ADDRESS=unix:path=$XDG_RUNTIME_DIR/bus"
    run --separate-stderr "$HUTCH" "${MINROOT[@]}" --dbus-own org.hutch.Mine --dry-run=json -- true
    assert_success
    "$PYTHON" -c '
import json, sys
d = json.load(sys.stdin)["dbus"]
assert d["proxy"][3:] == ["DIR/bus", "--filter", "--own=org.hutch.Mine"], d
assert d["dbus-session"]["own"] == ["org.hutch.Mine"], d' <<<"$output" || fail "plan: $output"
}

@test "dbus: --preset desktop talks to the portals through the proxy; desktop-dbus hands over the bus" {
    run --separate-stderr "$HUTCH" --preset desktop --dry-run -- true
    assert_success
    assert_output_contains "--filter --talk=org.freedesktop.portal.*"
    run --separate-stderr "$HUTCH" --preset desktop-dbus --dry-run -- true
    assert_success
    assert_output_not_contains xdg-dbus-proxy
    # No bus there: no filter, and no error (like the preset's other sockets).
    run --separate-stderr env DBUS_SESSION_BUS_ADDRESS="unix:path=$T/nobus" "$HUTCH" \
        --preset desktop --dry-run -- true
    assert_success
    assert_output_not_contains xdg-dbus-proxy
}

@test "dbus: bad names and rules are one-line errors" {
    expect_error '--dbus-talk "org..x": not a valid D-Bus name *' "${MINROOT[@]}" --dbus-talk org..x -- true
    expect_error '--dbus-talk "org": not a valid D-Bus name *' "${MINROOT[@]}" --dbus-talk org -- true
    expect_error '--dbus-own "org.1x": not a valid D-Bus name *' "${MINROOT[@]}" --dbus-own org.1x -- true
    expect_error '--dbus-see "org.*": not a valid D-Bus name *' "${MINROOT[@]}" --dbus-see 'org.*' -- true
    expect_error '--dbus-talk ":1.4": a unique name *' "${MINROOT[@]}" --dbus-talk :1.4 -- true
    expect_error '--dbus-call "org.hutch.A": expected NAME=RULE, *' "${MINROOT[@]}" --dbus-call org.hutch.A -- true
    expect_error '--dbus-system-call "org.hutch.A=bad rule": not a valid rule "bad rule" *' \
        "${MINROOT[@]}" --dbus-system-call 'org.hutch.A=bad rule' -- true
    expect_error '--dbus-broadcast "org.hutch.A=@nopath": not a valid rule "@nopath" *' \
        "${MINROOT[@]}" --dbus-broadcast 'org.hutch.A=@nopath' -- true
    expect_error '--dbus-talk "org.hutch.": not a valid D-Bus name *' "${MINROOT[@]}" --dbus-talk org.hutch. -- true
    local long
    long=org.$(printf 'a%.0s' {1..252})
    expect_error "--dbus-talk \"$long\": not a valid D-Bus name *" "${MINROOT[@]}" --dbus-talk "$long" -- true
    expect_error '--dbus-log requires a --dbus-talk, *' "${MINROOT[@]}" --dbus-log -- true
    # What the syntax allows passes, to the proxy's command line.
    run --separate-stderr "$HUTCH" "${MINROOT[@]}" --dbus-talk "${long%a}" --dbus-own _my-app.x2.Y \
        --dbus-broadcast 'org.hutch.Allowed=@/' --dry-run -- true
    assert_success
    assert_output_contains "--talk=${long%a} --own=_my-app.x2.Y --broadcast=org.hutch.Allowed=@/"
}

@test "dbus: a missing xdg-dbus-proxy, a missing bus and a failing proxy are one-line errors" {
    mkdir "$T/bin"
    env_error PATH="$T/bin" -- "${MINROOT[@]}" --dbus-talk org.hutch.Allowed -- /bin/true
    assert_status 1
    assert_error_line '--dbus-talk: xdg-dbus-proxy not found in PATH; install the "xdg-dbus-proxy" package'

    env_error DBUS_SESSION_BUS_ADDRESS="unix:path=$T/nobus" -- "${MINROOT[@]}" \
        --dbus-talk org.hutch.Allowed -- true
    assert_status 1
    assert_error_line "--dbus-talk: can't reach the session bus at $T/nobus: No such file or directory (is it running? DBUS_SESSION_BUS_ADDRESS)"

    env_error -u DBUS_SESSION_BUS_ADDRESS -u XDG_RUNTIME_DIR -- "${MINROOT[@]}" \
        --dbus-own org.hutch.Allowed -- true
    assert_status 1
    assert_error_line "--dbus-own: no session bus to filter: neither DBUS_SESSION_BUS_ADDRESS nor XDG_RUNTIME_DIR is set"

    printf '#!/bin/sh\necho "cannot listen: it is a test" >&2\nexit 3\n' >"$T/bin/xdg-dbus-proxy"
    chmod +x "$T/bin/xdg-dbus-proxy"
    env_error PATH="$T/bin:$PATH" -- "${MINROOT[@]}" --dbus-talk org.hutch.Allowed -- true
    assert_status 1
    assert_error_line "--dbus-talk: xdg-dbus-proxy failed: cannot listen: it is a test"
}
