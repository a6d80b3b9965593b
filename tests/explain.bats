#!/usr/bin/env bats
# --explain and --learn: what the sandbox refused and which option did it
# (seen on stderr, or as JSON lines), the command's own results unchanged;
# a profile learnt from a run that runs it again, and nothing more.

setup() {
    load helpers
    load probe
    hutch_setup
    probe_setup
    if [[ $BATS_TEST_DESCRIPTION != *"setuid mode"* ]]; then
        skip_in_setuid_mode "--explain and --learn are refused there (a test says so)"
    fi
    export HOME=$T/home
    mkdir -p "$HOME"
    echo 'the secret' >"$HOME/secret"
}

teardown() {
    hutch_teardown
}

has_libseccomp() { "$HUTCH" --version | grep -q libseccomp; }

# explain_lines : the --explain lines of $stderr
explain_lines() { grep -- "^$HUTCH_NAME: --explain: " <<<"$stderr" || true; }

# --- system calls ---------------------------------------------------------------------

@test "--explain: keyctl refused by --seccomp-policy default is named, errno unchanged (EPERM)" {
    has_libseccomp || skip "built without libseccomp"
    # (--unshare-user: root without one gets hutch's keyring filter, ENOSYS, first)
    run --separate-stderr psb --unshare-user --seccomp-policy default -- $P call keyctl
    assert_success
    assert_output "EPERM"
    [[ -z $stderr ]]
    run --separate-stderr psb --unshare-user --explain --seccomp-policy default -- $P call keyctl
    assert_success
    assert_output "EPERM"
    [[ $(explain_lines) == *"hutch-probe (pid "*") keyctl: refused (EPERM) by --seccomp-policy default (@keyring)"* ]] ||
        fail "no report of keyctl in: $stderr"
}

@test "--explain: a --seccomp-deny refusal keeps its --seccomp-errno and names the option" {
    has_libseccomp || skip "built without libseccomp"
    run --separate-stderr psb --explain --seccomp-deny getppid --seccomp-errno ENOSYS -- $P call getppid
    assert_success
    assert_output "ENOSYS"
    [[ $stderr == *"getppid: refused (ENOSYS) by --seccomp-deny"* ]] || fail "$stderr"
    # The other calls are not refused, nor reported.
    [[ $stderr != *getpid:* ]]
}

@test "--explain: refusals are counted, one line each while running and in the summary" {
    has_libseccomp || skip "built without libseccomp"
    run --separate-stderr psb --explain --seccomp-deny sync -- /bin/sh -c "$P call sync; $P call sync; $P call sync"
    assert_success
    assert_output $'EPERM\nEPERM\nEPERM'
    [[ $(grep -c "sync: refused" <<<"$stderr") == 2 ]] || fail "$stderr"
    [[ $stderr == *"  3 times: sync: refused (EPERM) by --seccomp-deny"* ]] || fail "$stderr"
}

# --- files ----------------------------------------------------------------------------

@test "--explain: a file under \$HOME left out of --preset safe is named, with the bind that adds it" {
    echo 'x=1' >"$HOME/app.conf"
    run --separate-stderr "$HUTCH" --explain --preset safe -- cat "$HOME/app.conf"
    assert_status 1
    [[ -z $output ]]
    [[ $stderr == *"No such file or directory"* ]]
    [[ $(explain_lines) == *"cat (pid "*") openat $HOME/app.conf: not in the sandbox; add --ro-bind $HOME/app.conf $HOME/app.conf"* ]] ||
        fail "$stderr"
}

@test "--explain: a path that exists nowhere is the command's own business: no report" {
    run --separate-stderr "$HUTCH" --explain --preset safe -- cat "$HOME/no-such-file"
    assert_status 1
    [[ $stderr == *"No such file or directory"* ]]
    [[ -z $(explain_lines) ]] || fail "reported: $stderr"
}

@test "--explain: a write to a read-only bind is named, and nothing is written" {
    mkdir "$T/data"
    run --separate-stderr "$HUTCH" --explain "${SYSDIRS[@]}" --ro-bind "$T/data" /data -- /bin/sh -c 'echo x > /data/out'
    [[ $status -ne 0 ]]
    [[ $stderr == *"Read-only file system"* ]]
    [[ $(explain_lines) == *"openat /data/out: read-only under --ro-bind $T/data /data; --bind $T/data /data instead makes it writable"* ]] ||
        fail "$stderr"
    [[ ! -e $T/data/out ]]
}

@test "--explain: a read outside --landlock-ro is named" {
    skip_unless_landlock 1
    mkdir "$T/in" "$T/out"
    echo a >"$T/out/f"
    run --separate-stderr sb --explain --landlock-ro /usr --landlock-ro /lib --landlock-ro /lib64 --landlock-ro /etc \
        --landlock-ro /bin --landlock-ro "$T/in" -- /bin/cat "$T/out/f"
    [[ $status -ne 0 ]]
    [[ $stderr == *"Permission denied"* ]]
    [[ $(explain_lines) == *"openat $T/out/f: outside --landlock-ro/-rw; add --landlock-ro $T/out/f"* ]] || fail "$stderr"
}

# --- network --------------------------------------------------------------------------

@test "--explain: a connect with no network is named, with the options that give one" {
    skip_unless_cmd bash
    run --separate-stderr psb --explain --unshare-net -- /bin/bash -c 'exec 3<>/dev/tcp/192.0.2.1/80'
    [[ $status -ne 0 && $stderr == *"Network is unreachable"* ]] || fail "$stderr"
    [[ $(explain_lines) == *"connect 192.0.2.1:80: no network in the sandbox; add --share-net or --net pasta"* ]] ||
        fail "$stderr"
}

# --- what does not change ---------------------------------------------------------------

@test "--explain: a command that succeeds gets no report, and its output and status are its own" {
    run --separate-stderr sb --explain -- /bin/sh -c 'cat /etc/hostname >/dev/null && echo done; exit 7'
    assert_status 7
    assert_output "done"
    [[ -z $stderr ]] || fail "stderr: $stderr"
}

@test "--explain: the command is traced by hutch (TracerPid set), so nothing else can trace it" {
    # (Without a PID namespace of its own: the tracer, outside the
    # sandbox's, would be shown as 0.)
    run --separate-stderr "$HUTCH" --ro-bind / / --explain -- grep TracerPid /proc/self/status
    assert_success
    [[ $output =~ ^TracerPid:[[:space:]]+[1-9] ]] || fail "$output"
    run --separate-stderr "$HUTCH" --ro-bind / / -- grep TracerPid /proc/self/status
    [[ $output =~ ^TracerPid:[[:space:]]+0$ ]] || fail "$output"
}

@test "--explain=json: JSON lines on --json-status-fd, a refusal and a counted summary" {
    has_libseccomp || skip "built without libseccomp"
    run --separate-stderr psb --explain=json --json-status-fd 3 --seccomp-deny sync -- \
        /bin/sh -c "$P call sync; $P call sync" 3>"$T/status"
    assert_success
    assert_output $'EPERM\nEPERM'
    [[ -z $(explain_lines) ]] || fail "text on stderr: $stderr"
    grep -q '^{"explain":"refusal","kind":"syscall","reason":"refused (EPERM)","call":"sync",' "$T/status" ||
        fail "$(cat "$T/status")"
    grep -q '^{"explain":"summary",.*"call":"sync",.*"count":2}$' "$T/status" || fail "$(cat "$T/status")"
    python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$T/status"
}

# --- bad input ------------------------------------------------------------------------

@test "--explain=json without --json-status-fd is refused" {
    expect_error "--explain=json writes to --json-status-fd, which is not given" \
        --explain=json --ro-bind / / -- true
}

@test "--learn with an empty name, a directory, or in a directory that can't be written is refused" {
    expect_error "--learn: the profile's file name is empty" --learn '' --ro-bind / / -- true
    expect_error "--learn $T: is a directory (the profile to write is a file)" --learn "$T" --ro-bind / / -- true
    expect_error "--learn $T/nowhere/p: Can't write in $T/nowhere: No such file or directory" \
        --learn "$T/nowhere/p" --ro-bind / / -- true
    [[ ! -e $T/nowhere ]]
}

@test "--explain and --learn: refused in the setuid mode with one line" {
    setuid_mode || skip "only the setuid build refuses them"
    expect_error "--explain and --learn are not available in the setuid mode: the monitor may not trace a sandbox set up with root's help (run the hutch that is not setuid)" \
        --explain --ro-bind / / -- true
    expect_error "--explain and --learn are not available in the setuid mode: *" --learn "$T/p" --ro-bind / / -- true
    [[ ! -e $T/p ]]
}

# --- --learn --------------------------------------------------------------------------

# The sandbox learnt from: the host's tree read-only, the test's directory
# writable.
LEARN_SB=(--ro-bind / / --dev /dev --proc /proc --unshare-all)

# with_profile FILE COMMAND... : run COMMAND under the learnt profile
# (--profile when this hutch has it, else the profile's words as options).
with_profile() {
    local file=$1
    shift
    if "$HUTCH" --help 2>&1 | grep -q -- '--profile'; then
        "$HUTCH" --profile "$file" -- "$@"
    else
        local -a words
        eval "words=($(grep -v '^#' "$file"))"
        "$HUTCH" "${words[@]}" -- "$@"
    fi
}

# learn_bind_paths FILE : the destinations of the profile's binds
learnt() { grep -v '^#' "$1"; }

# The profile keeps the secret in $HOME out, whatever the command did.
assert_secret_out() {
    run --separate-stderr with_profile "$1" /bin/cat "$HOME/secret"
    [[ $status -ne 0 ]]
    [[ $output != *"the secret"* ]]
    [[ $stderr == *"No such file or directory"* ]] || fail "$stderr"
}

@test "--learn: git status in a repository, again under the profile, the secret out of reach" {
    skip_unless_cmd git
    mkdir "$T/repo"
    cd "$T/repo"
    git init -q . && git config user.email t@e && git config user.name t
    echo one >a && git add a && git commit -qm one && echo two >b
    local want
    want=$(git status --short)
    run --separate-stderr "$HUTCH" --learn "$T/git.profile" "${LEARN_SB[@]}" --bind "$T/repo" "$T/repo" -- git status --short
    assert_success
    [[ $output == "$want" ]]
    [[ $stderr == *"--learn: wrote the profile $T/git.profile"* ]]
    learnt "$T/git.profile" | grep -qx -- '--unshare-all'
    learnt "$T/git.profile" | grep -qx -- '--seccomp-policy default'
    ! learnt "$T/git.profile" | grep -q -- '--share-net'
    ! grep -q -- "--ro-bind $HOME $HOME\$" "$T/git.profile"
    run --separate-stderr with_profile "$T/git.profile" git status --short
    [[ $status == 0 ]] || fail "$stderr: $(cat "$T/git.profile")"
    [[ $output == "$want" ]] || fail "under the profile: $output / $stderr"
    assert_secret_out "$T/git.profile"
}

@test "--learn: python3 reading a config in \$HOME and writing a file, again under the profile" {
    skip_unless_cmd python3
    mkdir "$T/work"
    cd "$T/work"
    echo 'greeting=hello' >"$HOME/app.ini"
    cat >run.py <<'EOF'
import os, threading
t = threading.Thread(target=lambda: None)
t.start()
t.join()
conf = open(os.path.expanduser("~/app.ini")).read().strip()
os.makedirs("out", exist_ok=True)
open("out/result.txt", "w").write(conf.split("=")[1] + "\n")
EOF
    run --separate-stderr "$HUTCH" --learn "$T/py.profile" "${LEARN_SB[@]}" --bind "$T/work" "$T/work" -- python3 run.py
    assert_success
    [[ $(cat out/result.txt) == hello ]]
    rm -r out
    grep -qx -- "--ro-bind $HOME/app.ini $HOME/app.ini" "$T/py.profile" || fail "$(cat "$T/py.profile")"
    grep -qx -- "--bind $T/work $T/work" "$T/py.profile" || fail "$(cat "$T/py.profile")"
    # A thread's clone3 falls back to clone under the policy: it stays.
    learnt "$T/py.profile" | grep -qx -- '--seccomp-policy default' || fail "$(cat "$T/py.profile")"
    run --separate-stderr with_profile "$T/py.profile" python3 run.py
    assert_success
    [[ $(cat out/result.txt) == hello ]] || fail "$stderr"
    assert_secret_out "$T/py.profile"
}

@test "--learn: make on a small C project, again under the profile" {
    skip_unless_cmd make
    skip_unless_cmd cc
    mkdir "$T/proj"
    cd "$T/proj"
    printf '#include <stdio.h>\nint main(void){puts("built");return 0;}\n' >hello.c
    printf 'hello: hello.c\n\tcc -o hello hello.c\n' >Makefile
    run --separate-stderr "$HUTCH" --learn "$T/make.profile" "${LEARN_SB[@]}" --bind "$T/proj" "$T/proj" -- make
    assert_success
    [[ $(./hello) == built ]]
    rm hello
    run --separate-stderr with_profile "$T/make.profile" make
    assert_success
    [[ $(./hello) == built ]] || fail "$stderr"
    assert_secret_out "$T/make.profile"
}

@test "--learn: a connect puts --share-net in the profile, a call of the default policy's takes it out" {
    has_libseccomp || skip "built without libseccomp"
    run --separate-stderr "$HUTCH" --learn "$T/p" --ro-bind / / --unshare-all -- \
        /bin/bash -c "exec 3<>/dev/tcp/192.0.2.1/80; $PROBE call keyctl"
    [[ $stderr == *"Network is unreachable"* ]] || fail "$stderr"
    grep -qx -- '--share-net' "$T/p" || fail "$(cat "$T/p")"
    grep -q -- '^# the network of the host.s: it connected to 192.0.2.1:80' "$T/p"
    ! learnt "$T/p" | grep -q -- '--seccomp-policy'
    grep -q -- '^# not --seccomp-policy default: it called keyctl, refused by --seccomp-policy default (@keyring)' "$T/p" ||
        fail "$(cat "$T/p")"
}
