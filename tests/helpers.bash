# tests/helpers.bash — common setup for the hutch bats suites.
#
# Each suite does:
#     setup()    { load helpers; hutch_setup; }
#     teardown() { hutch_teardown; }
#
# Environment:
#   HUTCH  the binary under test (required).  Error lines are expected to
#          start with its basename, so HUTCH=/usr/bin/bwrap works too.
#   BWRAP  a reference bubblewrap for differential tests (default
#          /usr/bin/bwrap; those tests skip when it is missing).

bats_require_minimum_version 1.5.0

if [[ -z ${HUTCH:-} ]]; then
    echo "helpers.bash: HUTCH is not set; export HUTCH=/path/to/hutch" \
        "(tests/run-tests.sh sets it)" >&2
    return 1
fi
if [[ $HUTCH != /* ]]; then
    HUTCH=$PWD/$HUTCH
fi
if [[ ! -f $HUTCH || ! -x $HUTCH ]]; then
    echo "helpers.bash: HUTCH=$HUTCH is not an executable file" >&2
    return 1
fi
export HUTCH

# The name error messages start with: the name the binary was invoked as.
HUTCH_NAME=${HUTCH##*/}
BWRAP=${BWRAP:-/usr/bin/bwrap}

# A sandbox that sees the host's tree read-only, with its own /dev and /proc.
SB=(--ro-bind / / --dev /dev --proc /proc --unshare-pid)

# bats loads this file again for every test: what costs a process to learn
# (the binary's --version, the host's /usr-merge symlinks) is learnt by the
# first test of a file and kept in the file's directory for the others.
# HUTCH_VERSION is the first line of --version (to recognise a bubblewrap
# under test; hutch through a link named bwrap also starts with "bubblewrap
# 0.11.1" but says "hutch VERSION" on a later line: HUTCH_IS_HUTCH=1); SYSDIRS puts the host's system directories, read-only (and
# its merged-/usr links as links), into a fresh tmpfs root; MINROOT is that
# root plus /dev and /proc.
_helpers_cache=${BATS_FILE_TMPDIR:-/nonexistent}/.helpers-cache
if [[ -r $_helpers_cache ]] && source "$_helpers_cache" && [[ ${_cached_for-} == "$HUTCH" ]]; then
    :
else
    HUTCH_VERSION=$("$HUTCH" --version 2>/dev/null </dev/null)
    HUTCH_IS_HUTCH=0
    [[ $'\n'$HUTCH_VERSION != *$'\n'"hutch "* ]] || HUTCH_IS_HUTCH=1
    HUTCH_VERSION=${HUTCH_VERSION%%$'\n'*}
    SYSDIRS=()
    for _d in /usr /bin /sbin /lib /lib32 /lib64 /libx32 /etc; do
        if [[ -L $_d ]]; then
            SYSDIRS+=(--symlink "$(readlink "$_d")" "$_d")
        elif [[ -d $_d ]]; then
            SYSDIRS+=(--ro-bind "$_d" "$_d")
        fi
    done
    unset _d
    if [[ -d ${BATS_FILE_TMPDIR:-} ]]; then
        {
            printf '_cached_for=%q\n' "$HUTCH"
            printf 'HUTCH_VERSION=%q\n' "$HUTCH_VERSION"
            printf 'HUTCH_IS_HUTCH=%q\n' "$HUTCH_IS_HUTCH"
            printf 'SYSDIRS=(%s)\n' "$(printf '%q ' "${SYSDIRS[@]}")"
        } >"$_helpers_cache.$$" && mv -f "$_helpers_cache.$$" "$_helpers_cache"
    fi
fi
unset _helpers_cache _cached_for
MINROOT=("${SYSDIRS[@]}" --dev /dev --proc /proc --unshare-pid)

# ---------------------------------------------------------------------------
# Setup and teardown

hutch_setup() {
    T=$BATS_TEST_TMPDIR
    cd "$T" || return 1
    BG_PIDS=()
    CLEANUP_MOUNTS=()
    host_mounts_snapshot
    HOST_MOUNTS_AT_SETUP=$HOST_MOUNTS_BEFORE
}

hutch_teardown() {
    # A setup that skipped (or failed) before hutch_setup has nothing to undo.
    [[ -n ${HOST_MOUNTS_AT_SETUP+x} ]] || return 0
    local pid m i
    # SIGTERM first: a hutch monitor passes it on and its sandbox ends
    # with it (a SIGKILLed monitor leaves a sandbox without
    # --die-with-parent running, as bubblewrap's does); SIGKILL for what
    # is still there after 2 s.
    for pid in "${BG_PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
    done
    for ((i = 0; i < 20; i++)); do
        for pid in "${BG_PIDS[@]}"; do
            kill -0 "$pid" 2>/dev/null && break
        done
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    for pid in "${BG_PIDS[@]}"; do
        kill -KILL "$pid" 2>/dev/null || true
    done
    for pid in "${BG_PIDS[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    for m in "${CLEANUP_MOUNTS[@]}"; do
        umount -l "$m" 2>/dev/null || true
    done
    # Whatever the test did, the host must not have gained or lost a mount.
    HOST_MOUNTS_BEFORE=$HOST_MOUNTS_AT_SETUP
    assert_no_new_host_mounts
}

# test_program NAME [PATH] : the path of the test program NAME built by
# `make check` (tests/NAME.c): PATH if given and executable, else next to
# the suites (tests/run-tests.sh copies it there for the unprivileged
# run), in $HUTCH_BUILDDIR/tests or next to $HUTCH; fails if none is.
test_program() {
    local c
    for c in "${2:-}" "$BATS_TEST_DIRNAME/$1" \
        "${HUTCH_BUILDDIR:+$HUTCH_BUILDDIR/tests/$1}" "${HUTCH%/*}/tests/$1"; do
        if [[ -n $c && -x $c ]]; then
            echo "$c"
            return 0
        fi
    done
    return 1
}

# ---------------------------------------------------------------------------
# Running the binary

# sb [OPTIONS...] -- COMMAND...   : $HUTCH with the read-only host root
sb() {
    "$HUTCH" "${SB[@]}" "$@"
}

# minsb [OPTIONS...] -- COMMAND... : $HUTCH with a tmpfs root (see MINROOT)
minsb() {
    "$HUTCH" "${MINROOT[@]}" "$@"
}

# hutch_sh [OPTIONS...] 'shell command' : sh -c in the read-only host root
hutch_sh() {
    local script=${!#}
    "$HUTCH" "${SB[@]}" "${@:1:$#-1}" -- /bin/sh -c "$script"
}

# min_sh [OPTIONS...] 'shell command'   : sh -c in the tmpfs root
min_sh() {
    local script=${!#}
    "$HUTCH" "${MINROOT[@]}" "${@:1:$#-1}" -- /bin/sh -c "$script"
}

# run_closing_fds COMMAND... : run COMMAND with every descriptor above 2 closed
run_closing_fds() {
    (
        local fd
        for fd in /proc/self/fd/*; do
            fd=${fd##*/}
            if ((fd > 2)); then
                eval "exec $fd>&-" 2>/dev/null || true
            fi
        done
        exec "$@"
    )
}

# hutch_error ARGS... : run "$HUTCH ARGS..." expecting a refusal; checks that
# it left the host as it was.  Follow with assert_status / assert_error_line.
hutch_error() {
    host_snapshot
    run --separate-stderr "$HUTCH" "$@"
    assert_host_unchanged
}

# expect_error 'MESSAGE GLOB' ARGS... : the common case of hutch_error: exit
# status 1, nothing on stdout, one error line, host untouched.
expect_error() {
    local msg=$1
    shift
    hutch_error "$@"
    assert_status 1
    assert_error_line "$msg"
    [[ -z $output ]] || fail "expected nothing on stdout, got: $output"
}

# ---------------------------------------------------------------------------
# Facts about the environment and the binary

is_root() { ((EUID == 0)); }

# The runner sets HUTCH_SETUID=1 when $HUTCH is the setuid-root build.
setuid_mode() { [[ ${HUTCH_SETUID:-0} == 1 ]]; }
# skip_in_setuid_mode WHY : for what the setuid mode refuses by design
skip_in_setuid_mode() { ! setuid_mode || skip "setuid mode: $1"; }

skip_unless_root() { is_root || skip "needs root"; }

skip_if_root() { ! is_root || skip "behaviour of an unprivileged caller"; }

skip_unless_cmd() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || skip "needs $c"
    done
}

# Is the binary under test bubblewrap itself?
is_bwrap() { [[ $HUTCH_VERSION == bubblewrap* && $HUTCH_IS_HUTCH == 0 ]]; }

# hutch_only REASON : skip when testing bubblewrap, whose behaviour differs.
hutch_only() {
    if is_bwrap; then
        skip "hutch-specific (${1:-bubblewrap behaves differently})"
    fi
}

# version_ge A B : is dotted version A >= B ?
version_ge() {
    [[ $(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1) == "$2" ]]
}

# needs_bwrap_version V WHAT : when testing a bubblewrap older than V, skip:
# WHAT is behaviour that version introduced (hutch implements 0.11).
needs_bwrap_version() {
    if is_bwrap; then
        local v=${HUTCH_VERSION#bubblewrap }
        version_ge "$v" "$1" || skip "bubblewrap $v predates $1 (${2:-})"
    fi
}

# needs_option OPT : when testing a bubblewrap that lacks OPT, skip.
needs_option() {
    if is_bwrap && ! "$HUTCH" --help 2>/dev/null | grep -q -- "^ *$1 "; then
        skip "$HUTCH_VERSION has no $1"
    fi
}

# ---------------------------------------------------------------------------
# Assertions (each prints what it saw and returns 1 on failure)

fail() {
    printf '%s\n' "$@" >&2
    return 1
}

_show_run() {
    printf 'status: %s\n' "${status-}"
    printf 'stdout: %s\n' "${output-}"
    [[ -z ${stderr+x} ]] || printf 'stderr: %s\n' "$stderr"
}

assert_status() {
    [[ ${status-} -eq $1 ]] ||
        fail "expected exit status $1, got ${status-}" "$(_show_run)"
}

assert_success() { assert_status 0; }

assert_output() {
    [[ $output == "$1" ]] ||
        fail "expected output:" "$1" "got:" "$output" "$(_show_run)"
}

assert_output_contains() {
    [[ $output == *"$1"* ]] ||
        fail "expected output to contain: $1" "$(_show_run)"
}

assert_output_not_contains() {
    [[ $output != *"$1"* ]] ||
        fail "expected output not to contain: $1" "$(_show_run)"
}

# assert_output_matches ERE
assert_output_matches() {
    [[ $output =~ $1 ]] ||
        fail "expected output to match /$1/" "$(_show_run)"
}

# has_line LINE TEXT : is LINE one of TEXT's lines?  (No grep: suites call
# it in loops over every option.)
has_line() {
    [[ $'\n'$2$'\n' == *$'\n'"$1"$'\n'* ]]
}

assert_stderr_empty() {
    [[ -z ${stderr-} ]] || fail "expected nothing on stderr" "$(_show_run)"
}

# assert_error_line GLOB : stderr is exactly one line, "NAME: " followed by
# text matching the glob (NAME is the basename of $HUTCH).
assert_error_line() {
    local err=${stderr-$output}
    if [[ $err == *$'\n'* ]]; then
        fail "expected one error line, got several:" "$err" "$(_show_run)"
        return 1
    fi
    # shellcheck disable=SC2053
    [[ $err == "$HUTCH_NAME: "$1 ]] ||
        fail "expected error line: $HUTCH_NAME: $1" "got: $err" "$(_show_run)"
}

assert_file_content() {
    [[ -f $1 ]] || fail "expected file $1 to exist"
    local got
    got=$(cat "$1")
    [[ $got == "$2" ]] || fail "expected $1 to contain: $2" "got: $got"
}

assert_no_path() {
    [[ ! -e $1 && ! -L $1 ]] || fail "expected $1 not to exist"
}

# ---------------------------------------------------------------------------
# The host must not be changed by a sandbox

# Mount points of the host that a sandbox of this test could have left
# there: those at or under /tmp (hutch builds every sandbox on its /tmp, so
# a mount that propagated back would show there first), at /, under this
# test's or this file's own directory wherever it is, and any mount whose
# root names them (a bind of the test's files elsewhere).  Mounts that other
# programs make elsewhere (/run, /sys, /mnt ...) are theirs, not the test's;
# so are those under another bats run's directory, or under another test's
# or file's directory of this run (bats --jobs runs them side by side).
_host_mounts() {
    # In the shell itself (no awk, no sort): this runs twice in every test.
    local own=${BATS_RUN_TMPDIR:-/nonexistent}/ _ m r list=""
    local test=${BATS_TEST_TMPDIR:-/nonexistent}/ file=${BATS_FILE_TMPDIR:-/nonexistent}/
    local test_tail=/${test#/*/} file_tail=/${file#/*/}
    while read -r _ _ _ r m _; do
        if [[ $m == */bats-run-*/* && $m != "$own"* ]]; then
            continue
        elif [[ $m == "$own"test/* && $m/ != "$test"* ]]; then
            continue
        elif [[ $m == "$own"file/* && $m/ != "$file"* ]]; then
            continue
        elif [[ $m == / || $m == /tmp || $m == /tmp/* || $m/ == "$test"* || $m/ == "$file"* ||
            $r/ == *"$test_tail"* || $r/ == *"$file_tail"* ]]; then
            list+=$m$'\n'
        fi
    done </proc/self/mountinfo
    HOST_MOUNTS=$list
}

host_mounts_snapshot() {
    _host_mounts
    HOST_MOUNTS_BEFORE=$HOST_MOUNTS
}

assert_no_new_host_mounts() {
    _host_mounts
    # (in mountinfo's order; a mount taken away and put back moves, so only
    # a difference of the sorted lists counts)
    if [[ $HOST_MOUNTS != "$HOST_MOUNTS_BEFORE" ]] &&
        [[ $(sort <<<"$HOST_MOUNTS") != "$(sort <<<"$HOST_MOUNTS_BEFORE")" ]]; then
        fail "the host's mount table changed:" \
            "$(diff <(printf '%s' "$HOST_MOUNTS_BEFORE" | sort) <(printf '%s' "$HOST_MOUNTS" | sort))"
        return 1
    fi
}

# HOST_FILES := the names in / and every path (with its mode) under the
# test directory.  Unsorted (readdir's order; see assert_host_unchanged).
_host_files() {
    local e list=""
    for e in /* /.[!.]* /..?*; do
        [[ ! -e $e && ! -L $e ]] || list+=$e$'\n'
    done
    # (bats keeps its --separate-stderr capture files in the test directory)
    HOST_FILES=$list$(find "$BATS_TEST_TMPDIR" -mindepth 1 ! -name 'separate-stderr-*' \
        -printf '%P %M\n' 2>/dev/null)
}

# Record the host's mounts, its / and the test directory.
host_snapshot() {
    host_mounts_snapshot
    _host_files
    HOST_FILES_BEFORE=$HOST_FILES
}

assert_host_unchanged() {
    assert_no_new_host_mounts || return 1
    _host_files
    if [[ $HOST_FILES != "$HOST_FILES_BEFORE" ]] &&
        [[ $(sort <<<"$HOST_FILES") != "$(sort <<<"$HOST_FILES_BEFORE")" ]]; then
        fail "files on the host changed:" \
            "$(diff <(sort <<<"$HOST_FILES_BEFORE") <(sort <<<"$HOST_FILES"))"
        return 1
    fi
}

# ---------------------------------------------------------------------------
# Waiting without guessing: poll, with a ceiling

# wait_until SECONDS COMMAND... : true once COMMAND succeeds, false at the
# ceiling.
wait_until() {
    local limit=$1
    shift
    local deadline=$((SECONDS + limit))
    while ! "$@"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.05
    done
}

file_exists() { [[ -e $1 ]]; }
file_nonempty() { [[ -s $1 ]]; }

# Has process PID ended (gone, or a zombie nobody reaped yet)?
pid_gone() {
    local state
    state=$(awk '{ sub(/.*\) /, ""); print $1 }' "/proc/$1/stat" 2>/dev/null) ||
        return 0
    [[ -z $state || $state == Z || $state == X ]]
}

pid_alive() { ! pid_gone "$1"; }

# Remember a background process so teardown kills it if still there.
track_pid() { BG_PIDS+=("$1"); }

# The namespace inode of the host (this shell) for ns type $1.
host_ns() { readlink "/proc/self/ns/$1"; }
