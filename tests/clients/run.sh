#!/bin/bash
# Run the real-client suites (tests/clients/*.bats): programs from Debian's
# archive that drive bwrap, run with hutch as their bwrap.
#
#   tests/clients/run.sh [BUILD_DIR]
#
# BUILD_DIR holds the built ./hutch (default: two directories above this
# script); HUTCH=/path/to/binary overrides it.  BWRAP011=/path/to/bwrap (a
# bubblewrap 0.11.1) turns on the side-by-side runs.  HUTCH_CLIENTS="webkit
# opam ..." runs only those suites.
#
# The suites run as the current user and, when that is root, once more as an
# unprivileged user ($HUTCH_TEST_USER, else hutchtest, created if missing), from
# a copy under /tmp that the user can read, and a third time as that user
# through the setuid-root build (BUILD_DIR/tests/hutch-setuid, when built;
# HUTCH_NO_SETUID_PASS=1 leaves it out).  Like tests/run-tests.sh, the last
# line is "N passed, N failed, N skipped"; the exit status is non-zero if
# anything failed or if no test ran.

if [ -z "${BASH_VERSION:-}" ]; then
    exec bash "$0" "$@"
fi

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) || exit 2
build_dir=${1:-$here/../..}
build_dir=$(cd "$build_dir" 2>/dev/null && pwd) || {
    echo "run.sh: no such build directory: $1" >&2
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
}
hutch=${HUTCH:-$build_dir/hutch}
[[ $hutch == /* ]] || hutch=$PWD/$hutch

total_pass=0 total_fail=0 total_skip=0
tmp_out=$(mktemp) || exit 2
copy_dir=""
created_user=""
cleanup() {
    rm -f "$tmp_out"
    [[ -z $copy_dir ]] || rm -rf "$copy_dir"
    # An account made for the unprivileged passes goes again (userdel -r:
    # its home and the subordinate ids useradd gave it too).
    [[ -z $created_user ]] || userdel -r "$created_user" >/dev/null 2>&1 ||
        echo "run.sh: could not remove the test user $created_user" >&2
}
trap cleanup EXIT

# count FILE STATUS : add up a bats TAP stream; a run that died before its
# plan was done, or failed without a failing test, counts as a failure
count() {
    local p f s planned ran
    s=$(grep -cE '^ok [0-9]+ .* # [Ss][Kk][Ii][Pp]( |$)' "$1")
    p=$(grep -cE '^ok [0-9]+' "$1")
    f=$(grep -cE '^not ok [0-9]+' "$1")
    planned=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$1" | head -n 1)
    ran=$((p + f))
    if [[ -z $planned ]]; then
        echo "# bats produced no plan (exit status $2)"
        f=$((f + 1))
    elif ((ran < planned)); then
        echo "# bats ran $ran of $planned tests (exit status $2)"
        f=$((f + planned - ran))
    elif (($2 != 0 && f == 0)); then
        echo "# bats exited $2 without a failing test"
        f=$((f + 1))
    fi
    total_pass=$((total_pass + p - s)) total_fail=$((total_fail + f)) total_skip=$((total_skip + s))
    echo "# $3: $((p - s)) ok, $f failed, $s skipped"
}

suites=()
for s in "$here"/*.bats; do
    n=${s##*/}
    n=${n%.bats}
    if [[ -z ${HUTCH_CLIENTS:-} || " $HUTCH_CLIENTS " == *" $n "* ]]; then
        suites+=("$n.bats")
    fi
done

clean_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
bwrap011=${BWRAP011:-}

# run_unprivileged USER BINARY SETUID : the suites as USER, from a copy under
# /tmp that USER can read (the suites, their fixtures, the common helpers
# and BINARY, installed setuid root when SETUID is 1)
run_unprivileged() {
    local user=$1 binary=$2 setuid=$3 home label st start
    copy_dir=$(mktemp -d /tmp/hutch-clients.XXXXXX) || exit 2
    mkdir -p "$copy_dir/tests/clients" &&
        cp "$here/../helpers.bash" "$copy_dir/tests/" &&
        cp -r "$here"/. "$copy_dir/tests/clients/" &&
        cp "$binary" "$copy_dir/hutch" &&
        chmod -R a+rX "$copy_dir" && chmod 755 "$copy_dir" || exit 2
    if ((setuid)); then
        chown root:root "$copy_dir/hutch" && chmod 4755 "$copy_dir/hutch" || exit 2
    fi
    home=$(getent passwd "$user" | cut -d: -f6)
    [[ -d $home ]] || home=/tmp
    label="as $user (uid $(id -u "$user"))"
    ((setuid)) && label="as $user through the setuid-root build"
    echo "== clients $label"
    echo "# HUTCH=$copy_dir/hutch"
    start=$SECONDS
    (cd /tmp && runuser -u "$user" -- env -i "HOME=$home" "USER=$user" "LOGNAME=$user" \
        "PATH=$clean_path" "LANG=${LANG:-C.UTF-8}" "TMPDIR=/tmp" \
        "HUTCH=$copy_dir/hutch" "HUTCH_SETUID=$setuid" "BWRAP011=$bwrap011" \
        bats --tap "${suites[@]/#/$copy_dir/tests/clients/}") </dev/null >"$tmp_out" 2>&1
    st=$?
    cat "$tmp_out"
    count "$tmp_out" "$st" "$label, $((SECONDS - start)) s"
    rm -rf "$copy_dir"
    copy_dir=""
}

if [[ ! -x $hutch ]]; then
    echo "run.sh: the binary under test is missing: $hutch (build it, or set HUTCH)" >&2
    total_fail=$((total_fail + 1))
elif ! command -v bats >/dev/null 2>&1; then
    echo "run.sh: bats is not installed (Debian: apt-get install bats)" >&2
    total_fail=$((total_fail + 1))
elif ((${#suites[@]} == 0)); then
    echo "run.sh: no suite selected in $here" >&2
    total_fail=$((total_fail + 1))
else
    label="as $(id -un) (uid $(id -u))"
    echo "== clients $label"
    echo "# HUTCH=$hutch BWRAP011=${bwrap011:-(unset: no side-by-side runs)}"
    start=$SECONDS
    (cd /tmp && HUTCH=$hutch BWRAP011=$bwrap011 PATH=$clean_path \
        bats --tap "${suites[@]/#/$here/}") </dev/null >"$tmp_out" 2>&1
    st=$?
    cat "$tmp_out"
    count "$tmp_out" "$st" "$label, $((SECONDS - start)) s"

    user=${HUTCH_TEST_USER:-hutchtest}
    if ((EUID == 0)) && [[ -z ${HUTCH_TEST_USER:-} ]] && ! id -u "$user" >/dev/null 2>&1; then
        if useradd -m "$user" >/dev/null 2>&1; then
            created_user=$user
        else
            echo "# could not create user $user"
        fi
    fi
    if ((EUID != 0)); then
        :
    elif ! id -u "$user" >/dev/null 2>&1; then
        echo "== clients as an unprivileged user: skipped (no user $user)"
    else
        run_unprivileged "$user" "$hutch" 0
        if [[ -n ${HUTCH_NO_SETUID_PASS:-} ]]; then
            echo "== clients through the setuid build: pass not requested (HUTCH_NO_SETUID_PASS)"
        elif [[ -x $build_dir/tests/hutch-setuid ]]; then
            run_unprivileged "$user" "$build_dir/tests/hutch-setuid" 1
        else
            echo "== clients through the setuid build: not built ($build_dir/tests/hutch-setuid), skipped"
        fi
    fi
fi

if ((total_pass + total_fail == 0)); then
    echo "# no test ran"
    total_fail=$((total_fail + 1))
fi
echo "$total_pass passed, $total_fail failed, $total_skip skipped"
((total_fail == 0))
