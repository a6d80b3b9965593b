#!/usr/bin/env bats
# The shipped application profiles (profiles/*.profile), each running the
# real Debian program inside: it does its job in the current directory,
# and a private file (~/.ssh/id_test of the test's own HOME) and another
# project next to this one are out of its reach.  A test skips only when
# its program is not installed.

setup() {
    load helpers
    hutch_setup
    hutch_only
    mkdir -p "$T/home/.ssh" "$T/project" "$T/other"
    echo ssh-secret >"$T/home/.ssh/id_test"
    echo other-secret >"$T/other/secret.txt"
    export HOME=$T/home
    unset XDG_CONFIG_HOME
    SSH_KEY=$T/home/.ssh/id_test OTHER=$T/other/secret.txt
    cd "$T/project" || return 1
}

assert_failure() {
    ((status != 0)) || fail "expected a failure, got status 0" "$(_show_run)"
}

teardown() {
    # Xvfb removes its socket and lock file on SIGTERM, not on teardown's SIGKILL.
    if [[ -n ${XVFB_PID:-} ]]; then
        kill -TERM "$XVFB_PID" 2>/dev/null || true
        wait "$XVFB_PID" 2>/dev/null || true
    fi
    if [[ -n ${SERVER_PID:-} ]]; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    hutch_teardown
}

# app NAME ARGS... : run NAME's profile with the real program and ARGS
app() {
    local name=$1
    shift
    run --separate-stderr "$HUTCH" --profile "$name" -- "$@"
}

# assert_private_hidden NAME [N] : in NAME's sandbox, neither the private
# key nor the other project is there, and HOME has N entries (0; what the
# profile shows of it); the command is a shell: the program's own attempts
# are in each test
assert_private_hidden() {
    run --separate-stderr "$HUTCH" --profile "$1" -- /bin/sh -c \
        "cat '$SSH_KEY' 2>&1; cat '$OTHER' 2>&1; ls -A '$T/home' | wc -l; echo end"
    assert_output_not_contains ssh-secret
    assert_output_not_contains other-secret
    assert_output_contains "cat: $SSH_KEY: No such file or directory"
    assert_output_contains "cat: $OTHER: No such file or directory"
    assert_output_contains "${2:-0}
end"
}

# start_http DIR : a web server on the host's loopback serving DIR; PORT
start_http() {
    skip_unless_cmd /usr/bin/python3
    /usr/bin/python3 - "$1" "$T/port" >"$T/http.log" 2>&1 <<'PYTHON' &
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
server = http.server.HTTPServer(("127.0.0.1", 0), handler)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
server.serve_forever()
PYTHON
    SERVER_PID=$!
    wait_until 20 file_nonempty "$T/port" || fail "the web server did not start" "$(cat "$T/http.log")"
    PORT=$(<"$T/port")
}

@test "python3: runs a script of the current directory, writes there; the key and the other project stay out" {
    skip_unless_cmd /usr/bin/python3
    cat >script.py <<EOF
import sys
print("python", sys.version_info[0])
open("result.txt", "w").write("computed\n")
for p in ("$SSH_KEY", "$OTHER"):
    try:
        print(open(p).read().strip())
    except OSError as e:
        print(type(e).__name__, p)
EOF
    app python3 /usr/bin/python3 script.py
    assert_success
    assert_output "python 3
FileNotFoundError $SSH_KEY
FileNotFoundError $OTHER"
    assert_file_content "$T/project/result.txt" computed
    # The launcher alone runs Debian's python3.
    run --separate-stderr "$HUTCH" --profile python3 <<<'import sys; print(sys.executable)'
    assert_success
    assert_output /usr/bin/python3
    assert_private_hidden python3
}

@test "node: runs a script of the current directory, writes there; the key and the other project stay out" {
    skip_unless_cmd /usr/bin/node
    cat >script.js <<EOF
const fs = require("fs");
fs.writeFileSync("result.txt", "computed\n");
for (const p of ["$SSH_KEY", "$OTHER"]) {
  try { console.log(fs.readFileSync(p, "utf8").trim()); } catch (e) { console.log(e.code, p); }
}
EOF
    app node /usr/bin/node script.js
    assert_success
    assert_output "ENOENT $SSH_KEY
ENOENT $OTHER"
    assert_file_content "$T/project/result.txt" computed
    assert_private_hidden node
}

@test "npm: installs a package from a local tarball; its install script cannot reach the key or the other project" {
    skip_unless_cmd /usr/bin/npm /usr/bin/node
    mkdir -p "$T/pkg/package"
    cat >"$T/pkg/package/package.json" <<'EOF'
{ "name": "hutch-demo", "version": "1.0.0", "main": "index.js",
  "scripts": { "postinstall": "node probe.js" } }
EOF
    echo 'module.exports = "demo works";' >"$T/pkg/package/index.js"
    cat >"$T/pkg/package/probe.js" <<EOF
const fs = require("fs");
let seen = [];
for (const p of ["$SSH_KEY", "$OTHER"]) {
  try { seen.push(fs.readFileSync(p, "utf8").trim()); } catch (e) { seen.push(e.code); }
}
fs.writeFileSync(process.env.INIT_CWD + "/probe.txt", seen.join(" ") + "\n");
EOF
    tar -C "$T/pkg" -czf "$T/project/hutch-demo-1.0.0.tgz" package
    echo '{ "name": "proj", "version": "1.0.0" }' >package.json
    app npm /usr/bin/npm install --no-audit --no-fund ./hutch-demo-1.0.0.tgz
    assert_success
    [[ -f $T/project/node_modules/hutch-demo/index.js ]] || fail "not installed" "$(_show_run)"
    assert_file_content "$T/project/probe.txt" "ENOENT ENOENT"
    run /usr/bin/node -e 'console.log(require("hutch-demo"))'
    assert_output "demo works"
    assert_private_hidden npm
}

@test "make and gcc: build a project in the current directory; the key and the other project stay out" {
    skip_unless_cmd /usr/bin/make /usr/bin/gcc
    printf '#include <stdio.h>\nint main (void) { puts ("built by hutch"); return 0; }\n' >hello.c
    printf 'hello: hello.c\n\tgcc -o hello hello.c\nsteal:\n\tcat %s %s\n' "$SSH_KEY" "$OTHER" >Makefile
    app make /usr/bin/make hello
    assert_success
    run "$T/project/hello"
    assert_output "built by hutch"
    app make /usr/bin/make steal
    assert_failure
    [[ $stderr == *"$SSH_KEY: No such file or directory"* ]] || fail "make reached the key" "$(_show_run)"
    assert_output_not_contains ssh-secret
    rm -f hello
    app gcc /usr/bin/gcc -o hello hello.c
    assert_success
    run "$T/project/hello"
    assert_output "built by hutch"
    printf '#include "%s"\n' "$OTHER" >steal.c
    app gcc /usr/bin/gcc -E steal.c
    assert_failure
    [[ $stderr == *"$OTHER: No such file or directory"* ]] || fail "gcc reached the other project" "$(_show_run)"
    assert_private_hidden gcc
}

@test "git: commits in the repository that is the current directory, with the caller's identity; the other repository stays out" {
    skip_unless_cmd /usr/bin/git
    printf '[user]\n\tname = Hutch Tester\n\temail = tester@example.invalid\n[init]\n\tdefaultBranch = main\n' \
        >"$HOME/.gitconfig"
    git -C "$T/other" init -q
    echo tracked >file.txt
    app git /usr/bin/git init -q
    assert_success
    app git /usr/bin/git add file.txt
    assert_success
    app git /usr/bin/git commit -q -m "from the sandbox"
    assert_success
    run git -C "$T/project" log --format='%an %s'
    assert_output "Hutch Tester from the sandbox"
    app git /usr/bin/git -C "$T/other" status
    assert_failure
    [[ $stderr == *"cannot change to '$T/other'"* ]] || fail "git reached the other repository" "$(_show_run)"
    # The caller's configuration is read-only inside.
    app git /usr/bin/git config --global user.name Changed
    assert_failure
    run git config --global user.name
    assert_output "Hutch Tester"
    assert_private_hidden git 1 # ~/.gitconfig
}

@test "curl: downloads from the host's loopback into the current directory; the key is not there to read or send" {
    skip_unless_cmd /usr/bin/curl
    mkdir "$T/www"
    echo "served file" >"$T/www/file.txt"
    start_http "$T/www"
    app curl /usr/bin/curl -sS -o file.txt "http://127.0.0.1:$PORT/file.txt"
    assert_success
    assert_file_content "$T/project/file.txt" "served file"
    app curl /usr/bin/curl -sS "file://$SSH_KEY"
    assert_failure
    assert_output_not_contains ssh-secret
    [[ $stderr == *"Couldn't open file $SSH_KEY"* ]] || fail "curl reached the key" "$(_show_run)"
    assert_private_hidden curl
}

@test "wget: downloads from the host's loopback into the current directory; the key is not there to read" {
    skip_unless_cmd /usr/bin/wget
    mkdir "$T/www"
    echo "served by wget" >"$T/www/page.txt"
    start_http "$T/www"
    app wget /usr/bin/wget -q "http://127.0.0.1:$PORT/page.txt"
    assert_success
    assert_file_content "$T/project/page.txt" "served by wget"
    # wget exits 0 on an input file it cannot read: its words tell.
    app wget /usr/bin/wget -i "$SSH_KEY"
    [[ $stderr == *"$SSH_KEY: No such file or directory"* ]] || fail "wget reached the key" "$(_show_run)"
    assert_output_not_contains ssh-secret
    assert_private_hidden wget
}

# make_pdf FILE TEXT : a one-page PDF showing TEXT
make_pdf() {
    /usr/bin/python3 - "$1" "$2" <<'PYTHON'
import sys
text = sys.argv[2]
stream = "BT /F1 24 Tf 72 700 Td (%s) Tj ET" % text
objects = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
    "/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    "<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
]
out = "%PDF-1.4\n"
offsets = []
for i, o in enumerate(objects, 1):
    offsets.append(len(out))
    out += "%d 0 obj\n%s\nendobj\n" % (i, o)
xref = len(out)
out += "xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
out += "".join("%010d 00000 n \n" % o for o in offsets)
out += "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
open(sys.argv[1], "w").write(out)
PYTHON
}

@test "pdftotext: text from a PDF of the current directory, written next to it; a PDF of the other project stays out" {
    skip_unless_cmd /usr/bin/pdftotext /usr/bin/python3
    make_pdf untrusted.pdf "Hello from a PDF"
    make_pdf "$T/other/private.pdf" "private text"
    app pdftotext /usr/bin/pdftotext untrusted.pdf
    assert_success
    grep -q "Hello from a PDF" "$T/project/untrusted.txt" || fail "no text" "$(cat "$T/project/untrusted.txt")"
    app pdftotext /usr/bin/pdftotext "$T/other/private.pdf" out.txt
    assert_failure
    [[ $stderr == *"Couldn't open file '$T/other/private.pdf'"* ]] || fail "pdftotext reached the other project" "$(_show_run)"
    assert_no_path "$T/project/out.txt"
    assert_private_hidden pdftotext
}

@test "convert: converts an image of the current directory next to it; text:~/.ssh/id_test has nothing to read" {
    skip_unless_cmd /usr/bin/convert
    printf 'P3\n2 2\n255\n255 0 0  0 255 0\n0 0 255  255 255 255\n' >untrusted.ppm
    app convert /usr/bin/convert untrusted.ppm out.png
    assert_success
    [[ $(head -c 8 "$T/project/out.png" | od -An -tx1 | tr -d ' \n') == 89504e470d0a1a0a ]] ||
        fail "out.png is not a PNG" "$(_show_run)"
    app convert /usr/bin/convert "text:$SSH_KEY" key.png
    assert_failure
    assert_no_path "$T/project/key.png"
    [[ $stderr == *"$SSH_KEY"* ]] || fail "no error about the key" "$(_show_run)"
    assert_private_hidden convert
}

has_window() {
    xwininfo -root -tree -display "$DISPLAY" 2>/dev/null | grep -q "\"$1\""
}

# start_xvfb : a display of its own on the first free number, as DISPLAY
start_xvfb() {
    skip_unless_cmd Xvfb xwininfo
    [[ -d /tmp/.X11-unix && -w /tmp/.X11-unix ]] || [[ ! -e /tmp/.X11-unix ]] ||
        skip "/tmp/.X11-unix is not writable for Xvfb"
    Xvfb -displayfd 5 -screen 0 320x240x24 -br -noreset -nolisten tcp 5>"$T/display" 2>"$T/xvfb.log" &
    XVFB_PID=$!
    wait_until 20 file_nonempty "$T/display" || fail "Xvfb did not start" "$(cat "$T/xvfb.log")"
    DISPLAY=":$(head -n 1 "$T/display")"
    export DISPLAY
    unset XAUTHORITY WAYLAND_DISPLAY XDG_RUNTIME_DIR
    wait_until 20 xwininfo -root -display "$DISPLAY" >/dev/null 2>&1 ||
        fail "the display does not answer" "$(cat "$T/xvfb.log")"
}

@test "xeyes: the launcher opens its window on Xvfb, without the network; the key stays out" {
    skip_unless_cmd /usr/bin/xeyes
    start_xvfb
    "$HUTCH" --profile xeyes >"$T/app.log" 2>&1 &
    track_pid $!
    wait_until 20 has_window xeyes || fail "no xeyes window on $DISPLAY" "$(cat "$T/app.log")"
    run --separate-stderr "$HUTCH" --profile xeyes -- /bin/sh -c \
        'awk -F: "NR > 2 { gsub(/ /, \"\", \$1); print \$1 }" /proc/net/dev'
    assert_output lo
    assert_private_hidden xeyes
}

@test "feh: shows an image of the current directory on Xvfb; one of the other project stays out" {
    skip_unless_cmd /usr/bin/feh
    start_xvfb
    printf 'P3\n2 2\n255\n255 0 0  0 255 0\n0 0 255  255 255 255\n' >picture.ppm
    cp picture.ppm "$T/other/private.ppm"
    "$HUTCH" --profile feh -- /usr/bin/feh --title hutch-feh-picture picture.ppm >"$T/app.log" 2>&1 &
    track_pid $!
    wait_until 20 has_window hutch-feh-picture || fail "no feh window on $DISPLAY" "$(cat "$T/app.log")"
    app feh /usr/bin/feh --title hutch-feh-private "$T/other/private.ppm"
    assert_failure
    [[ $stderr == *"$T/other/private.ppm"* ]] || fail "no error about the other project's file" "$(_show_run)"
    ! has_window hutch-feh-private || fail "feh showed the other project's picture"
    assert_private_hidden feh
}
