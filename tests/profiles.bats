#!/usr/bin/env bats
# Profile files: --profile NAME|PATH, their format, lookup, includes,
# launcher commands, --profile list, --dry-run's origins, and their errors.
# (The shipped application profiles: profile-apps.bats.)

setup() {
    load helpers
    hutch_setup
    hutch_only
    mkdir -p "$T/home/.ssh" "$T/project" "$T/conf/hutch/profiles"
    echo secret >"$T/home/.ssh/id_test"
    echo source >"$T/project/main.c"
    export HOME=$T/home XDG_CONFIG_HOME=$T/conf
    P=$T/conf/hutch/profiles
    cd "$T/project" || return 1
}

teardown() {
    hutch_teardown
}

# profile FILE LINE... : write a profile, one argument a line
profile() {
    local f=$1
    shift
    printf '%s\n' "$@" >"$f"
    chmod 0644 "$f"
}

@test "--profile PATH: its options stand where it does; later options add and override" {
    profile "$T/p.profile" '--preset safe' '--hostname from-profile' '--tmpfs /mnt'
    run --separate-stderr "$HUTCH" --profile "$T/p.profile" --hostname later -- /bin/sh -c \
        'cat /proc/sys/kernel/hostname; ls -A "$HOME" | wc -l; touch /mnt/x && echo mnt-writable; cat main.c'
    assert_success
    assert_output "later
0
mnt-writable
source"
}

@test "--profile NAME is looked up in \$XDG_CONFIG_HOME/hutch/profiles, else ~/.config" {
    profile "$P/mine.profile" '--preset safe' '--setenv FROM xdg'
    run --separate-stderr "$HUTCH" --profile mine -- /bin/sh -c 'echo "$FROM"'
    assert_success
    assert_output xdg
    mkdir -p "$HOME/.config/hutch/profiles"
    profile "$HOME/.config/hutch/profiles/mine.profile" '--preset safe' '--setenv FROM home'
    run --separate-stderr env -u XDG_CONFIG_HOME "$HUTCH" --profile mine -- /bin/sh -c 'echo "$FROM"'
    assert_success
    assert_output home
}

@test "a profile of the caller's named like a shipped one comes first; --preset keeps the shipped one" {
    profile "$P/safe.profile" '--preset net' '--ro-bind / /' '--setenv MINE 1'
    run --separate-stderr "$HUTCH" --profile safe -- /bin/sh -c 'echo "mine=${MINE:-no}"; cat "$HOME/.ssh/id_test"'
    assert_success
    assert_output "mine=1
secret"
    run --separate-stderr "$HUTCH" --preset safe -- /bin/sh -c 'echo "mine=${MINE:-no}"; cat "$HOME/.ssh/id_test" 2>&1'
    assert_output_contains "mine=no"
    assert_output_not_contains secret
}

@test "--preset safe and --profile safe read the same shipped file" {
    run --separate-stderr "$HUTCH" --dry-run --preset safe -- true
    assert_success
    local preset=$output
    run --separate-stderr "$HUTCH" --dry-run --profile safe -- true
    assert_success
    [[ $output == "$preset" ]] || fail "the plans differ" "$(diff <(echo "$preset") <(echo "$output"))"
    assert_output_contains "builtin:safe.profile:"
}

@test "--profile list: every profile found, and where; the caller's first" {
    profile "$P/mine.profile" '--preset safe'
    profile "$P/safe.profile" '--preset safe'
    : >"$P/not-a-profile.txt"
    run --separate-stderr "$HUTCH" --profile list
    assert_success
    assert_output_contains "mine	$P/mine.profile"
    assert_output_contains "safe	$P/safe.profile"
    assert_output_contains "safe	builtin:safe.profile"
    assert_output_contains "python3	builtin:python3.profile"
    assert_output_not_contains not-a-profile
    [[ ${lines[0]} == "mine	$P/mine.profile" ]] || fail "the caller's profiles come first" "$output"
}

@test "quoting, comments, blank lines, joined lines and \${VAR} expansion, seen inside" {
    export HUTCH_TEST_VAR="a b" HUTCH_EMPTY=""
    cat >"$T/q.profile" <<'EOF'
# a comment line, then a blank one

--preset safe   # a comment after an option
--setenv SINGLE 'it $is ${HOME} \ "kept"'
--setenv DOUBLE "${HUTCH_TEST_VAR}  \"q\" \$"
--setenv BARE a\ b\#c#d
--setenv DEFAULT ${HUTCH_UNSET:-${HOME}/dflt}${HUTCH_EMPTY:-/e}
--setenv \
    JOINED \
    yes
--dir /tmp/${HUTCH_EMPTY:-d}${UID}
EOF
    chmod 0644 "$T/q.profile"
    run --separate-stderr "$HUTCH" --profile "$T/q.profile" -- /bin/sh -c \
        'printf "%s\n" "$SINGLE" "$DOUBLE" "$BARE" "$DEFAULT" "$JOINED"; ls -d /tmp/d*'
    assert_success
    assert_output "it \$is \${HOME} \\ \"kept\"
a b  \"q\" \$
a b#c#d
$HOME/dflt/e
yes
/tmp/d$(id -u)"
}

@test "\${UID}, \${GID}, \${HOME} and \${PWD} are known even when the environment lacks them" {
    profile "$T/v.profile" '--preset safe' '--setenv IDS ${UID}:${GID}' '--setenv WHERE ${PWD}' '--setenv H ${HOME}'
    run --separate-stderr env -u HOME -u PWD -u UID "$HUTCH" --profile "$T/v.profile" -- \
        /bin/sh -c 'echo "$IDS $WHERE $H"'
    assert_success
    assert_output "$(id -u):$(id -g) $T/project $(getent passwd "$(id -u)" | cut -d: -f6)"
}

@test "a profile ending in -- COMMAND is a launcher; a command on the command line replaces it" {
    profile "$T/l.profile" '--preset safe' '-- /bin/sh -c "echo launched $0" arg0'
    run --separate-stderr "$HUTCH" --profile "$T/l.profile"
    assert_success
    assert_output "launched arg0"
    run --separate-stderr "$HUTCH" --profile "$T/l.profile" --setenv X y -- /bin/sh -c 'echo "mine $X"'
    assert_success
    assert_output "mine y"
    # The outermost profile's command wins over an included one's.
    profile "$T/outer.profile" "--profile $T/l.profile" '-- /bin/echo outer'
    run --separate-stderr "$HUTCH" --profile "$T/outer.profile"
    assert_success
    assert_output outer
}

@test "includes: --profile (a relative path from the including file's directory) and --preset" {
    mkdir -p "$T/lib"
    profile "$T/lib/base.profile" '--preset build' '--setenv BASE 1'
    profile "$T/lib/top.profile" '--profile ./base.profile' '--setenv TOP 1'
    run --separate-stderr "$HUTCH" --profile "$T/lib/top.profile" -- /bin/sh -c \
        'echo "$BASE$TOP"; echo built >out.o; cat out.o'
    assert_success
    assert_output "11
built"
    assert_file_content "$T/project/out.o" built
}

@test "--dry-run lists each option a profile gave with its file:line" {
    profile "$T/o.profile" '# line 1' '--preset net' '' '--tmpfs /mnt'
    run --separate-stderr "$HUTCH" --dry-run --profile "$T/o.profile" --ro-bind / / -- true
    assert_success
    assert_output_contains "options from profiles:
  $T/o.profile:2: --preset net
  builtin:net.profile:3: --share-net
  $T/o.profile:4: --tmpfs /mnt"
    assert_output_not_contains ": --ro-bind / /"
    skip_unless_cmd python3
    run --separate-stderr "$HUTCH" --dry-run=json --profile "$T/o.profile" --ro-bind / / -- true
    assert_success
    run python3 -c 'import json, sys; print(json.loads(sys.argv[1])["origins"][2])' "$output"
    assert_output "{'option': '--tmpfs /mnt', 'from': '$T/o.profile:4'}"
}

@test "a profile writable by its group or others, or in such a directory, is refused" {
    profile "$T/w.profile" '--tmpfs /mnt'
    chmod 0664 "$T/w.profile"
    expect_error "--profile $T/w.profile: writable by others (mode 0664): refused (chmod go-w $T/w.profile)" \
        --profile "$T/w.profile" -- /bin/true
    chmod 0646 "$T/w.profile"
    expect_error "--profile $T/w.profile: writable by others (mode 0646): refused*" \
        --profile "$T/w.profile" -- /bin/true
    mkdir "$T/open"
    profile "$T/open/x.profile" '--tmpfs /mnt'
    chmod 0777 "$T/open"
    expect_error "--profile $T/open/x.profile: its directory $T/open is writable by others (mode 0777): refused*" \
        --profile "$T/open/x.profile" -- /bin/true
    # Sticky, as /tmp: others cannot replace the file.
    chmod 1777 "$T/open"
    run --separate-stderr "$HUTCH" --ro-bind / / --profile "$T/open/x.profile" -- /bin/sh -c 'touch /mnt/y && echo ok'
    assert_success
    assert_output ok
}

@test "errors in a profile name file:line and quote the word at fault" {
    profile "$T/e.profile" '--preset safe' '--no-such-option x'
    expect_error "$T/e.profile:2: \"--no-such-option\": not an option (a line is an option and its arguments)" \
        --profile "$T/e.profile" -- /bin/true
    profile "$T/e.profile" '' '--ro-bind /a'
    expect_error "$T/e.profile:2: \"--ro-bind\" takes 2 arguments on its line, not 1" \
        --profile "$T/e.profile" -- /bin/true
    profile "$T/e.profile" '--tmpfs /a --tmpfs /b'
    expect_error "$T/e.profile:1: \"--tmpfs\" takes 1 argument on its line, not 3" \
        --profile "$T/e.profile" -- /bin/true
    profile "$T/e.profile" '# x' '--tmpfs ${HUTCH_SURELY_UNSET}/x'
    expect_error "$T/e.profile:2: \"\${HUTCH_SURELY_UNSET}/x\": \${HUTCH_SURELY_UNSET} is not set (write \${HUTCH_SURELY_UNSET:-DEFAULT} for a default)" \
        --profile "$T/e.profile" -- /bin/true
    profile "$T/e.profile" "--tmpfs 'open"
    expect_error "$T/e.profile:1: \"'open\": a single quote without its end on the same line" \
        --profile "$T/e.profile" -- /bin/true
    profile "$T/e.profile" '--tmpfs $HOME'
    expect_error "$T/e.profile:1: \"\$HOME\": write \${NAME}, not \$NAME (or '\$' for a dollar sign)" \
        --profile "$T/e.profile" -- /bin/true
    profile "$T/e.profile" '--args 3'
    expect_error "$T/e.profile:1: \"--args\": not in a profile" --profile "$T/e.profile" -- /bin/true
    profile "$T/e.profile" '--profile list'
    expect_error "$T/e.profile:1: \"--profile list\": not in a profile" --profile "$T/e.profile" -- /bin/true
    profile "$T/e.profile" '-- /bin/true' '--tmpfs /x'
    expect_error "$T/e.profile:2: \"--tmpfs\": nothing may follow the command (line 1)" \
        --profile "$T/e.profile" -- /bin/true
    profile "$T/e.profile" '--'
    expect_error "$T/e.profile:1: \"--\": a command must follow it on its line" \
        --profile "$T/e.profile" -- /bin/true
    printf -- '--tmpfs /a\n--tmpfs /b\0\n' >"$T/e.profile"
    expect_error "--profile $T/e.profile:2: a NUL byte: not a profile" --profile "$T/e.profile" -- /bin/true
}

@test "an option's own error in a profile names file:line too" {
    profile "$T/e.profile" '--preset safe' '--cwd-bind sideways'
    expect_error "$T/e.profile:2: --cwd-bind: \"sideways\": ro or rw" --profile "$T/e.profile" -- /bin/true
    profile "$T/e.profile" '--uid notanumber'
    expect_error "$T/e.profile:1: *" --profile "$T/e.profile" -- /bin/true
}

@test "an include cycle and includes nested deeper than 8 are refused" {
    profile "$T/a.profile" '--tmpfs /a' "--profile $T/b.profile"
    profile "$T/b.profile" "--profile $T/a.profile"
    expect_error "$T/b.profile:1: \"$T/a.profile\": $T/a.profile includes itself (through $T/b.profile)" \
        --profile "$T/a.profile" -- /bin/true
    profile "$T/self.profile" '--profile ./self.profile'
    expect_error "$T/self.profile:1: \"./self.profile\": $T/self.profile includes itself*" \
        --profile "$T/self.profile" -- /bin/true
    local i
    for i in 1 2 3 4 5 6 7 8; do
        profile "$T/d$i.profile" "--profile ./d$((i + 1)).profile"
    done
    profile "$T/d9.profile" '--tmpfs /deep'
    expect_error "$T/d8.profile:1: \"./d9.profile\": includes nested more than 8 deep" \
        --profile "$T/d1.profile" -- /bin/true
    # Eight deep is fine.
    run --separate-stderr "$HUTCH" --dry-run --profile "$T/d2.profile" -- /bin/true
    assert_success
    assert_output_contains ". tmpfs /deep"
}

@test "a profile that is not there, a bad name, a directory: one line each" {
    expect_error "--profile nope: no nope.profile in ~/.config/hutch/profiles, * nor shipped (--profile list shows them)" \
        --profile nope -- /bin/true
    expect_error "--profile \"bad name\": not a profile name*" --profile 'bad name' -- /bin/true
    expect_error "--profile \".hidden\": not a profile name*" --profile .hidden -- /bin/true
    expect_error "--profile $T/none.profile: can't open it: No such file or directory" \
        --profile "$T/none.profile" -- /bin/true
    mkdir "$T/dir.profile"
    expect_error "--profile $T/dir.profile: not a regular file" --profile "$T/dir.profile" -- /bin/true
    expect_error "--profile takes an argument" --profile
}

@test "a profile is read with the caller's rights (the setuid build too)" {
    skip_if_root
    # A file the caller cannot read: hutch (setuid or not) cannot either.
    profile "$T/unreadable.profile" '--tmpfs /mnt'
    chmod 0200 "$T/unreadable.profile"
    expect_error "--profile $T/unreadable.profile: can't open it: Permission denied" \
        --profile "$T/unreadable.profile" -- /bin/true
    expect_error "--profile /etc/shadow: can't open it: Permission denied" \
        --profile /etc/shadow -- /bin/true
}
