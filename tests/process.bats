#!/usr/bin/env bats
# The command's process: exit status, signals, session, pid 1, working
# directory, environment, capabilities, no_new_privs, inherited descriptors.

setup() {
    load helpers
    hutch_setup
}

teardown() {
    if [[ -n ${SURVIVOR:-} ]]; then
        kill -KILL "$SURVIVOR" 2>/dev/null || true
    fi
    hutch_teardown
}

# The capability sets of the command, as "Eff Prm Bnd" hex words.
caps_of() {
    "$@" -- /bin/sh -c \
        'awk "/^CapEff/ { e = \$2 } /^CapPrm/ { p = \$2 } /^CapBnd/ { b = \$2 } END { print e, p, b }" /proc/self/status'
}

cap_word() { grep "^$1:" /proc/self/status | awk '{ print $2 }'; }

# --- exit status -------------------------------------------------------------------

@test "the command's exit status is hutch's (exit 7 -> 7), with and without a pid namespace" {
    run --separate-stderr "$HUTCH" --ro-bind / / -- /bin/sh -c 'echo out; exit 7'
    assert_status 7
    assert_output out
    run --separate-stderr hutch_sh 'echo out; exit 7'
    assert_status 7
    assert_output out
}

@test "exit status 0 and 255 are forwarded" {
    run --separate-stderr hutch_sh 'exit 0'
    assert_success
    run --separate-stderr hutch_sh 'exit 255'
    assert_status 255
}

@test "a command killed by SIGKILL gives 137, with and without a pid namespace" {
    run --separate-stderr "$HUTCH" --ro-bind / / -- /bin/sh -c 'echo before; kill -9 $$; echo after'
    assert_status 137
    assert_output before
    run --separate-stderr hutch_sh 'echo before; kill -9 $$; echo after'
    assert_status 137
    assert_output before
}

@test "a command killed by SIGTERM gives 143, with and without a pid namespace" {
    run --separate-stderr "$HUTCH" --ro-bind / / -- /bin/sh -c 'kill -TERM $$; echo after'
    assert_status 143
    assert_output ""
    run --separate-stderr hutch_sh 'kill -TERM $$; echo after'
    assert_status 143
    assert_output ""
}

@test "--as-pid-1: the command's exit status is still forwarded" {
    run --separate-stderr hutch_sh --as-pid-1 'echo $$; exit 9'
    assert_status 9
    assert_output 1
}

@test "a command that cannot be found: 'execvp nonexistentcmd: No such file or directory', exit 1" {
    hutch_error "${SB[@]}" --setenv PATH /usr/bin:/bin -- nonexistentcmd
    assert_status 1
    assert_error_line "execvp nonexistentcmd: No such file or directory"
    [[ -z $output ]] || fail "stdout: $output"
}

@test "a command path that is not executable: 'execvp PATH: Permission denied'" {
    echo 'echo ran' > "$T/script"
    chmod 0644 "$T/script"
    run --separate-stderr sb -- "$T/script"
    assert_status 1
    assert_error_line "execvp $T/script: Permission denied"
    [[ -z $output ]] || fail "stdout: $output"
}

@test "the command is looked up in PATH as set inside" {
    mkdir "$T/bin"
    printf '#!/bin/sh\necho found-me\n' > "$T/bin/mytool"
    chmod 0755 "$T/bin/mytool"
    run --separate-stderr sb --setenv PATH "$T/bin:/usr/bin:/bin" -- mytool
    assert_success
    assert_output found-me
}

# --- signals, parent death -------------------------------------------------------------

@test "SIGTERM sent to hutch reaches the command" {
    hutch_only "bubblewrap does not forward signals to the command"
    mkdir "$T/flag"
    "$HUTCH" "${SB[@]}" --die-with-parent --bind "$T/flag" /tmp -- /bin/sh -c '
        trap "echo got-term > /tmp/got; exit 0" TERM
        echo up > /tmp/ready
        i=0; while [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done' >/dev/null 2>&1 3>&- &
    local pid=$!
    track_pid "$pid"
    wait_until 20 file_exists "$T/flag/ready" || fail "the sandbox did not start"
    kill -TERM "$pid"
    wait_until 20 file_exists "$T/flag/got" || fail "the command never saw SIGTERM"
    assert_file_content "$T/flag/got" got-term
    local rc=0
    wait "$pid" || rc=$?
    [[ $rc -eq 0 ]] || fail "hutch exited $rc after the command exited 0"
}

@test "--die-with-parent: the command is killed when hutch's parent dies" {
    mkdir "$T/flag"
    /bin/sh -c '"$@" & wait' sh "$HUTCH" --ro-bind / / --bind "$T/flag" /tmp \
        --die-with-parent -- /bin/sh -c 'echo $$ > /tmp/pid.tmp; mv /tmp/pid.tmp /tmp/pid; exec sleep 1000' \
        >/dev/null 2>&1 3>&- &
    local parent=$!
    track_pid "$parent"
    wait_until 20 file_exists "$T/flag/pid" || fail "the sandbox did not start"
    local child
    child=$(cat "$T/flag/pid")
    SURVIVOR=$child
    pid_alive "$child" || fail "the command is not running"
    kill -KILL "$parent"
    wait_until 10 pid_gone "$child" || fail "the command $child outlived its parent"
}

@test "--die-with-parent with a pid namespace: the whole sandbox goes" {
    skip_unless_cmd pgrep
    mkdir "$T/flag"
    local marker=$((900000 + RANDOM))
    /bin/sh -c '"$@" & wait' sh "$HUTCH" "${SB[@]}" --bind "$T/flag" /tmp \
        --die-with-parent -- /bin/sh -c "touch /tmp/ready; exec sleep $marker" \
        >/dev/null 2>&1 3>&- &
    local parent=$!
    track_pid "$parent"
    wait_until 20 file_exists "$T/flag/ready" || fail "the sandbox did not start"
    local child=""
    wait_until 10 eval 'child=$(pgrep -x -f "sleep $marker")' || fail "no sleep found"
    SURVIVOR=$child
    kill -KILL "$parent"
    wait_until 10 pid_gone "$child" || fail "the command $child outlived its parent"
}

@test "without --die-with-parent the command survives its grandparent (control)" {
    mkdir "$T/flag"
    /bin/sh -c '"$@" & wait' sh "$HUTCH" --ro-bind / / --bind "$T/flag" /tmp -- \
        /bin/sh -c 'echo $$ > /tmp/pid.tmp; mv /tmp/pid.tmp /tmp/pid; exec sleep 1000' \
        >/dev/null 2>&1 3>&- &
    local parent=$!
    track_pid "$parent"
    wait_until 20 file_exists "$T/flag/pid" || fail "the sandbox did not start"
    local child
    child=$(cat "$T/flag/pid")
    SURVIVOR=$child
    kill -KILL "$parent"
    wait "$parent" 2>/dev/null || true
    # Give a wrongly-set parent-death signal the same time the other test allows.
    ! wait_until 2 pid_gone "$child" || fail "the command died with its grandparent"
}

# --- session, pid 1, reaper -------------------------------------------------------------

@test "--new-session: the command gets a session of its own" {
    local outer
    outer=$(cut -d' ' -f6 /proc/$$/stat)
    run --separate-stderr "$HUTCH" --ro-bind / / --new-session -- /bin/sh -c \
        'echo "$(cut -d" " -f6 /proc/$$/stat) $$"'
    assert_success
    local sid pid
    read -r sid pid <<<"$output"
    [[ $sid == "$pid" ]] || fail "sid $sid is not the command's own pid $pid"
    [[ $sid != "$outer" ]] || fail "still in the caller's session $outer"
}

@test "without --new-session the command stays in the caller's session" {
    local outer
    outer=$(cut -d' ' -f6 /proc/$$/stat)
    run --separate-stderr "$HUTCH" --ro-bind / / -- /bin/sh -c 'cut -d" " -f6 /proc/$$/stat'
    assert_success
    assert_output "$outer"
}

@test "--as-pid-1: pid 1 is the command itself, no reaper" {
    run --separate-stderr hutch_sh --as-pid-1 'echo $$; tr "\0" " " < /proc/1/cmdline'
    assert_success
    [[ ${lines[0]} == 1 ]] || fail "pid: ${lines[0]}"
    [[ ${lines[1]} == "/bin/sh -c "* ]] || fail "pid 1 runs: ${lines[1]}"
}

@test "with --unshare-pid a reaper is pid 1 and the command is its child" {
    run --separate-stderr hutch_sh 'echo $$; awk "/^PPid/ { print \$2 }" /proc/$$/status'
    assert_success
    assert_output "2
1"
}

@test "the reaper collects orphaned processes (no zombie is left)" {
    run --separate-stderr hutch_sh '
        ( /bin/sh -c "exit 0" & )
        i=0
        while [ $i -lt 100 ]; do
            zombies=$(cat /proc/[0-9]*/stat 2>/dev/null | grep -c ") Z ")
            [ "$zombies" -eq 0 ] && break
            sleep 0.05; i=$((i+1))
        done
        echo "zombies=$zombies"'
    assert_success
    assert_output "zombies=0"
}

# --- working directory -------------------------------------------------------------------

@test "--chdir: the command starts in that directory, PWD set" {
    run --separate-stderr sb --chdir /usr/share -- /bin/sh -c 'pwd -P; printenv PWD'
    assert_success
    assert_output "/usr/share
/usr/share"
}

@test "without --chdir the caller's directory is kept when visible inside" {
    cd "$T"
    run --separate-stderr sb -- /bin/sh -c 'pwd -P'
    assert_success
    assert_output "$(pwd -P)"
}

@test "PWD is exported to the command as its working directory" {
    cd "$T"
    run --separate-stderr sb -- /usr/bin/printenv PWD
    assert_success
    assert_output "$T"
}

@test "when the caller's directory is not inside, \$HOME is used" {
    cd "$T"
    HOME=/usr/share run --separate-stderr minsb -- /bin/sh -c 'pwd -P; printenv PWD'
    assert_success
    assert_output "/usr/share
/usr/share"
}

@test "when neither the caller's directory nor \$HOME is inside, / is used" {
    cd "$T"
    HOME=/nonexistent-home run --separate-stderr minsb -- /bin/sh -c 'pwd -P'
    assert_success
    assert_output /
}

@test "--chdir to a missing directory is an error and nothing runs" {
    hutch_error "${SB[@]}" --chdir /nonexistent-dir -- /bin/echo ran
    assert_status 1
    assert_error_line "*/nonexistent-dir*"
    [[ -z $output ]] || fail "the command ran"
}

# --- environment --------------------------------------------------------------------------

@test "the caller's environment is passed through by default" {
    HUTCH_TEST_VAR=passed run --separate-stderr sb -- /usr/bin/printenv HUTCH_TEST_VAR
    assert_success
    assert_output passed
}

@test "--setenv sets a variable, overriding the caller's" {
    HUTCH_TEST_VAR=outer run --separate-stderr sb --setenv HUTCH_TEST_VAR inner \
        --setenv OTHER 'a b=c' -- /bin/sh -c 'echo "$HUTCH_TEST_VAR|$OTHER"'
    assert_success
    assert_output "inner|a b=c"
}

@test "--unsetenv removes a variable" {
    HUTCH_TEST_VAR=outer run --separate-stderr sb --unsetenv HUTCH_TEST_VAR -- \
        /bin/sh -c 'echo "${HUTCH_TEST_VAR-unset}"'
    assert_success
    assert_output unset
}

@test "--clearenv leaves only PWD" {
    HUTCH_TEST_VAR=outer run --separate-stderr sb --chdir /usr --clearenv -- /usr/bin/env
    assert_success
    assert_output "PWD=/usr"
}

@test "environment options apply in order: --setenv before --clearenv is lost" {
    run --separate-stderr sb --chdir / --setenv A 1 --clearenv --setenv B 2 -- /usr/bin/env
    assert_success
    [[ $(printf '%s\n' "${lines[@]}" | sort | tr '\n' ' ') == "B=2 PWD=/ " ]] ||
        fail "environment: $output"
}

@test "environment options apply in order: the last of --setenv/--unsetenv wins" {
    run --separate-stderr sb --setenv A 1 --unsetenv A --unsetenv B --setenv B 2 -- \
        /bin/sh -c 'echo "${A-unset} ${B-unset}"'
    assert_success
    assert_output "unset 2"
}

# --- capabilities and privileges ------------------------------------------------------------

@test "as root: the command keeps root's capabilities by default" {
    skip_unless_root
    run --separate-stderr caps_of sb
    assert_success
    local eff prm bnd
    read -r eff prm bnd <<<"$output"
    [[ $eff == "$(cap_word CapEff)" ]] || fail "CapEff $eff, host $(cap_word CapEff)"
}

@test "as root: --cap-drop CAP_NET_ADMIN removes just that capability" {
    skip_unless_root
    run --separate-stderr caps_of sb --cap-drop CAP_NET_ADMIN
    assert_success
    local eff prm bnd host
    read -r eff prm bnd <<<"$output"
    host=$((16#$(cap_word CapEff)))
    (((16#$eff) == (host & ~0x1000))) || fail "CapEff $eff"
}

@test "as root: --cap-drop ALL leaves no effective capability" {
    skip_unless_root
    run --separate-stderr caps_of sb --cap-drop ALL
    assert_success
    local eff prm bnd
    read -r eff prm bnd <<<"$output"
    [[ $eff == 0000000000000000 && $prm == 0000000000000000 ]] || fail "caps: $output"
}

@test "as root: --cap-drop ALL --cap-add CAP_NET_ADMIN keeps only that one" {
    skip_unless_root
    run --separate-stderr caps_of sb --cap-drop ALL --cap-add CAP_NET_ADMIN
    assert_success
    local eff prm bnd
    read -r eff prm bnd <<<"$output"
    [[ $eff == 0000000000001000 ]] || fail "caps: $output"
}

@test "unprivileged: the command has no capability at all" {
    skip_if_root
    run --separate-stderr caps_of sb
    assert_success
    assert_output "0000000000000000 0000000000000000 0000000000000000"
}

@test "unprivileged: --uid 0 alone gives no capability" {
    skip_if_root
    run --separate-stderr caps_of sb --unshare-user --uid 0
    assert_success
    assert_output "0000000000000000 0000000000000000 0000000000000000"
}

@test "unprivileged: --uid 0 --cap-add CAP_NET_ADMIN gives exactly that capability" {
    skip_in_setuid_mode "--cap-add is refused for a caller who is not root"
    skip_if_root
    run --separate-stderr caps_of sb --unshare-user --uid 0 --cap-add CAP_NET_ADMIN
    assert_success
    local eff prm bnd
    read -r eff prm bnd <<<"$output"
    [[ $eff == 0000000000001000 ]] || fail "caps: $output"
}

@test "no_new_privs is set for the command" {
    run --separate-stderr sb -- /bin/sh -c 'grep "^NoNewPrivs:" /proc/self/status'
    assert_success
    assert_output_matches '^NoNewPrivs:[[:space:]]+1$'
}

# --- descriptors --------------------------------------------------------------------------------

@test "the command inherits only descriptors 0, 1 and 2 when the caller has no others" {
    # (A plain command, no pipeline: sh itself holds no pipe while ls looks.)
    run --separate-stderr run_closing_fds "$HUTCH" "${SB[@]}" -- \
        /bin/sh -c 'ls /proc/$$/fd'
    assert_success
    [[ $(sort -n <<<"$output" | tr '\n' ' ') == "0 1 2 " ]] ||
        fail "descriptors of the command: $(tr '\n' ' ' <<<"$output")"
}

@test "descriptors named by --args, --file, --bind-data, --info-fd, --json-status-fd, --sync-fd are not passed on" {
    printf '%s\0' --setenv FROM_ARGS 1 > "$T/args"
    echo content > "$T/src"
    run --separate-stderr run_closing_fds bash -c '
        exec 3<"$1/args" 4<"$1/src" 5<"$1/src" 6>"$1/info" 7>"$1/status" 8</dev/null
        shift
        exec "$@"' _ "$T" "$HUTCH" "${SB[@]}" --tmpfs /mnt --args 3 --file 4 /mnt/f \
        --bind-data 5 /mnt/g --info-fd 6 --json-status-fd 7 --sync-fd 8 -- \
        /bin/sh -c 'echo "args=$FROM_ARGS"; cat /mnt/f; ls /proc/$$/fd'
    assert_success
    [[ ${lines[0]} == args=1 && ${lines[1]} == content ]] || fail "output: $output"
    [[ $(printf '%s\n' "${lines[@]:2}" | sort -n | tr '\n' ' ') == "0 1 2 " ]] ||
        fail "descriptors of the command: ${lines[*]:2}"
}
