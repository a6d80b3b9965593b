#!/usr/bin/env bats
# The four uses of README.md, each run exactly as README shows it: a
# desktop application, a build step, an untrusted script, a shell alias.
# Each test proves what the recipe promises, and what it keeps out.

setup() {
    load helpers
    hutch_setup
    # README writes "hutch ..."; here that is the binary under test.
    mkdir -p "$T/bin"
    ln -s "$HUTCH" "$T/bin/hutch"
    PATH=$T/bin:$PATH
    WORK=""
}

teardown() {
    hutch_teardown
    [[ -z $WORK ]] || rm -rf "$WORK"
}

# A listener on the host's 127.0.0.1: $PORT; $T/connected appears when
# anything connects to it.
start_listener() {
    skip_unless_cmd python3
    python3 -c '
import socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(1)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]))
import os
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
c, _ = s.accept()
open(sys.argv[2], "w").write("connected")
' "$T/port" "$T/connected" &
    track_pid $!
    wait_until 10 file_nonempty "$T/port" || fail "the listener did not start"
    PORT=$(cat "$T/port")
}

# The python3 line a sandboxed program uses to reach the host's listener.
connect_cmd() {
    printf 'import socket; socket.create_connection(("127.0.0.1", %s), 3)' "$PORT"
}

# --- a desktop application ----------------------------------------------------

# Count the pixels of an XWD screenshot that differ from its commonest
# colour (the background).
count_pixels() {
    python3 - "$1" <<'EOF'
import struct, sys
from collections import Counter
data = open(sys.argv[1], "rb").read()
h = struct.unpack(">25I", data[:100])
header_size, width, height, bpp, bpl, ncolors = h[0], h[4], h[5], h[11], h[12], h[19]
off = header_size + ncolors * 12
step = bpp // 8
c = Counter()
for y in range(height):
    row = data[off + y * bpl: off + y * bpl + width * step]
    c.update(row[i:i + step] for i in range(0, len(row), step))
print(width * height - c.most_common(1)[0][1])
EOF
}

socket_answers() {
    python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).connect(sys.argv[1])' "$1" \
        2>/dev/null
}

has_window() {
    xwininfo -root -children -display "$DISPLAY" 2>/dev/null | grep -q "\"$1\""
}

drawn() {
    xwd -root -silent -display "$DISPLAY" >"$T/shot.xwd" 2>/dev/null &&
        (($(count_pixels "$T/shot.xwd") > 1000))
}

@test "recipe: a desktop app sees only the X socket, draws its window, can't read your home" {
    skip_unless_cmd Xvfb xeyes xwd xwininfo python3
    [[ -d /tmp/.X11-unix && -w /tmp/.X11-unix ]] || [[ ! -e /tmp/.X11-unix ]] ||
        skip "/tmp/.X11-unix is not writable for Xvfb"
    # A display of its own, black, on the first free number; -noreset, or it
    # would restart (and drop connections) each time its last client leaves.
    Xvfb -displayfd 5 -screen 0 320x240x24 -br -noreset -nolisten tcp 5>"$T/display" 2>"$T/xvfb.log" &
    XVFB_PID=$!
    track_pid $XVFB_PID
    wait_until 20 file_nonempty "$T/display" || fail "Xvfb did not start" "$(cat "$T/xvfb.log")"
    export DISPLAY=":$(head -n 1 "$T/display")"
    # The sandbox reaches the display through its socket file only (the
    # abstract socket is in the host's network namespace).
    wait_until 20 socket_answers "/tmp/.X11-unix/X${DISPLAY#:}" ||
        fail "no answer on /tmp/.X11-unix/X${DISPLAY#:}" "$(ls -la /tmp/.X11-unix)" \
            "$(cat "$T/xvfb.log")"
    xwd -root -silent -display "$DISPLAY" >"$T/before.xwd"
    [[ $(count_pixels "$T/before.xwd") -eq 0 ]] || fail "the display is not empty to start with"

    # The caller's home (outside /tmp) holds something the app must not see.
    WORK=$(mktemp -d /var/tmp/hutch-recipe.XXXXXX)
    export HOME=$WORK/home
    mkdir -p "$HOME"
    echo "TOP-SECRET-TOKEN" >"$HOME/secret"
    chmod -R a+rX "$WORK"

    # As README shows it.
    hutch --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib \
          --symlink usr/lib64 /lib64 --ro-bind /etc /etc \
          --dev /dev --proc /proc --tmpfs /tmp \
          --ro-bind "/tmp/.X11-unix/X${DISPLAY#:}" "/tmp/.X11-unix/X${DISPLAY#:}" \
          --setenv DISPLAY "$DISPLAY" --unsetenv XAUTHORITY \
          --unshare-all --die-with-parent --new-session -- xeyes >"$T/app.log" 2>&1 &
    track_pid $!

    # Its window shows up on the display, seen from outside.
    wait_until 20 has_window xeyes ||
        fail "no xeyes window" "$(cat "$T/app.log")" "$(ls -la --time-style=full-iso /tmp/.X11-unix /tmp/.X*-lock; cat /tmp/.X*-lock)" "$(ps -eo pid,user,lstart,args | grep -i [x]vfb)" "$(cat "$T/xvfb.log")"
    wait_until 20 drawn || fail "the window drew nothing" "$(cat "$T/app.log")"

    # The same sandbox can't read the caller's home, nor list /tmp beyond the socket.
    run hutch --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib \
          --symlink usr/lib64 /lib64 --ro-bind /etc /etc \
          --dev /dev --proc /proc --tmpfs /tmp \
          --ro-bind "/tmp/.X11-unix/X${DISPLAY#:}" "/tmp/.X11-unix/X${DISPLAY#:}" \
          --setenv DISPLAY "$DISPLAY" --unsetenv XAUTHORITY \
          --unshare-all --die-with-parent --new-session -- \
          sh -c 'cat "$HOME/secret"; ls -A "$HOME"; ls -A /tmp /tmp/.X11-unix'
    assert_output_not_contains "TOP-SECRET-TOKEN"
    assert_output_contains "$HOME/secret: No such file or directory"
    [[ $(sed -n '/^\/tmp:$/,/^$/p' <<<"$output" | grep -vc '^/tmp:$\|^$') -eq 1 ]] ||
        fail "/tmp holds more than the X11 socket directory" "$output"

    # Xvfb removes its socket and lock when asked to stop.
    kill -TERM "$XVFB_PID"
    wait "$XVFB_PID" 2>/dev/null || true
}

# --- a build step --------------------------------------------------------------

make_project() {
    WORK=$(mktemp -d /var/tmp/hutch-recipe.XXXXXX)
    mkdir "$WORK/src" "$WORK/out"
    cat >"$WORK/src/hello.c" <<'EOF'
#include <stdio.h>
int main (void) { puts ("hello from the sandbox"); return 0; }
EOF
    printf 'O ?= .\n$(O)/hello: hello.c\n\t$(CC) -o $@ hello.c\n' >"$WORK/src/Makefile"
    chmod -R a+rX "$WORK"
}

@test "recipe: a build step builds into out/, with no network and nothing else writable" {
    skip_unless_cmd make cc python3
    make_project
    start_listener
    cd "$WORK"

    # As README shows it.
    run hutch --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp \
          --ro-bind "$PWD/src" "$PWD/src" --bind "$PWD/out" "$PWD/out" \
          --chdir "$PWD" --unshare-all --die-with-parent -- make -C src O="$PWD/out"
    assert_success
    run "$WORK/out/hello"
    assert_output "hello from the sandbox"
    assert_no_path "$WORK/src/hello.o"

    # The same sandbox: the network and every place but out/ are out of reach.
    # shellcheck disable=SC2016
    run hutch --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp \
          --ro-bind "$PWD/src" "$PWD/src" --bind "$PWD/out" "$PWD/out" \
          --chdir "$PWD" --unshare-all --die-with-parent -- sh -c '
        python3 -c "$1" 2>/dev/null && echo "network: reached the host"
        for f in src/new stray /usr/stray /etc/stray "$HOME/stray"; do
            touch "$f" 2>/dev/null && echo "wrote $f"
        done
        touch out/artifact && echo "wrote out/artifact"
        touch /tmp/scratch && echo "wrote /tmp/scratch"' sh "$(connect_cmd)"
    assert_success
    assert_output "$(printf '%s\n' "wrote out/artifact" "wrote /tmp/scratch")"
    [[ -f $WORK/out/artifact ]] || fail "out/artifact is not on the host"
    assert_no_path "$WORK/src/new"
    assert_no_path "$WORK/stray"
    assert_no_path "$T/connected"
}

# --- an untrusted script ----------------------------------------------------------

@test "recipe: an untrusted script reaches nothing of yours, and its own work succeeds" {
    skip_unless_cmd python3 script sleep
    start_listener
    export HOME=$T/home
    mkdir -p "$HOME/.ssh"
    echo "PRIVATE KEY" >"$HOME/.ssh/id_rsa"
    sleep 1000 &
    local victim=$!
    track_pid "$victim"
    WORK=$(mktemp -d /var/tmp/hutch-recipe.XXXXXX)
    cd "$WORK"
    # What an untrusted script might try, with the host's facts baked in.
    cat >script.sh <<EOF
cat "$HOME/.ssh/id_rsa" 2>/dev/null && echo "LEAK: read ~/.ssh"
echo pwned 2>/dev/null >"$HOME/pwned" && echo "LEAK: wrote \$HOME"
python3 -c '$(connect_cmd)' 2>/dev/null && echo "LEAK: network"
kill -TERM $victim 2>/dev/null && echo "LEAK: signalled a host process"
python3 -c 'import fcntl, termios; fcntl.ioctl(0, termios.TIOCSTI, b"#")' 2>/dev/null &&
    echo "LEAK: pushed input into the terminal"
mkdir /tmp/work && echo \$((6 * 7)) >/tmp/work/answer && echo "work: \$(cat /tmp/work/answer)"
EOF
    chmod a+r script.sh

    # As README shows it, on a terminal (script(1) gives it one) so that
    # TIOCSTI would have a terminal to push into.
    run script -qec 'hutch --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib \
      --symlink usr/lib64 /lib64 --proc /proc --dev /dev --tmpfs /tmp \
      --ro-bind "$PWD/script.sh" /tmp/script.sh --clearenv --setenv PATH /usr/bin \
      --unshare-all --new-session --die-with-parent --cap-drop ALL -- sh /tmp/script.sh' /dev/null
    assert_success
    assert_output_not_contains "LEAK"
    assert_output_contains "work: 42"
    assert_no_path "$HOME/pwned"
    pid_alive "$victim" || fail "the host process was killed"
    assert_no_path "$T/connected"

    # Control: without the recipe's protections the same script does get
    # through (where the kernel still has TIOCSTI), so the checks above can
    # fail.
    run script -qec 'hutch --ro-bind /usr /usr --symlink usr/bin /bin --symlink usr/lib /lib \
      --symlink usr/lib64 /lib64 --proc /proc --dev /dev --tmpfs /tmp \
      --ro-bind "$PWD/script.sh" /tmp/script.sh --clearenv --setenv PATH /usr/bin \
      --die-with-parent -- sh /tmp/script.sh' /dev/null
    assert_output_contains "LEAK: signalled a host process"
    assert_output_contains "LEAK: network"
    if [[ $(cat /proc/sys/dev/tty/legacy_tiocsti 2>/dev/null) == 1 ]]; then
        assert_output_contains "LEAK: pushed input into the terminal"
    fi
}

# --- a shell alias ----------------------------------------------------------------

@test "recipe: the shell alias from README works in an interactive bash" {
    skip_unless_cmd bash python3
    start_listener
    export HOME=$T/home
    mkdir -p "$HOME"
    # The line README gives for ~/.bashrc: no file-system option, so hutch
    # applies its safe preset.
    cat >"$HOME/.bashrc" <<'EOF'
alias jail='hutch --'
EOF
    # shellcheck disable=SC2016
    local probe='
        touch /usr/stray 2>/dev/null && echo "wrote /usr"
        echo "home: $(ls -A "$HOME" | tr "\n" " ")"
        echo mine >"$HOME/notes" && echo "home is writable"
        python3 -c "$1" 2>/dev/null && echo "network: reached the host"
        echo "interfaces: $(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d " " | tr "\n" " ")"'
    run --separate-stderr bash -ic 'jail bash -c "$1" bash "$2"' bash "$probe" "$(connect_cmd)"
    assert_success
    assert_output "$(printf '%s\n' "home: " "home is writable" "interfaces: lo ")"
    assert_no_path "$HOME/notes"
    assert_no_path "$T/connected"
}
