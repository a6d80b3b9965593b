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
    cd "$T/project" || return 1
    HUTCH_FEATURES=$("$HUTCH" --version 2>/dev/null)
}

teardown() {
    # Xvfb removes its socket and lock file on SIGTERM, not on teardown's SIGKILL.
    if [[ -n ${XVFB_PID:-} ]]; then
        kill -TERM "$XVFB_PID" 2>/dev/null || true
        wait "$XVFB_PID" 2>/dev/null || true
    fi
    [[ -z ${FAKE_X_SOCKET:-} ]] || rm -f "$FAKE_X_SOCKET"
    hutch_teardown
}

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

@test "--preset desktop shares the host's network" {
    DISPLAY='' run --separate-stderr "$HUTCH" --preset desktop -- /bin/readlink /proc/self/ns/net
    assert_success
    assert_output "$(readlink /proc/self/ns/net)"
}

# --- the expansions: the preset profiles, --preset list and --dry-run agree -------

# The caller's desktop, as the desktop presets look for it: a runtime
# directory with Wayland, PulseAudio and D-Bus sockets (no PipeWire), an
# XAUTHORITY file, two of the four font and icon directories, and a display
# whose socket exists when the host has one.
desktop_env() {
    export XDG_RUNTIME_DIR=$T/run WAYLAND_DISPLAY=wayland-7 XAUTHORITY=$T/xauthority
    mkdir -p "$T/run/pulse" "$HOME/.fonts" "$HOME/.icons"
    : >"$T/run/wayland-7"
    : >"$T/run/pulse/native"
    : >"$T/run/bus"
    : >"$XAUTHORITY"
    # A display of this test's own, with a socket file when /tmp/.X11-unix
    # lets us make one: the Xvfb of a test running at the same time takes
    # the first free number, so :0 may come and go meanwhile.
    local n=$((7000 + BATS_SUITE_TEST_NUMBER * 10 + (${HUTCH_SETUID:-0} == 1 ? 1 : 0) + (EUID == 0 ? 2 : 0)))
    DISPLAY=:$n.0
    if [[ -d /tmp/.X11-unix && -w /tmp/.X11-unix ]] &&
        python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
            "/tmp/.X11-unix/X$n" 2>/dev/null; then
        FAKE_X_SOCKET=/tmp/.X11-unix/X$n
    fi
    export DISPLAY
}

# put OPTION PATH : "OPTION PATH PATH" when PATH exists (as presets.c's
# bind_if_exists, which looks with lstat)
put_if_there() {
    [[ -n $2 && (-e $2 || -L $2) ]] || return 0
    printf '%s\n' "$1" "$2" "$2"
}

# put_try OPTION PATH : "OPTION PATH PATH" (a -try bind of a profile)
put_try() {
    printf '%s\n' "$1" "$2" "$2"
}

# expected_words NAME : what the preset's profile expands NAME into here, one
# word a line: for the caller's HOME, a current directory that is a
# project directory, the host's system directories and merged-/usr links,
# and the desktop of desktop_env.  (The rules for other current
# directories have a test of their own.)
expected_words() {
    local name=$1 d n i
    case $name in
    safe | build | desktop | desktop-dbus) ;;
    net)
        printf '%s\n' --share-net
        return
        ;;
    *)
        fail "no preset $name"
        return 1
        ;;
    esac
    # safe.profile: isolation
    printf '%s\n' --unshare-all --new-session --die-with-parent --hostname hutch
    if [[ $HUTCH_FEATURES == *libseccomp* ]]; then
        printf '%s\n' --seccomp-policy default
    fi
    # the system (--system-links)
    for d in /usr /etc /opt; do
        printf '%s\n' --ro-bind-try "$d" "$d"
    done
    for d in /bin /sbin /lib /lib32 /lib64 /libx32; do
        if [[ -L $d ]]; then
            printf '%s\n' --symlink "$(readlink "$d")" "$d"
        elif [[ -e $d ]]; then
            printf '%s\n' --ro-bind "$d" "$d"
        fi
    done
    # scratch
    printf '%s\n' --dev /dev --proc /proc --tmpfs /tmp --tmpfs /var/tmp --tmpfs /run
    # HOME and --cwd-bind ro
    printf '%s\n' --tmpfs "$HOME" --ro-bind "$PWD" "$PWD" --chdir "$PWD"
    # build.profile: --cwd-bind rw
    if [[ $name == build ]]; then
        printf '%s\n' --bind "$PWD" "$PWD"
    fi
    [[ $name == desktop* ]] || return 0
    # desktop.profile: --x11-socket
    if [[ ${DISPLAY:-} == :* ]]; then
        n=${DISPLAY#:}
        put_if_there --ro-bind "/tmp/.X11-unix/X$((10#${n%%.*}))"
    fi
    # desktop.profile: -try binds, with defaults for what the
    # environment does not say
    local runtime=${XDG_RUNTIME_DIR:-/run/user/$(id -u)}
    put_try --ro-bind-try "${XAUTHORITY:-$HOME/.Xauthority}"
    put_try --ro-bind-try "$runtime/${WAYLAND_DISPLAY:-wayland-0}"
    put_try --ro-bind-try "$runtime/pipewire-0"
    put_try --ro-bind-try "$runtime/pulse/native"
    put_try --dev-bind-try /dev/dri
    for i in .fonts .local/share/fonts .cache/fontconfig .icons; do
        put_try --ro-bind-try "$HOME/$i"
    done
    printf '%s\n' --share-net
    # desktop-dbus.profile
    if [[ $name == desktop-dbus ]]; then
        put_try --ro-bind-try "$runtime/bus"
    fi
}

# list_words NAME : the expansion --preset list prints for NAME, a word a line
list_words() {
    "$HUTCH" --preset list | awk -v p="$1: " 'index($0, p) == 1 { getline; print; exit }' |
        tr -s ' ' '\n' | sed '/^$/d'
}

# op_line OP SRC DEST : how --dry-run lists a bind (the source resolved), in
# $REPLY; realpath runs once a source (forks are slow on a loaded machine)
declare -gA RESOLVED=()
op_line() {
    if [[ -z ${RESOLVED[$2]+x} ]]; then
        RESOLVED[$2]=$(realpath -e -- "$2" 2>/dev/null) || RESOLVED[$2]=""
    fi
    if [[ -n ${RESOLVED[$2]} ]]; then
        REPLY="$1 ${RESOLVED[$2]} -> $3"
    else
        REPLY="$1 $2 -> $3 (skipped: $2 does not exist)"
    fi
}

# expected_plan WORD... : words_plan's lines in $EXPECTED (run in this shell,
# so that op_line's cache lasts)
expected_plan() {
    words_plan "$@" >"$T/expected-plan" || fail "$(cat "$T/expected-plan")" || return 1
    EXPECTED=$(<"$T/expected-plan")
}

# words_plan WORD... : the plan those words give, in the terms plan_of
# extracts from --dry-run: namespaces (without the user namespace, which
# the setuid mode may leave out), host name, network, every file-system
# operation in order, working directory, process, seccomp policy.
words_plan() {
    local ops=() unshare=0 net=0 hostname="" chdir="" session=0 parent=0 policy=none i
    while (($#)); do
        case $1 in
        --ro-bind | --ro-bind-try | --bind | --dev-bind | --dev-bind-try)
            op_line "${1#--}" "$2" "$3"
            ops+=("$REPLY")
            shift 3
            ;;
        --symlink)
            ops+=("symlink $2 -> $3")
            shift 3
            ;;
        --dev | --proc | --tmpfs)
            ops+=("${1#--} $2")
            shift 2
            ;;
        --unshare-all) unshare=1 net=0 && shift ;;
        --share-net) net=1 && shift ;;
        --new-session) session=1 && shift ;;
        --die-with-parent) parent=1 && shift ;;
        --hostname) hostname=$2 && shift 2 ;;
        --chdir) chdir=$2 && shift 2 ;;
        --seccomp-policy) policy=$2 && shift 2 ;;
        *)
            echo "words_plan: a word no preset has: $1"
            return 1
            ;;
        esac
    done
    if ((unshare && net)); then
        echo "namespaces: mount pid ipc uts cgroup"
    elif ((unshare)); then
        echo "namespaces: mount pid net ipc uts cgroup"
    else
        echo "namespaces: mount"
    fi
    [[ -z $hostname ]] || echo "hostname: $hostname"
    if ((unshare && !net)); then
        echo "network: none (a namespace of its own with loopback only)"
    else
        echo "network: the host's"
    fi
    if ((${#ops[@]} == 1)); then
        echo "setup (1 operation):"
    else
        echo "setup (${#ops[@]} operations):"
    fi
    for i in "${!ops[@]}"; do
        echo "  $((i + 1)). ${ops[i]}"
    done
    echo "chdir: ${chdir:-the current directory if it exists inside, else \$HOME, else /}"
    local process=process:
    ((!unshare)) || process+=" a reaper is PID 1;"
    ((!session)) || process+=" new session;"
    ((!parent)) || process+=" dies with its parent;"
    echo "$process"
    echo "seccomp policy: $policy"
}

# plan_of : the same lines, from --dry-run's text on stdin
plan_of() {
    awk '
        /^namespaces:/ {
            gsub(/ \(if possible\)/, ""); sub(/^namespaces: user /, "namespaces: "); print; next
        }
        /^(hostname|network|chdir|process): / || /^setup \(/ || /^  [0-9]+\. / { print; next }
        /^  seccomp filter: policy / { sub(/;$/, "", $4); print "seccomp policy: " $4; next }
        /^  seccomp filter: / || /^  seccomp: none$/ { print "seccomp policy: none" }'
}

# json_plans FILE... : the same lines, from --dry-run=json in each FILE, each
# plan followed by a line "--" (one python3 for all: it may start slowly)
json_plans() {
    python3 - "$@" <<'PYTHON'
import json, sys

def plan(p):
    ns = p["namespaces"]
    yield "namespaces: " + " ".join(
        k for k in ("mount", "pid", "net", "ipc", "uts", "cgroup") if ns[k])
    if p["hostname"] is not None:
        yield "hostname: " + p["hostname"]
    yield {"host": "network: the host's",
           "loopback": "network: none (a namespace of its own with loopback only)",
           }[p["network"]["mode"]]
    ops = p["setup"]
    yield "setup (%d operation%s):" % (len(ops), "" if len(ops) == 1 else "s")
    for i, o in enumerate(ops, 1):
        if "source" in o:
            if o["skipped"]:
                line = "%s %s -> %s (skipped: %s does not exist)" % (
                    o["op"], o["src"], o["dest"], o["src"])
            else:
                line = "%s %s -> %s" % (o["op"], o["source"], o["dest"])
        elif o["op"] == "symlink":
            line = "symlink %s -> %s" % (o["target"], o["dest"])
        else:
            line = "%s %s" % (o["op"], o["dest"])
        yield "  %d. %s" % (i, line)
    yield "chdir: " + (p["chdir"] or
                       "the current directory if it exists inside, else $HOME, else /")
    pr = p["process"]
    yield "process:" + "".join(text for key, text in (
        ("pid1_reaper", " a reaper is PID 1;"), ("as_pid_1", " the command is PID 1;"),
        ("new_session", " new session;"), ("die_with_parent", " dies with its parent;"))
        if pr[key])
    yield "seccomp policy: " + (p["confinement"]["seccomp"]["policy"] or "none")

for name in sys.argv[1:]:
    with open(name) as f:
        for line in plan(json.load(f)):
            print(line)
    print("--")
PYTHON
}

# assert_plan WHAT EXPECTED GOT : the two plans are the same, line by line
assert_plan() {
    [[ $3 == "$2" ]] ||
        fail "$1: the plan differs from the expected one (- expected, + got):" \
            "$(diff -u <(printf '%s\n' "$2") <(printf '%s\n' "$3") | tail -n +3)"
}

# check_preset NAME : --preset list and --dry-run --preset NAME both show
# exactly the profile's expansion
check_preset() {
    local name=$1 expected words
    mapfile -t words < <(expected_words "$name")
    ((${#words[@]} > 0)) || fail "no words for $name"
    expected_plan "${words[@]}"
    expected=$EXPECTED
    assert_plan "--preset list $name" "$(printf '%s\n' "${words[@]}")" "$(list_words "$name")"
    run --separate-stderr "$HUTCH" --dry-run --preset "$name" -- true
    assert_success
    assert_stderr_empty
    assert_plan "--dry-run --preset $name" "$expected" "$(plan_of <<<"$output")"
}

@test "--dry-run --preset safe lists exactly the profile's expansion, as --preset list does" {
    desktop_env
    check_preset safe
    # The safe sandbox, spelled out.
    assert_output_contains "network: none (a namespace of its own with loopback only)"
    assert_output_contains ". tmpfs $HOME"
    assert_output_contains ". ro-bind $PWD -> $PWD"
    assert_output_not_contains "$XDG_RUNTIME_DIR"
}

@test "--dry-run --preset build lists exactly the profile's expansion, as --preset list does" {
    desktop_env
    check_preset build
    assert_output_contains ". bind $PWD -> $PWD"
}

@test "--dry-run --preset desktop lists exactly the profile's expansion, as --preset list does" {
    desktop_env
    check_preset desktop
    assert_output_contains "network: the host's"
    assert_output_contains ". ro-bind-try $T/run/wayland-7 -> $T/run/wayland-7"$'\n'
    assert_output_contains ". ro-bind-try $HOME/.icons -> $HOME/.icons"$'\n'
    assert_output_not_contains "$T/run/bus"
    assert_output_contains "pipewire-0 (skipped: $T/run/pipewire-0 does not exist)"
}

@test "--dry-run --preset desktop-dbus lists exactly the profile's expansion, as --preset list does" {
    desktop_env
    check_preset desktop-dbus
    assert_output_contains ". ro-bind-try $T/run/bus -> $T/run/bus"$'\n'
}

@test "--dry-run --preset net after safe lists safe's operations with the host's network" {
    desktop_env
    local words expected
    assert_plan "--preset list net" "--share-net" "$(list_words net)"
    mapfile -t words < <(expected_words safe; expected_words net)
    expected_plan "${words[@]}"
    expected=$EXPECTED
    run --separate-stderr "$HUTCH" --dry-run --preset safe --preset net -- true
    assert_success
    assert_plan "--dry-run --preset safe --preset net" "$expected" "$(plan_of <<<"$output")"
    assert_output_contains "network: the host's"
}

@test "--dry-run --preset net alone: the implicit safe preset, with the host's network" {
    desktop_env
    local words expected
    run --separate-stderr "$HUTCH" --dry-run --preset net -- true
    assert_success
    [[ $stderr == "$HUTCH_NAME: no file-system options given: applying --preset safe"* ]] ||
        fail "expected the safe-preset note, got: $stderr"
    # --share-net given before the implicit preset stays after its --unshare-all.
    mapfile -t words < <(expected_words safe | sed '/^--unshare-all$/a --share-net')
    expected_plan "${words[@]}"
    expected=$EXPECTED
    assert_plan "--dry-run --preset net" "$expected" "$(plan_of <<<"$output")"
}

@test "--dry-run of a bare hutch -- CMD lists exactly the safe preset's expansion" {
    desktop_env
    local words expected
    mapfile -t words < <(expected_words safe)
    expected_plan "${words[@]}"
    expected=$EXPECTED
    run --separate-stderr "$HUTCH" --dry-run -- true
    assert_success
    [[ $stderr == "$HUTCH_NAME: no file-system options given: applying --preset safe"* ]] ||
        fail "expected the safe-preset note, got: $stderr"
    assert_plan "--dry-run -- true" "$expected" "$(plan_of <<<"$output")"
}

@test "--dry-run=json of every preset lists exactly the profile's expansion" {
    skip_unless_cmd python3
    desktop_env
    local name words expected="" files=()
    for name in safe build desktop desktop-dbus net; do
        if [[ $name == net ]]; then
            mapfile -t words < <(expected_words safe; expected_words net)
            set -- --preset safe --preset net
        else
            mapfile -t words < <(expected_words "$name")
            set -- --preset "$name"
        fi
        expected_plan "${words[@]}"
        expected+=$EXPECTED$'\n--\n'
        run --separate-stderr "$HUTCH" --dry-run=json "$@" -- true
        assert_success
        printf '%s\n' "$output" >"$T/$name.json"
        files+=("$T/$name.json")
    done
    assert_plan "--dry-run=json of safe, build, desktop, desktop-dbus, safe + net" \
        "${expected%$'\n'}" "$(json_plans "${files[@]}")"
}

# cwd_words : what --preset list's safe expansion has after the fresh /run
# (the empty HOME, and the current directory where it is shown), then what
# build adds to safe
cwd_words() {
    "$HUTCH" --preset list | awk '
        /^safe: / { getline; safe = $0 }
        /^build: / { getline; build = $0 }
        END {
            added = substr(build, length(safe) + 1)
            sub(/.* --tmpfs \/run /, "", safe)
            print safe
            print "build adds:" added
        }'
}

@test "--preset list: the current directory is shown only when it is a project directory" {
    export XDG_RUNTIME_DIR=$T/run
    mkdir -p "$XDG_RUNTIME_DIR/sub"
    ln -s home "$T/homelink"
    local -A cases=(
        ["$T/project"]="--tmpfs $HOME --ro-bind $T/project $T/project --chdir $T/project"
        # It holds HOME: only the empty HOME, at the same path.
        ["$T"]="--tmpfs $HOME --chdir $T"
        # The host's versions of what the preset makes fresh.
        [/tmp]="--tmpfs $HOME --chdir /tmp"
        [/var]="--tmpfs $HOME --chdir /var"
        [/]="--tmpfs $HOME --chdir /"
        # Kernel interfaces and the desktop's sockets: not even as the
        # working directory (it may not be there: hutch's own fallback, the
        # cwd if the sandbox has it, else HOME).
        [/dev]="--tmpfs $HOME"
        [/run]="--tmpfs $HOME"
        [/proc/self/fdinfo]="--tmpfs $HOME"
        [/dev/pts]="--tmpfs $HOME"
        ["$XDG_RUNTIME_DIR"]="--tmpfs $HOME"
        ["$XDG_RUNTIME_DIR/sub"]="--tmpfs $HOME"
    )
    [[ ! -L /tmp && ! -L /var && ! -L /var/tmp ]] || unset 'cases[/tmp]' 'cases[/var]'
    local dir got expected
    for dir in "${!cases[@]}"; do
        [[ -d $dir ]] || continue
        got=$(cd "$dir" && cwd_words)
        # build makes the current directory writable only where safe shows it.
        if [[ $dir == "$T/project" ]]; then
            expected="${cases[$dir]}"$'\n'"build adds: --bind $dir $dir"
        else
            expected="${cases[$dir]}"$'\n'"build adds:"
        fi
        [[ $got == "$expected" ]] || fail "cwd $dir: expected:" "$expected" "got:" "$got"
    done
    # Above the runtime directory: not shown either.
    got=$(cd "$T/run" && XDG_RUNTIME_DIR=$T/run/sub cwd_words)
    [[ $got == "--tmpfs $HOME"$'\n'"build adds:" ]] || fail "above XDG_RUNTIME_DIR: got: $got"
    # HOME through a symbolic link, the cwd its real path: still only the empty HOME.
    got=$(cd "$T/home" && HOME=$T/homelink cwd_words)
    [[ $got == "--tmpfs $T/homelink"$'\n'"build adds:" ]] || fail "HOME through a link: got: $got"
}

@test "safe: in /tmp the sandbox has its own empty /tmp, not the host's (nor its X sockets)" {
    touch "/tmp/hutch-presets-probe.$$"
    cd /tmp
    # A HOME outside /tmp (it need not exist on the host), so that this cwd
    # does not hold it.
    HOME=/nonexistent/hutch-home run --separate-stderr "$HUTCH" --quiet -- /bin/sh -c \
        'pwd; ls -A /tmp | wc -l'
    rm -f "/tmp/hutch-presets-probe.$$"
    assert_success
    assert_output "/tmp
0"
}

@test "safe: HOME through a symbolic link stays empty when the cwd is its real path" {
    ln -s home "$T/homelink"
    cd "$T/home"
    HOME=$T/homelink run --separate-stderr "$HUTCH" --quiet -- /bin/sh -c \
        'pwd; ls -A; cat "'"$T"'/home/.ssh/id_test" 2>&1; echo end'
    assert_success
    assert_output "$T/homelink
cat: $T/home/.ssh/id_test: No such file or directory
end"
}

@test "safe: a cwd inside /proc is neither shown nor fatal: the command starts in HOME" {
    cd /proc/self/fdinfo
    run --separate-stderr "$HUTCH" --quiet -- /bin/sh -c 'pwd; ls -A | wc -l'
    assert_success
    assert_output "$HOME
0"
}

# --- the desktop preset on a real display ---------------------------------------

has_window() {
    xwininfo -root -tree -display "$DISPLAY" 2>/dev/null | grep -q "\"$1\""
}

# start_xvfb : a display of its own on the first free number, as DISPLAY
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

@test "--preset desktop runs an X11 client under Xvfb: its window appears; HOME is empty, the X socket there" {
    skip_unless_cmd xeyes
    start_xvfb
    unset XAUTHORITY WAYLAND_DISPLAY XDG_RUNTIME_DIR
    ! has_window xeyes || fail "an xeyes window before the test"

    "$HUTCH" --preset desktop -- xeyes >"$T/app.log" 2>&1 &
    track_pid $!
    wait_until 20 has_window xeyes || fail "no xeyes window on $DISPLAY" "$(cat "$T/app.log")"

    # Inside: HOME is empty, /tmp holds the display's socket and nothing
    # else, and the display answers through that socket file alone (in a
    # network namespace of its own the abstract socket is out of reach).
    run --separate-stderr "$HUTCH" --preset desktop -- /bin/sh -c \
        'echo "home: $(ls -A "$HOME" | wc -l)"
         echo "x11: $(ls -A /tmp/.X11-unix | tr "\n" " ")"
         [ -S "'"$X_SOCKET"'" ] && echo "socket: yes"'
    assert_success
    assert_output "home: 0
x11: X${DISPLAY#:} 
socket: yes"
    run --separate-stderr "$HUTCH" --preset desktop --unshare-net -- xwininfo -root -tree
    assert_success
    assert_output_contains "\"xeyes\""
}
