#!/usr/bin/env bats
# --net pasta: user-mode networking through pasta (Debian's "passt").
#
# Every test that starts pasta runs in a network namespace of its own, the
# "isolated host": loopback, plus a veth pair with an address and a default
# route whose far end answers nothing.  pasta needs a default route to
# start, and whatever the sandbox sends out ends at that veth: no packet
# leaves the machine, and no name is looked up.  As an unprivileged user the
# isolated host is a user namespace of its own too, with the caller's uid
# mapped in again one level down, so hutch still runs unprivileged.

ISO_SETUP='
ip link set lo up &&
{ ip link add hv0 type veth peer name hv1 2>/dev/null || ip tuntap add hv0 mode tap; } &&
ip link set hv0 up && { ip link set hv1 up 2>/dev/null || true; } &&
ip addr add 192.0.2.2/24 dev hv0 &&
ip route add default via 192.0.2.1 dev hv0 &&
ip addr add 2001:db8::2/64 dev hv0 nodad &&
ip -6 route add default via 2001:db8::1 dev hv0'

# isolated SCRIPT : bash -c SCRIPT on the isolated host (exit 97: no such host).
isolated() {
    if [[ $(id -u) -eq 0 ]]; then
        timeout 120 unshare --net -- bash -c "{ $ISO_SETUP; } >/dev/null 2>&1 || exit 97
            exec bash -c \"\$1\"" _ "$1"
    else
        timeout 120 unshare --user --map-root-user --net -- bash -c "{ $ISO_SETUP; } >/dev/null 2>&1 || exit 97
            exec unshare --user --map-user=$(id -u) --map-group=$(id -g) -- bash -c \"\$1\"" _ "$1"
    fi
}

setup_file() {
    load helpers
    local why=""
    for c in pasta unshare ip python3 timeout; do
        command -v "$c" >/dev/null 2>&1 || why="needs $c"
    done
    if [[ -z $why && ! (-r /dev/net/tun && -w /dev/net/tun) ]]; then
        why="pasta needs /dev/net/tun read-write for $(id -un) (mode $(stat -c %a /dev/net/tun 2>/dev/null))"
    fi
    if [[ -z $why ]]; then
        local out st=0
        out=$(isolated "\"\$HUTCH\" --ro-bind / / --net pasta -- true" 2>&1) || st=$?
        if ((st == 97)); then
            why="can't make an isolated network namespace here"
        elif ((st != 0)); then
            why="pasta can't run here: ${out//$'\n'/ }"
        fi
    fi
    echo "$why" >"$BATS_FILE_TMPDIR/skip-reason"
}

setup() {
    load helpers
    hutch_setup
    export T
    # A TCP server for one connection: ADDR PORT READY_FILE REPLY [ACCEPTED_FILE]
    cat >"$T/server.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2])))
s.listen(1)
s.settimeout(30)
open(sys.argv[3], "w").close()
c, _ = s.accept()
if len(sys.argv) > 5:
    open(sys.argv[5], "w").close()
c.sendall(sys.argv[4].encode() + b"\n")
c.close()
EOF
    # A TCP client: ADDR PORT; prints what the server sends, or bash's error.
    printf '%s\n' 'exec 2>&1' 'exec 3<>"/dev/tcp/$1/$2" && cat <&3' >"$T/connect.sh"
    # A UDP receiver for one datagram: PORT READY_FILE OUT_FILE
    cat >"$T/udp-server.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.settimeout(30)
open(sys.argv[2], "w").close()
data, _ = s.recvfrom(100)
open(sys.argv[3], "wb").write(data)
EOF
}

teardown() {
    hutch_teardown
}

# The tests that start pasta.
needs_pasta() {
    hutch_only "--net pasta"
    skip_in_setuid_mode "--net pasta is refused"
    local why
    why=$(cat "$BATS_FILE_TMPDIR/skip-reason" 2>/dev/null)
    [[ -z $why ]] || skip "$why"
}

# The first nameserver the sandbox's resolv.conf names: pasta's forwarder,
# unless the host has only loopback nameservers (a systemd-resolved stub).
sandbox_dns() {
    if [[ -n $(first_routable_nameserver /etc/resolv.conf) ]]; then
        echo 10.0.2.3
    else
        local ns
        ns=$(first_routable_nameserver /run/systemd/resolve/resolv.conf)
        echo "${ns:-10.0.2.3}"
    fi
}

first_routable_nameserver() {
    awk '$1 == "nameserver" && $2 !~ /^127\./ && $2 != "::1" && $2 !~ /%/ { print $2; exit }' \
        "$1" 2>/dev/null
}

# In the isolated host's scripts: wait (at most 40 s) until file $1 exists.
WAIT_FOR='wait_for() { local i; for ((i = 0; i < 800; i++)); do [[ -e $1 ]] && return 0; sleep 0.05; done; return 1; }'

# --- The sandbox's network --------------------------------------------------------

@test "--net pasta: an interface with an address, a default route, the DNS forwarder" {
    needs_pasta
    local st=0
    isolated '"$HUTCH" --ro-bind / / --dev /dev --proc /proc --unshare-pid --net pasta -- sh -c "
        ip -4 -o addr show; echo ==; cat /proc/net/route; echo ==; cat /etc/resolv.conf"' >"$T/out" 2>"$T/err" || st=$?
    cat "$T/out" "$T/err"
    ((st == 0))
    [[ ! -s $T/err ]]
    # An address on an interface other than loopback...
    grep -Eq '^[0-9]+: [a-z0-9]+ +inet 10\.0\.2\.100/24 ' "$T/out"
    # ... a default route through the gateway, 10.0.2.2 (hex, little-endian) ...
    awk '$1 != "lo" && $2 == "00000000" && $3 == "0202000A" { found = 1 } END { exit !found }' "$T/out"
    # ... and a resolv.conf that names pasta's DNS forwarder only.
    [[ $(sed -n '/^==$/,$p' "$T/out" | sed -n '/^nameserver/{p;q}') == "nameserver $(sandbox_dns)" ]]
}

@test "--net pasta: the host's loopback services are out of reach" {
    needs_pasta
    isolated "$WAIT_FOR"'
        timeout 60 python3 "$T/server.py" 127.0.0.1 18001 "$T/ready" host-loopback "$T/accepted" &
        wait_for "$T/ready" || exit 3
        "$HUTCH" --ro-bind / / --dev /dev --proc /proc --unshare-pid --net pasta -- bash -c "
            timeout 5 bash \"\$T/connect.sh\" 10.0.2.2 18001 || echo gateway: refused
            timeout 5 bash \"\$T/connect.sh\" 127.0.0.1 18001 || echo loopback: refused"
        kill %1 2>/dev/null || true' >"$T/out" 2>&1
    cat "$T/out"
    grep -qx 'gateway: refused' "$T/out"
    grep -qx 'loopback: refused' "$T/out"
    [[ $(cat "$T/out") != *host-loopback* && ! -e $T/accepted ]]
}

@test "--net-host-loopback: the gateway address reaches the host's loopback" {
    needs_pasta
    local st=0
    isolated "$WAIT_FOR"'
        timeout 60 python3 "$T/server.py" 127.0.0.1 18002 "$T/ready" host-loopback-reached &
        wait_for "$T/ready" || exit 3
        "$HUTCH" --ro-bind / / --dev /dev --proc /proc --unshare-pid --net pasta \
            --net-host-loopback -- timeout 20 bash "$T/connect.sh" 10.0.2.2 18002' >"$T/out" 2>&1 || st=$?
    cat "$T/out"
    ((st == 0))
    [[ $(cat "$T/out") == host-loopback-reached ]]
}

@test "--publish 127.0.0.1:P:8080: the host reaches a server on port 8080 inside" {
    needs_pasta
    local st=0
    isolated "$WAIT_FOR"'
        "$HUTCH" --ro-bind / / --bind "$T" "$T" --dev /dev --proc /proc --unshare-pid \
            --net pasta --publish 127.0.0.1:18003:8080 -- \
            timeout 60 python3 "$T/server.py" 0.0.0.0 8080 "$T/ready" hello-from-the-sandbox &
        wait_for "$T/ready" || exit 3
        timeout 20 bash "$T/connect.sh" 127.0.0.1 18003
        wait' >"$T/out" 2>&1 || st=$?
    cat "$T/out"
    ((st == 0))
    [[ $(cat "$T/out") == hello-from-the-sandbox ]]
}

@test "--publish [::1]:P:8080: the same over IPv6" {
    needs_pasta
    local st=0
    isolated "$WAIT_FOR"'
        "$HUTCH" --ro-bind / / --bind "$T" "$T" --dev /dev --proc /proc --unshare-pid \
            --net pasta --publish "[::1]:18010:8080" -- \
            timeout 60 python3 "$T/server.py" :: 8080 "$T/ready" hello-over-ipv6 &
        wait_for "$T/ready" || exit 3
        timeout 20 bash "$T/connect.sh" ::1 18010
        wait' >"$T/out" 2>&1 || st=$?
    cat "$T/out"
    ((st == 0))
    [[ $(cat "$T/out") == hello-over-ipv6 ]]
}

@test "--publish P:5353/udp: a datagram to the host's port arrives inside" {
    needs_pasta
    local st=0
    isolated "$WAIT_FOR"'
        "$HUTCH" --ro-bind / / --bind "$T" "$T" --dev /dev --proc /proc --unshare-pid \
            --net pasta --publish 18004:5353/udp -- \
            timeout 60 python3 "$T/udp-server.py" 5353 "$T/ready" "$T/got" &
        wait_for "$T/ready" || exit 3
        for i in 1 2 3 4 5; do
            echo datagram-in >/dev/udp/127.0.0.1/18004
            wait_for "$T/got" && break
        done
        wait' >"$T/out" 2>&1 || st=$?
    cat "$T/out"
    ((st == 0))
    [[ $(cat "$T/got") == datagram-in ]]
}

@test "--publish: a host port that is taken is an error before the command runs" {
    needs_pasta
    isolated "$WAIT_FOR"'
        timeout 60 python3 "$T/server.py" 127.0.0.1 18005 "$T/ready" taken &
        wait_for "$T/ready" || exit 3
        "$HUTCH" --ro-bind / / --bind "$T" "$T" --net pasta --publish 18005:80 -- touch "$T/ran"
        echo "status $?"
        kill %1 2>/dev/null || true' >"$T/out" 2>&1
    cat "$T/out"
    [[ $(cat "$T/out") == "$HUTCH_NAME: --publish: can't use the host's port 127.0.0.1:18005/tcp: Address already in use"$'\n'"status 1" ]]
    [[ ! -e $T/ran ]]
}

# DNS: the sandbox asks the nameserver of its resolv.conf; pasta passes the
# query on to the host's nameserver, here a fake one on the isolated host
# that answers anything.
DNS_TEST='
    wait_for() { local i; for ((i = 0; i < 800; i++)); do [[ -e $1 ]] && return 0; sleep 0.05; done; return 1; }
    timeout 60 python3 -c "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind((\"192.0.2.2\", 53))
s.settimeout(30)
open(sys.argv[1], \"w\").close()
data, peer = s.recvfrom(512)
s.sendto(b\"answer to \" + data, peer)
" "$T/ready" &
    wait_for "$T/ready" || exit 3
    "$HUTCH" --ro-bind / / --dev /dev --proc /proc --unshare-pid --net pasta -- python3 -c "
import socket
server = open(\"/etc/resolv.conf\").read().split()[1]
print(\"asking\", server)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(10)
s.sendto(b\"query\", (server, 53))
print(s.recv(512).decode())
"'

@test "DNS sent to pasta's forwarder at 10.0.2.3 reaches the host's nameserver" {
    needs_pasta
    skip_unless_root
    echo "nameserver 192.0.2.2" >"$T/resolv.conf"
    local st=0
    isolated 'unshare -m -- bash -c '\''mount --bind "$T/resolv.conf" /etc/resolv.conf && '"$DNS_TEST"\' \
        >"$T/out" 2>&1 || st=$?
    cat "$T/out"
    ((st == 0))
    [[ $(cat "$T/out") == "asking 10.0.2.3"$'\n'"answer to query" ]]
}

@test "DNS with a loopback stub resolver (systemd-resolved): the sandbox asks its upstream servers" {
    needs_pasta
    skip_unless_root
    echo "nameserver 127.0.0.53" >"$T/resolv.conf"
    local st=0
    isolated 'unshare -m -- bash -c '\''mount --bind "$T/resolv.conf" /etc/resolv.conf &&
        mount -t tmpfs tmpfs /run && mkdir -p /run/systemd/resolve &&
        echo "nameserver 192.0.2.2" >/run/systemd/resolve/resolv.conf && '"$DNS_TEST"\' \
        >"$T/out" 2>&1 || st=$?
    cat "$T/out"
    ((st == 0))
    [[ $(cat "$T/out") == "asking 192.0.2.2"$'\n'"answer to query" ]]
}

# --- With other options --------------------------------------------------------------

@test "--net pasta with --landlock-connect-tcp: Landlock still decides which ports" {
    needs_pasta
    local out
    out=$("$HUTCH" --ro-bind / / --landlock-connect-tcp 1 -- true 2>&1) ||
        skip "Landlock TCP rules: $out"
    isolated "$WAIT_FOR"'
        timeout 60 python3 "$T/server.py" 127.0.0.1 18006 "$T/ready" allowed-port &
        wait_for "$T/ready" || exit 3
        "$HUTCH" --ro-bind / / --dev /dev --proc /proc --unshare-pid --net pasta --net-host-loopback \
            --landlock-connect-tcp 18006 -- timeout 20 bash "$T/connect.sh" 10.0.2.2 18006
        "$HUTCH" --ro-bind / / --dev /dev --proc /proc --unshare-pid --net pasta --net-host-loopback \
            --landlock-connect-tcp 18007 -- timeout 20 bash "$T/connect.sh" 10.0.2.2 18006
        kill %1 2>/dev/null || true' >"$T/out" 2>&1
    cat "$T/out"
    [[ $(head -n 1 "$T/out") == allowed-port ]]
    grep -q 'Permission denied' "$T/out"
}

@test "--net pasta when hutch's caller ignores SIGPIPE: pasta starts all the same" {
    needs_pasta
    local st=0
    # An ignored signal stays ignored across exec; pasta refused to start
    # with SIGPIPE ignored ("Couldn't install signal handlers").
    isolated 'trap "" PIPE; "$HUTCH" --ro-bind / / --dev /dev --proc /proc --unshare-pid --net pasta -- \
        ip -4 -o addr show' >"$T/out" 2>"$T/err" || st=$?
    cat "$T/out" "$T/err"
    ((st == 0))
    grep -Eq '^[0-9]+: [a-z0-9]+ +inet 10\.0\.2\.100/24 ' "$T/out"
}

@test "--preset safe --net pasta: the network is there after the preset's --unshare-all" {
    needs_pasta
    local st=0
    isolated '"$HUTCH" --quiet --preset safe --net pasta -- sh -c "
        cat /etc/resolv.conf; cat /proc/net/route"' >"$T/out" 2>&1 || st=$?
    cat "$T/out"
    ((st == 0))
    grep -qx "nameserver $(sandbox_dns)" "$T/out"
    grep -Eq '^[a-z0-9]+[[:space:]]+00000000[[:space:]]+0202000A' "$T/out"
}

@test "--net pasta after --unshare-all --share-net wins, and --share-net after it wins" {
    needs_pasta
    isolated '"$HUTCH" --ro-bind / / --unshare-all --share-net --net pasta -- cat /etc/resolv.conf
        echo ==
        "$HUTCH" --ro-bind / / --unshare-all --net pasta --share-net -- cat /proc/net/route' \
        >"$T/out" 2>&1
    cat "$T/out"
    [[ $(sed -n 1p "$T/out") == "nameserver $(sandbox_dns)" ]]
    # The isolated host's own route, through the veth.
    sed -n '/^==$/,$p' "$T/out" | grep -Eq '^hv0[[:space:]]+00000000[[:space:]]+010200C0'
}

# --- Reports ------------------------------------------------------------------------

@test "--json-status-fd and --info-fd: the network, the address and the published ports" {
    needs_pasta
    local st=0
    isolated '"$HUTCH" --ro-bind / / --unshare-pid --net pasta --publish 127.0.0.1:18008:80 \
        --publish "[::1]:18009:53/udp" --info-fd 4 --json-status-fd 3 -- true 3>"$T/json" 4>"$T/info"' \
        >"$T/out" 2>&1 || st=$?
    cat "$T/out" "$T/json" "$T/info"
    ((st == 0))
    python3 - "$T/json" "$T/info" "$(sandbox_dns)" <<'EOF'
import json, sys
docs = [json.loads(line) for line in open(sys.argv[1])]
info = json.load(open(sys.argv[2]))
for d in (docs[0], info):
    assert d["network"] == "pasta", d
    assert d["address"] == "10.0.2.100" and d["prefix-length"] == 24, d
    assert d["gateway"] == "10.0.2.2" and d["dns"] == sys.argv[3], d
    assert d["host-loopback"] is False, d
    assert d["published"] == [
        {"protocol": "tcp", "host-address": "127.0.0.1", "host-port": 18008, "sandbox-port": 80},
        {"protocol": "udp", "host-address": "::1", "host-port": 18009, "sandbox-port": 53},
    ], d
assert docs[-1] == {"exit-code": 0}, docs
EOF
}

@test "without --net pasta the reports have no network fields" {
    "$HUTCH" --ro-bind / / --unshare-net --json-status-fd 3 -- true 3>"$T/json"
    [[ $(cat "$T/json") != *'"network"'* ]]
}

# --- pasta's life ---------------------------------------------------------------------

# In the isolated host's scripts: the PID of pasta, a child of hutch $1.
PASTA_OF='pasta_of() { local p c; for p in $(cat /proc/$1/task/*/children 2>/dev/null); do
    c=$(cat /proc/$p/comm 2>/dev/null); [[ $c == pasta* || $c == passt* ]] && echo $p; done; }'

# Has process $1 ended (gone, or a zombie)?
PID_GONE='pid_gone() { local s; s=$(sed "s/.*) //" /proc/$1/stat 2>/dev/null | cut -d" " -f1);
    [[ -z $s || $s == Z || $s == X ]]; }'

@test "no pasta process is left once the sandbox has exited" {
    needs_pasta
    isolated "$WAIT_FOR; $PASTA_OF; $PID_GONE"'
        "$HUTCH" --ro-bind / / --bind "$T" "$T" --unshare-pid --net pasta -- \
            sh -c "touch \"$T/ready\"; exec sleep 2" &
        hutch=$!
        wait_for "$T/ready" || exit 3
        p=$(pasta_of $hutch)
        [[ -n $p ]] || { echo "no pasta under hutch"; exit 4; }
        wait $hutch
        echo "hutch exited $?"
        for i in $(seq 100); do pid_gone $p && break; sleep 0.05; done
        pid_gone $p && echo "pasta gone" || echo "pasta $p is still there"' >"$T/out" 2>&1
    cat "$T/out"
    [[ $(cat "$T/out") == "hutch exited 0"$'\n'"pasta gone" ]]
}

@test "no pasta process is left when hutch is killed (SIGKILL, --die-with-parent)" {
    needs_pasta
    isolated "$WAIT_FOR; $PASTA_OF; $PID_GONE"'
        "$HUTCH" --ro-bind / / --bind "$T" "$T" --unshare-pid --die-with-parent --net pasta -- \
            sh -c "touch \"$T/ready\"; exec sleep 60" &
        hutch=$!
        wait_for "$T/ready" || exit 3
        p=$(pasta_of $hutch)
        [[ -n $p ]] || { echo "no pasta under hutch"; exit 4; }
        kill -KILL $hutch
        for i in $(seq 200); do pid_gone $p && break; sleep 0.05; done
        pid_gone $p && echo "pasta gone" || echo "pasta $p is still there"' >"$T/out" 2>&1
    cat "$T/out"
    # (bash may say "Killed" about hutch)
    [[ $(tail -n 1 "$T/out") == "pasta gone" ]]
}

# --- Errors ---------------------------------------------------------------------------

@test "--net pasta without pasta in PATH: one line naming the package, nothing runs" {
    hutch_only "--net pasta"
    skip_in_setuid_mode "--net pasta is refused"
    mkdir "$T/empty"
    host_snapshot
    run --separate-stderr env PATH="$T/empty" "$HUTCH" --ro-bind / / --bind "$T" "$T" \
        --net pasta -- /bin/touch "$T/ran"
    assert_host_unchanged
    assert_status 1
    assert_error_line '--net pasta: pasta not found; install the "passt" package'
    [[ ! -e $T/ran ]]
}

@test "a pasta that fails: one line with its message, the command never runs" {
    hutch_only "--net pasta"
    skip_in_setuid_mode "--net pasta is refused"
    mkdir "$T/bin"
    cat >"$T/bin/pasta" <<'EOF'
#!/bin/sh
echo "Failed to send 38 bytes to syslog" >&2
echo "Failed to open tun socket in namespace" >&2
exit 1
EOF
    chmod 755 "$T/bin/pasta"
    run --separate-stderr env PATH="$T/bin:$PATH" "$HUTCH" --ro-bind / / --bind "$T" "$T" \
        --net pasta -- /bin/touch "$T/ran"
    assert_status 1
    assert_error_line '--net pasta: pasta failed: Failed to open tun socket in namespace*'
    [[ ! -e $T/ran ]]
}

@test "a pasta that exits without a word: the error says so" {
    hutch_only "--net pasta"
    skip_in_setuid_mode "--net pasta is refused"
    mkdir "$T/bin"
    printf '#!/bin/sh\nexit 0\n' >"$T/bin/pasta"
    chmod 755 "$T/bin/pasta"
    run --separate-stderr env PATH="$T/bin:$PATH" "$HUTCH" --ro-bind / / --bind "$T" "$T" \
        --net pasta -- /bin/touch "$T/ran"
    assert_status 1
    assert_error_line '--net pasta: pasta failed: it exited before configuring the network*'
    [[ ! -e $T/ran ]]
}

@test "--net, --publish, --net-host-loopback: malformed values are one-line errors" {
    hutch_only "--net pasta"
    expect_error '--net: unknown mode "slirp" (valid: pasta)' --ro-bind / / --net slirp -- true
    expect_error '--publish "8080": expected *' --ro-bind / / --net pasta --publish 8080 -- true
    expect_error '--publish "0:80": invalid port "0" (1-65535)' \
        --ro-bind / / --net pasta --publish 0:80 -- true
    expect_error '--publish "80:70000": invalid port "70000" (1-65535)' \
        --ro-bind / / --net pasta --publish 80:70000 -- true
    expect_error '--publish "80:x": invalid port "x" (1-65535)' \
        --ro-bind / / --net pasta --publish 80:x -- true
    expect_error '--publish "80:80/sctp": unknown protocol "sctp" (tcp or udp)' \
        --ro-bind / / --net pasta --publish 80:80/sctp -- true
    expect_error '--publish "1.2.3:80:80": invalid host address "1.2.3" *' \
        --ro-bind / / --net pasta --publish 1.2.3:80:80 -- true
    expect_error '--publish "::1:80:80": an IPv6 host address goes in brackets*' \
        --ro-bind / / --net pasta --publish ::1:80:80 -- true
    expect_error '--publish "127.0.0.1:8080:81": host port 127.0.0.1:8080/tcp is already published' \
        --ro-bind / / --net pasta --publish 8080:80 --publish 127.0.0.1:8080:81 -- true
    expect_error '--publish requires --net pasta' --ro-bind / / --publish 8080:80 -- true
    expect_error '--net-host-loopback requires --net pasta' \
        --ro-bind / / --unshare-net --net-host-loopback -- true
    expect_error '--publish requires --net pasta' \
        --ro-bind / / --unshare-all --net pasta --share-net --publish 8080:80 -- true
}

@test "the setuid mode refuses --net pasta with one line" {
    hutch_only "--net pasta"
    setuid_mode || skip "the setuid-root build only"
    expect_error "--net is not permitted in setuid mode (pasta can't enter a user namespace root created)" \
        --ro-bind / / --net pasta -- true
}
