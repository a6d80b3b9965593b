#!/usr/bin/env bats
# The documentation and the tools around the option table: the man page and
# the shell completions cover every option of the table (from
# --list-options), --diagnose tells what the host allows, --dry-run prints
# the plan and builds nothing.

setup() {
    load helpers
    hutch_setup
}

teardown() {
    hutch_teardown
}

# find_doc REL : the first of the source tree, the build tree and the
# directory of $HUTCH (tests/run-tests.sh puts copies there for the
# unprivileged run) that holds REL; fails when none does.
find_doc() {
    local d
    for d in "$BATS_TEST_DIRNAME/.." "${HUTCH%/*}" ${HUTCH_BUILDDIR:+"$HUTCH_BUILDDIR"}; do
        if [[ -e $d/$1 ]]; then
            printf '%s\n' "$d/$1"
            return 0
        fi
    done
    return 1
}

need_doc() {
    DOC=$(find_doc "$1") || skip "$1 is not beside this copy of the suite"
}

# The option names of the table, one a line.
list_options() {
    "$HUTCH" --list-options | cut -f1
}

# --list-options is hutch's own: through bubblewrap these tests skip, but a
# hutch whose --list-options fails or prints nothing fails them.
skip_unless_list_options() {
    hutch_only "--list-options is hutch's"
    local out
    out=$("$HUTCH" --list-options 2>&1) || fail "--list-options failed: $out" || return 1
    [[ -n $out ]] || fail "--list-options printed nothing"
}

# The man page as plain text.
render_man() {
    if command -v mandoc >/dev/null 2>&1; then
        mandoc -Tascii "$1" | col -b
    elif command -v groff >/dev/null 2>&1; then
        groff -man -Tascii -P-cbou "$1"
    else
        return 1
    fi
}

# --- --list-options ---------------------------------------------------------

@test "--list-options: one line per option, name/values/help/setuid, the same rows as --help" {
    skip_unless_list_options
    run --separate-stderr "$HUTCH" --list-options
    assert_success
    # Four tab-separated fields; the second is empty for a flag, the
    # fourth is "setuid-refused" or empty.
    local bad
    bad=$(awk -F '\t' 'NF != 4 || $1 !~ /^--/ || $3 == "" || ($4 != "" && $4 != "setuid-refused") { print }' <<<"$output")
    [[ -z $bad ]] || fail "malformed lines:" "$bad"
    [[ $(cut -f1 <<<"$output" | sort | uniq -d) == "" ]] || fail "duplicate rows"
    # The same names as --help, in the same order.
    diff <(cut -f1 <<<"$output") <("$HUTCH" --help | sed -n 's/^    \(--[^ ]*\).*/\1/p') ||
        fail "--list-options and --help differ"
}

@test "--list-options lists itself, --diagnose, --dry-run and --dry-run=json" {
    skip_unless_list_options
    run list_options
    local o
    for o in --list-options --diagnose --dry-run --dry-run=json --help --bind --seccomp-deny; do
        has_line "$o" "$output" || fail "missing $o"
    done
}

# --- the man page -----------------------------------------------------------

@test "man page: the scdoc source has an entry for every option of the table" {
    skip_unless_list_options
    need_doc man/hutch.1.scd
    # Entries are "*--name*" lines, with the values after.
    local missing
    missing=$(comm -23 <(list_options | sort) \
        <(sed -n 's/^\*\(--[^*]*\)\*\( .*\)\{0,1\}$/\1/p' "$DOC" | sort -u))
    [[ -z $missing ]] || fail "no entry in $DOC for:" "$missing"
}

@test "man page: the built page shows every option" {
    skip_unless_list_options
    need_doc man/hutch.1
    local text missing
    text=$(render_man "$DOC") || skip "needs mandoc or groff"
    missing=$(comm -23 <(list_options | sort) \
        <(sed -n 's/^ \{1,\}\(--[^ ]*\).*/\1/p' <<<"$text" | sort -u))
    [[ -z $missing ]] || fail "the rendered page lacks:" "$missing"
}

@test "man page: mandoc -Tlint and groff -ww report no warning" {
    need_doc man/hutch.1
    local ran=0
    if command -v mandoc >/dev/null 2>&1; then
        run mandoc -Tlint -Wwarning "$DOC"
        assert_success
        [[ -z $output ]] || fail "mandoc:" "$output"
        ran=1
    fi
    if command -v groff >/dev/null 2>&1; then
        run groff -ww -man -z "$DOC"
        assert_success
        [[ -z $output ]] || fail "groff:" "$output"
        ran=1
    fi
    ((ran)) || skip "needs mandoc or groff"
}

@test "man page: the sections a reader looks for are there" {
    need_doc man/hutch.1
    local text s
    text=$(render_man "$DOC") || skip "needs mandoc or groff"
    for s in NAME SYNOPSIS DESCRIPTION OPTIONS PRESETS SECCOMP DIAGNOSE "DRY RUN" \
        "PRIVILEGE MODES" "EXIT STATUS" ENVIRONMENT "SECURITY NOTES" EXAMPLES "SEE ALSO"; do
        grep -qx "$s" <<<"$text" || fail "no section $s"
    done
}

@test "man page: every option the setuid mode refuses is listed as refused" {
    need_doc man/hutch.1.scd
    skip_unless_list_options
    local section o refused=() missing=()
    section=$(sed -n '/^# PRIVILEGE MODES/,/^# EXIT STATUS/p' "$DOC")
    mapfile -t refused < <("$HUTCH" --list-options | awk -F '\t' '$4 == "setuid-refused" { print $1 }')
    # The overlays, --size and the namespace fds at least (privilege.c's rules).
    ((${#refused[@]} >= 10)) || fail "--list-options marks only ${#refused[@]} options setuid-refused"
    for o in "${refused[@]}"; do
        grep -qF -- "*$o*" <<<"$section" || missing+=("$o")
    done
    ((${#missing[@]} == 0)) || fail "PRIVILEGE MODES does not name: ${missing[*]}"
}

# The seccomp groups hutch knows, from its own error message.
known_groups() {
    "$HUTCH" --seccomp-deny @no-such-group --dry-run true 2>&1 |
        sed -n 's/.*(known: \(.*\)).*/\1/p' | tr ' ' '\n'
}

@test "man page and completions: the seccomp groups are exactly hutch's" {
    hutch_only "hutch's seccomp groups"
    local groups
    "$HUTCH" --version | grep -q libseccomp || skip "hutch was built without libseccomp"
    groups=$(known_groups)
    [[ -n $groups ]] || fail "hutch names no seccomp group in its error for an unknown one" || return 1
    need_doc man/hutch.1.scd
    local g section
    section=$(sed -n '/^## Groups/,/^## The default policy/p' "$DOC")
    while read -r g; do
        grep -qxF -- "*$g*" <<<"$section" || fail "the man page lacks $g"
    done <<<"$groups"
    [[ $(grep -c '^\*@' <<<"$section") -eq $(wc -l <<<"$groups") ]] ||
        fail "the man page lists groups hutch does not know"
    local f
    for f in completions/bash/hutch completions/zsh/_hutch completions/fish/hutch.fish; do
        need_doc "$f"
        local listed
        listed=$(grep -oE '@[a-z][a-z-]+([[:space:]"'"'"')]|$)' "$DOC" | grep -oE '@[a-z-]+' | sort -u)
        [[ $listed == "$(sort <<<"$groups")" ]] ||
            fail "$f lists other groups:" "$listed" "hutch:" "$groups"
    done
}

# --- completions ------------------------------------------------------------

# bash_complete WORD... : the words _hutch offers for the last WORD.
bash_complete() {
    local script
    script=$(find_doc completions/bash/hutch) || return 1
    bash -c '
        source "$1"; shift
        COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
        _hutch
        printf "%s\n" "${COMPREPLY[@]}"' bash "$script" "$@"
}

@test "bash completion: the script passes bash -n and registers _hutch" {
    need_doc completions/bash/hutch
    run bash -n "$DOC"
    assert_success
    run bash -c 'source "$1" && complete -p hutch' bash "$DOC"
    assert_success
    assert_output_contains "-F _hutch"
}

@test "bash completion: every option of the table is completed" {
    skip_unless_list_options
    need_doc completions/bash/hutch
    run bash_complete "$HUTCH" --
    assert_success
    local o
    while read -r o; do
        has_line "$o" "$output" || fail "bash does not complete $o"
    done < <(list_options)
    run bash_complete "$HUTCH" --dry
    assert_output "$(printf '%s\n' --dry-run --dry-run=json)"
}

@test "bash completion: paths, capabilities, seccomp groups, presets, profiles, rlimits by value kind" {
    skip_unless_list_options
    need_doc completions/bash/hutch
    mkdir -p "$T/some-dir"
    : >"$T/some-file"
    run bash_complete "$HUTCH" --ro-bind "$T/some-"
    assert_output_contains "$T/some-dir"
    assert_output_contains "$T/some-file"
    run bash_complete "$HUTCH" --ro-bind /usr "$T/some-d"
    assert_output "$T/some-dir"
    run bash_complete "$HUTCH" --chdir "$T/some-"
    assert_output "$T/some-dir"
    run bash_complete "$HUTCH" --cap-add cap_net_r
    assert_output CAP_NET_RAW
    run bash_complete "$HUTCH" --seccomp-deny @mount,@ke
    assert_output "@mount,@keyring"
    run bash_complete "$HUTCH" --preset des
    assert_output "$(printf '%s\n' desktop desktop-dbus)"
    run bash_complete "$HUTCH" --profile pyth
    assert_output python3
    run bash_complete "$HUTCH" --profile "$T/some-f"
    assert_output "$T/some-file"
    run bash_complete "$HUTCH" --cwd-bind r
    assert_output "$(printf '%s\n' ro rw)"
    run bash_complete "$HUTCH" --rlimit nof
    assert_output "nofile="
    # After the options: the command, then its own arguments.
    run bash_complete "$HUTCH" --ro-bind / / --unshare-all ech
    assert_output_contains echo
    run bash_complete "$HUTCH" --bind "$T" "$T" -- --dry
    assert_output_not_contains --dry-run
}

@test "completions: every capability offered is one hutch knows" {
    hutch_only "hutch's --cap-drop"
    need_doc completions/bash/hutch
    local caps c
    caps=$(bash_complete "$HUTCH" --cap-drop "")
    [[ $(wc -l <<<"$caps") -ge 40 ]] || fail "only $(wc -l <<<"$caps") capabilities"
    for c in $caps; do
        "$HUTCH" --cap-drop "$c" --ro-bind / / --dry-run true >/dev/null 2>&1 ||
            fail "hutch does not know $c"
    done
    local f
    for f in completions/zsh/_hutch completions/fish/hutch.fish; do
        need_doc "$f"
        [[ $(grep -oE 'CAP_[A-Z_]+' "$DOC" | sort -u) == "$(grep -v ALL <<<"$caps" | sort -u)" ]] ||
            fail "$f lists other capabilities than the bash completion"
    done
}

# zsh_complete DIR 'COMMAND LINE' : the matches zsh's completion system
# offers for the end of the line, with DIR first in $fpath.  It drives an
# interactive zsh through zsh/zpty; what compadd is given goes to a file,
# not through the terminal, so no escape code or redraw of a loaded
# terminal can garble or split it.
zsh_complete() {
    cat >"$T/capture.zsh" <<'EOF'
zmodload zsh/zpty || exit 2
hits=$3
: >$hits
zpty z zsh -f -i
zpty -w z 'PS1="" RPS1="" PROMPT_EOL_MARK=""'
zpty -w z "HITS=${(q)hits}"
zpty -w z "fpath=(${(q)1} \$fpath); autoload -U compinit; compinit -u -D"
zpty -w z 'zstyle ":completion:*" list-prompt ""; zstyle ":completion:*" select-prompt ""'
zpty -w z 'compadd () {
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return $?; fi
  local -a __hits; builtin compadd -A __hits "$@"; (( $#__hits )) || return 1
  print -rl -- "${(@)__hits/#/HIT:}" >>$HITS
}'
zpty -w z 'comppostfuncs=(_capture_done); _capture_done() { print -r -- DONE-CAPTURE >>$HITS; exit }'
zpty -w z 'bindkey "^I" complete-word'
zpty -w z 'print -r -- READY-CAPTURE >>$HITS'
integer n=0
until grep -q READY-CAPTURE $hits; do
  zpty -r -t z line 2>/dev/null || sleep 0.02
  (( ++n > 5000 )) && exit 3
done
zpty -w -n z "$2"$'\t'
n=0
until grep -q DONE-CAPTURE $hits; do
  zpty -r -t z line 2>/dev/null || sleep 0.02
  (( ++n > 5000 )) && exit 3
done
zpty -d z
sed -n 's/^HIT://p' $hits
EOF
    PATH=${HUTCH%/*}:$PATH timeout 30 zsh -f "$T/capture.zsh" "$1" "$2" "$T/zsh-hits"
}

skip_unless_named_hutch() {
    [[ ${HUTCH##*/} == hutch ]] || skip "the completions are for a program named hutch"
}

@test "zsh completion: the script passes zsh -n" {
    skip_unless_cmd zsh
    need_doc completions/zsh/_hutch
    run zsh -n "$DOC"
    assert_success
}

@test "zsh completion: every option of the table is completed" {
    skip_unless_cmd zsh
    skip_unless_list_options
    skip_unless_named_hutch
    need_doc completions/zsh/_hutch
    zsh -f -c 'zmodload zsh/zpty' 2>/dev/null || skip "zsh has no zpty module"
    run zsh_complete "${DOC%/*}" "hutch --"
    local o
    while read -r o; do
        has_line "$o" "$output" || fail "zsh does not complete $o" "got: $output"
    done < <(list_options)
    run zsh_complete "${DOC%/*}" "hutch --cap-add CAP_NET_R"
    assert_output CAP_NET_RAW
    run zsh_complete "${DOC%/*}" "hutch --seccomp-deny @mount,@ke"
    assert_output "@keyring"
    run zsh_complete "${DOC%/*}" "hutch --profile pyth"
    assert_output_contains python3
    mkdir "$T/zdir"
    run zsh_complete "${DOC%/*}" "hutch --bind $T/zd"
    assert_output_contains zdir
}

@test "fish completion: the script passes fish -n" {
    skip_unless_cmd fish
    need_doc completions/fish/hutch.fish
    run fish -n "$DOC"
    assert_success
}

# fish_complete 'COMMAND LINE' : fish's candidates, without descriptions.
fish_complete() {
    local script
    script=$(find_doc completions/fish/hutch.fish) || return 1
    PATH=${HUTCH%/*}:$PATH HOME=$T XDG_CONFIG_HOME=$T/.config XDG_DATA_HOME=$T/.local \
        fish -N -c 'source $argv[1]; complete -C $argv[2]' "$script" "$1" | cut -f1
}

@test "fish completion: every option of the table is completed" {
    skip_unless_cmd fish
    skip_unless_list_options
    skip_unless_named_hutch
    need_doc completions/fish/hutch.fish
    run fish_complete "hutch --"
    local o
    while read -r o; do
        has_line "$o" "$output" || fail "fish does not complete $o"
    done < <(list_options)
    run fish_complete "hutch --cap-add CAP_NET_R"
    assert_output CAP_NET_RAW
    run fish_complete "hutch --seccomp-deny @mount,@ke"
    assert_output "@mount,@keyring"
    run fish_complete "hutch --preset des"
    assert_output "$(printf '%s\n' desktop desktop-dbus)"
    run fish_complete "hutch --profile pyth"
    assert_output python3
}

# --- --diagnose -------------------------------------------------------------

@test "--diagnose: one line per fact, a verdict, exit 0 where the suites run" {
    hutch_only "--diagnose is hutch's"
    run --separate-stderr "$HUTCH" --diagnose
    assert_success
    assert_stderr_empty
    local topic
    for topic in "user namespaces" namespaces "setuid mode" "mount API" landlock seccomp selinux \
        cgroups; do
        grep -qE "^(ok|no|warn|info) +$topic: " <<<"$output" || fail "no line about $topic"
    done
    grep -qE "^ok +user namespaces: " <<<"$output" || fail "user namespaces are not ok"
    assert_output_contains "result: a sandbox can be built here"
    # Every line is a fact, a fix, the heading or the verdict.
    local l
    while IFS= read -r l; do
        [[ $l =~ ^(ok|no|warn|info)\ +[a-zA-Z_\ ]+:\  || $l == "      fix: "* ||
            $l == "$HUTCH_NAME "* || $l == "result: "* ]] || fail "odd line: $l"
    done <<<"$output"
}

@test "--diagnose names a seccomp filter that blocks user namespaces, and exits 1" {
    hutch_only "--diagnose is hutch's"
    run --separate-stderr sb --seccomp-policy default -- "$HUTCH" --diagnose
    assert_status 1
    grep -qE '^no +user namespaces: .*unshare\(CLONE_NEWUSER\) failed' <<<"$output" ||
        fail "no failed unshare" "$output"
    assert_output_contains "seccomp filter"
    assert_output_contains "fix: "
    assert_output_contains "result: no sandbox can be built here"
}

@test "a blocked user namespace: the error names the cause and says to run --diagnose" {
    hutch_only "hutch's wording"
    run --separate-stderr sb --seccomp-policy default -- \
        "$HUTCH" --unshare-user --ro-bind / / true
    assert_status 1
    [[ $stderr == "$HUTCH_NAME: Creating new namespace failed: "*"seccomp filter"*"run '$HUTCH_NAME --diagnose'"* ]] ||
        fail "unexpected error: $stderr"
    [[ $stderr != *$'\n'* ]] || fail "more than one line: $stderr"
}

# --- --dry-run --------------------------------------------------------------

@test "--dry-run: the plan in order, nothing created, exit 0" {
    hutch_only "--dry-run is hutch's"
    mkdir "$T/src"
    host_snapshot
    run --separate-stderr "$HUTCH" --ro-bind /usr /usr --symlink usr/bin /bin \
        --bind-try "$T/missing" /m --ro-bind "$T/src/." /src --perms 0700 --dir /d \
        --tmpfs /tmp --proc /proc --dev /dev --setenv A 1 --unsetenv B --chdir /d \
        --unshare-all --hostname box --dry-run -- sh -c 'echo hi'
    assert_host_unchanged
    assert_success
    assert_output_contains "nothing is created"
    assert_output_contains "  1. ro-bind /usr -> /usr"
    assert_output_contains "  2. symlink usr/bin -> /bin"
    assert_output_contains "  3. bind-try $T/missing -> /m (skipped: $T/missing does not exist)"
    # The source as the build binds from it (setup_resolve_sources()):
    # resolved with realpath by the mount(2) backend, as given (absolute)
    # by the fd-based one, which looks it up again when it binds.
    assert_output_matches "  4\. ro-bind $T/src(/\.)? -> /src"
    assert_output_contains "  5. dir /d mode 0700"
    assert_output_contains "hostname: box"
    assert_output_contains "  set A=1"
    assert_output_contains "  unset B"
    assert_output_contains "chdir: /d"
    assert_output_contains "command: sh -c echo hi"
    assert_output_matches "namespaces: .*mount pid net ipc uts"
}

@test "--dry-run: a missing source is the error a real run gives" {
    hutch_only "--dry-run is hutch's"
    expect_error "Can't find source path $T/nope: No such file or directory" \
        --ro-bind "$T/nope" /x --dry-run true
    local real=$stderr
    hutch_error --ro-bind "$T/nope" /x true
    assert_status 1
    [[ $stderr == "$real" ]] || fail "real run: $stderr" "dry run: $real"
}

@test "--dry-run: a refusal of the check phase is the same as in a real run" {
    hutch_only "--dry-run is hutch's"
    expect_error "Specifying --hostname requires --unshare-uts" \
        --ro-bind / / --hostname x --dry-run true
}

@test "--dry-run makes no clone, no mount, no namespace (strace)" {
    hutch_only "--dry-run is hutch's"
    skip_unless_cmd strace
    strace -f -qq -o "$T/trace" -e trace=clone,clone3,fork,vfork,unshare,setns,mount,fsopen,fsmount,move_mount,open_tree,pivot_root \
        "$HUTCH" --ro-bind / / --dev /dev --proc /proc --tmpfs /tmp --unshare-all \
        --dry-run true >"$T/out" 2>&1 || {
        # Only a host that lets strace trace nothing at all is a reason to
        # skip; a --dry-run that fails under strace is hutch's.
        strace -f -qq -o /dev/null true >/dev/null 2>&1 || skip "strace can't trace here"
        fail "--dry-run failed under strace:" "$(cat "$T/out")"
        return 1
    }
    # The mount API is probed as the build probes it (setup_resolve_sources()
    # chooses the backend the sources are checked with): calls made to fail,
    # with invalid arguments.  None of them may succeed.
    grep -v -e ' = -1 E[A-Z]* ' "$T/trace" >"$T/made" || true
    [[ ! -s $T/made ]] || fail "system calls made:" "$(cat "$T/made")"
    grep -q -e '^[0-9]* \(clone\|clone3\|fork\|vfork\|unshare\|setns\|mount\|pivot_root\)(' "$T/trace" &&
        fail "namespace or mount calls tried:" "$(cat "$T/trace")"
    return 0
}

# json FILTER : evaluate a python expression over the JSON in $output (j).
json() {
    python3 -c 'import json, sys; j = json.loads(sys.stdin.read()); print(eval(sys.argv[1]))' "$1" <<<"$output"
}

@test "--dry-run=json: one JSON object that python3 -m json.tool accepts" {
    hutch_only "--dry-run is hutch's"
    skip_unless_cmd python3
    run --separate-stderr "$HUTCH" --ro-bind / / --tmpfs /tmp --bind-try "$T/nope" /x \
        --setenv 'QUOTE"D' $'back\\slash\nnewline\x01' --unshare-net --dry-run=json -- \
        printf '%s\n' $'\xff'
    assert_success
    python3 -m json.tool <<<"$output" >/dev/null || fail "not JSON:" "$output"
    [[ $(json 'type(j).__name__') == dict ]]
    [[ $(json 'j["setup"][0]["op"]') == ro-bind ]]
    [[ $(json 'j["setup"][2]["skipped"]') == True ]]
    [[ $(json 'j["setup"][2]["source"]') == None ]]
    [[ $(json 'j["env"][0]["name"]') == 'QUOTE"D' ]]
    [[ $(json 'j["env"][0]["value"] == "back\\slash\nnewline\x01"') == True ]]
    [[ $(json 'j["command"][2]') == $'\xef\xbf\xbd' ]]
    [[ $(json 'j["namespaces"]["net"]') == True ]]
    [[ $(json 'j["namespaces"]["mount"]') == True ]]
    [[ $(json 'j["confinement"]["no_new_privs"]') == True ]]
}

@test "--dry-run=json: the uid and gid maps are the ones a real run writes" {
    hutch_only "--dry-run is hutch's"
    skip_unless_cmd python3
    local uid gid
    uid=$(id -u) gid=$(id -g)
    # The caller's ids keep their numbers by default.
    run --separate-stderr "$HUTCH" --unshare-user --ro-bind / / --dry-run=json true
    assert_success
    [[ $(json 'j["namespaces"]["user"]') == True ]]
    [[ $(json '(j["uid_map"][0]["inside"], j["uid_map"][0]["outside"])') == "($uid, $uid)" ]]
    [[ $(json '(j["gid_map"][0]["inside"], j["gid_map"][0]["outside"])') == "($gid, $gid)" ]]
    [[ $(json 'j["nested_userns"]') == None ]]
    # --dev needs root mapped while it is set up; then a nested namespace
    # switches to --uid.
    run --separate-stderr "$HUTCH" --unshare-user --uid 1234 --ro-bind / / --dev /dev \
        --dry-run=json true
    assert_success
    [[ $(json 'j["uid_map"][0]["inside"]') == 0 ]]
    [[ $(json 'j["uid_map"][0]["outside"]') == "$uid" ]]
    [[ $(json '(j["nested_userns"]["uid_map"][0]["inside"], j["nested_userns"]["uid_map"][0]["outside"])') == "(1234, 0)" ]]
    [[ $(json 'j["uid"]') == 1234 ]]
    # The real run agrees.
    run "$HUTCH" --unshare-user --uid 1234 --ro-bind / / --dev /dev -- id -u
    assert_output 1234
    run "$HUTCH" --unshare-user --ro-bind / / -- cat /proc/self/uid_map
    assert_output_matches "^ +$uid +$uid +1$"
}

@test "--dry-run=json: the network and the kept fds are reported" {
    hutch_only "--dry-run is hutch's"
    skip_unless_cmd python3
    run --separate-stderr "$HUTCH" --ro-bind / / --unshare-net --dry-run=json true
    assert_success
    [[ $(json 'j["network"]["mode"]') == loopback ]]
    run --separate-stderr "$HUTCH" --ro-bind / / --keep-fd 2 --dry-run=json true
    assert_success
    [[ $(json 'j["network"]["mode"]') == host ]]
    [[ $(json 'j["fds"]["keep"]') == "[2]" ]]
    if "$HUTCH" --help | grep -q -- '--publish'; then
        run --separate-stderr "$HUTCH" --ro-bind / / --net pasta --publish 8080:80 \
            --publish 5353:53/udp --dry-run=json true
        if ((status == 0)); then
            [[ $(json 'j["network"]["mode"]') == pasta ]]
            [[ $(json '[(p["host_port"], p["sandbox_port"], p["protocol"]) for p in j["network"]["publish"]]') == "[(8080, 80, 'tcp'), (5353, 53, 'udp')]" ]]
        fi
    fi
}

@test "--dry-run=json: the confinement is reported" {
    hutch_only "--dry-run is hutch's"
    skip_unless_cmd python3
    local seccomp=()
    [[ -n $(known_groups) ]] && seccomp=(--seccomp-deny @mount,ptrace --seccomp-errno ENOSYS
        --seccomp-policy default)
    run --separate-stderr "$HUTCH" --ro-bind / / "${seccomp[@]}" --landlock-ro /usr \
        --landlock-rw /tmp --landlock-connect-tcp 80,8000-8080 --landlock-best-effort \
        --rlimit nofile=64:128 --rlimit core=0 --timeout 2.5:1 --cap-drop ALL \
        --new-session --die-with-parent --dry-run=json true
    assert_success
    [[ $(json 'j["confinement"]["landlock"]["ro"]') == "['/usr']" ]]
    [[ $(json 'j["confinement"]["landlock"]["rw"]') == "['/tmp']" ]]
    [[ $(json 'j["confinement"]["landlock"]["connect_tcp"]') == "[[80, 80], [8000, 8080]]" ]]
    [[ $(json 'j["confinement"]["landlock"]["bind_tcp"]') == None ]]
    [[ $(json 'j["confinement"]["rlimits"]') == "[{'name': 'nofile', 'soft': 64, 'hard': 128}, {'name': 'core', 'soft': 0, 'hard': 0}]" ]]
    [[ $(json 'j["confinement"]["timeout"]') == "{'seconds': 2.5, 'grace': 1}" ]]
    [[ $(json 'j["confinement"]["capabilities"]') == "[]" ]]
    [[ $(json 'j["process"]["new_session"] and j["process"]["die_with_parent"]') == True ]]
    if ((${#seccomp[@]})); then
        [[ $(json 'j["confinement"]["seccomp"]["deny"]') == "['@mount', 'ptrace']" ]]
        [[ $(json 'j["confinement"]["seccomp"]["errno"]') == ENOSYS ]]
        [[ $(json 'j["confinement"]["seccomp"]["policy"]') == default ]]
        [[ $(json 'j["confinement"]["seccomp"]["filter_instructions"] > 0') == True ]]
    fi
}
