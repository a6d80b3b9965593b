#!/bin/bash
# Run hutch's test suites.
#
#   tests/run-tests.sh [BUILD_DIR]
#
# BUILD_DIR holds the built ./hutch (and the tests/unit-* programs when built);
# default: the current directory if it has ./hutch, else the directory above
# this script.  HUTCH=/path/to/binary overrides the binary.
#
# Every tests/*.bats suite runs as the current user and, when that is root,
# once more as an unprivileged user ($HUTCH_TEST_USER, else hutchtest, created
# if missing, and removed again at the end) from a copy under /tmp that the
# user can read.  The unit test binaries tests/unit-options and
# tests/unit-mounts run once each if they were built.  The last line is
# "N passed, N failed, N skipped" over everything; the exit status is non-zero if anything failed or if no test
# ran.

# Started by a POSIX sh (make's $(SHELL))?  Go on in bash.
if [ -z "${BASH_VERSION:-}" ]; then
    exec bash "$0" "$@"
fi

set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) || exit 2

if [[ $# -gt 0 && -n $1 ]]; then
    build_dir=$1
elif [[ -x ./hutch ]]; then
    build_dir=.
else
    build_dir=$here/..
fi
build_dir=$(cd "$build_dir" 2>/dev/null && pwd) || {
    echo "run-tests.sh: no such build directory: $1" >&2
    echo "0 passed, 1 failed, 0 skipped"
    exit 1
}

hutch=${HUTCH:-$build_dir/hutch}
if [[ $hutch != /* ]]; then
    hutch=$PWD/$hutch
fi

total_pass=0
total_fail=0
total_skip=0

# count_tap FILE : add the ok / not ok / skip lines of a TAP stream
count_tap() {
    local p f s
    s=$(grep -cE '^ok [0-9]+ .* # [Ss][Kk][Ii][Pp]( |$)' "$1")
    p=$(grep -cE '^ok [0-9]+' "$1")
    f=$(grep -cE '^not ok [0-9]+' "$1")
    total_pass=$((total_pass + p - s))
    total_skip=$((total_skip + s))
    total_fail=$((total_fail + f))
    RUN_PASS=$((p - s)) RUN_FAIL=$f RUN_SKIP=$s
}

# check_plan FILE STATUS : a bats run that died before its plan was complete
# counts as a failure
check_plan() {
    local planned ran
    planned=$(sed -n 's/^1\.\.\([0-9][0-9]*\)$/\1/p' "$1" | head -n 1)
    ran=$(grep -cE '^(not )?ok [0-9]+' "$1")
    if [[ -z $planned ]]; then
        echo "# bats produced no plan (exit status $2)"
        total_fail=$((total_fail + 1))
    elif ((ran < planned)); then
        echo "# bats ran $ran of $planned tests (exit status $2)"
        total_fail=$((total_fail + planned - ran))
    elif (($2 != 0 && RUN_FAIL == 0)); then
        echo "# bats exited $2 without a failing test"
        total_fail=$((total_fail + 1))
    fi
}

tmp_out=$(mktemp) || exit 2
unpriv_dir=""
created_user=""
# hutch keeps the list of running sandboxes (--list) in
# $XDG_RUNTIME_DIR/hutch, else /tmp/hutch-UID when there is no
# /run/user/UID: the suites run hutch as many uids without one.  Those
# state directories that the run made go again, with the entries of the
# sandboxes the suites SIGKILLed (which the next --list would clean), so
# that the machine is left as it was.
state_dirs_before=" $(echo /tmp/hutch-[0-9]*) "
remove_added_state_dirs() {
    local d
    for d in /tmp/hutch-[0-9]*; do
        [[ -d $d && ! -L $d && $state_dirs_before != *" $d "* ]] || continue
        rm -rf -- "$d"
    done
}
cleanup() {
    remove_added_subids
    remove_added_state_dirs
    # An account the runner made for the unprivileged pass goes again, with
    # its home and the subordinate ids useradd gave it.
    # (A process of it still running is a test's leak: said, then ended,
    # so that the account can go.)
    if [[ -n $created_user ]] && pgrep -u "$created_user" >/dev/null 2>&1; then
        echo "run-tests.sh: processes of $created_user left running:" >&2
        ps -o pid=,etime=,args= -u "$created_user" >&2
        pkill -KILL -u "$created_user" 2>/dev/null
        sleep 1
    fi
    [[ -z $created_user ]] || userdel -r "$created_user" >/dev/null 2>&1 ||
        echo "run-tests.sh: could not remove the test user $created_user" >&2
    rm -f "$tmp_out"
    [[ -z $unpriv_dir ]] || rm -rf "$unpriv_dir"
}
trap cleanup EXIT

suites=("$here"/*.bats)
# HUTCH_SUITES="cli mounts ...": only those suites (the sanitizer pass of CI)
if [[ -n ${HUTCH_SUITES:-} ]]; then
    selected=()
    for s in "${suites[@]}"; do
        n=${s##*/}
        [[ " $HUTCH_SUITES " != *" ${n%.bats} "* ]] || selected+=("$s")
    done
    suites=("${selected[@]}")
fi
have_bats=1
if ! command -v bats >/dev/null 2>&1; then
    have_bats=0
fi

clean_path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# --- unit tests ---------------------------------------------------------------

# unit-mounts reads its fixtures from the directory given.
for name in unit-options unit-mounts unit-profile; do
unit=$build_dir/tests/$name
if [[ -x $unit ]]; then
    echo "== $name"
    "$unit" "$here/fixtures/mountinfo" >"$tmp_out" 2>&1
    st=$?
    # Show its output, keeping its own summary line from looking like ours.
    sed -E "s/^([0-9]+ passed, [0-9]+ failed.*)\$/# $name summary: \\1/" "$tmp_out"
    p=$(grep -cE '^ok [0-9]+' "$tmp_out")
    f=$(grep -cE '^not ok [0-9]+' "$tmp_out")
    s=$(grep -cE '^ok [0-9]+ .* # [Ss][Kk][Ii][Pp]( |$)' "$tmp_out")
    total_pass=$((total_pass + p - s))
    total_fail=$((total_fail + f))
    total_skip=$((total_skip + s))
    if ((st != 0 && f == 0)); then
        echo "# $name exited $st without a failing test"
        total_fail=$((total_fail + 1))
    fi
else
    echo "== $name: not built ($unit), skipped"
fi
done

# ensure_subids USER START : give USER a subordinate uid/gid range for the
# --map-subids tests when it has none (removed again at exit)
added_subids=()
ensure_subids() {
    local f
    for f in /etc/subuid /etc/subgid; do
        [[ -w $f || ! -e $f ]] || continue
        if ! grep -qE "^($1|$(id -u "$1")):" "$f" 2>/dev/null; then
            echo "$1:$2:65536" >>"$f" && added_subids+=("$f:$1:$2:65536")
        fi
    done
}
remove_added_subids() {
    local e f line
    for e in "${added_subids[@]}"; do
        f=${e%%:*}
        line=${e#*:}
        sed -i "\|^$line\$|d" "$f"
    done
}

# The setuid-root build runs every suite too; tests of options that mode
# refuses skip themselves there (skip_in_setuid_mode).  HUTCH_SETUID_SKIP
# names suites to leave out of that pass (for a quick local run).
SETUID_SKIP=${HUTCH_SETUID_SKIP:-}

# Suites run in parallel, one bats file per job (never two tests of one file
# at once), when GNU parallel is installed: most of a test's time is spent
# waiting for processes, not on a CPU.  HUTCH_JOBS=1 runs them one by one.
jobs=${HUTCH_JOBS:-$(($(nproc 2>/dev/null || echo 1) + 2))}
bats_opts=(--tap)
if ((jobs > 1)) && command -v parallel >/dev/null 2>&1; then
    bats_opts+=(--jobs "$jobs" --no-parallelize-within-files)
fi

# run_unprivileged USER BINARY SETUID : the suites again as USER, from a
# copy readable by USER (installed setuid root when SETUID is 1)
run_unprivileged() {
    local user=$1 binary=$2 setuid=$3 uid home f s label name
    uid=$(id -u "$user")
    home=$(getent passwd "$user" | cut -d: -f6)
    [[ -d $home ]] || home=/tmp
    unpriv_dir=$(mktemp -d /tmp/hutch-tests.XXXXXX) || { echo "mktemp failed"; total_fail=$((total_fail + 1)); return; }
    chmod 755 "$unpriv_dir"
    mkdir "$unpriv_dir/tests"
    cp "${suites[@]}" "$here"/*.bash "$unpriv_dir/tests/"
    # The fault injector's source (tests/fds.bats builds it).
    cp -r "$here/fault-sweep" "$unpriv_dir/tests/"
    # Helper programs the suites run (tests/*-probe), when built.
    for f in "$build_dir"/tests/*-probe; do
        [[ ! -x $f ]] || cp "$f" "$unpriv_dir/tests/"
    done
    cp "$binary" "$unpriv_dir/hutch"
    if ((setuid)); then
        chown root:root "$unpriv_dir/hutch" && chmod 4755 "$unpriv_dir/hutch"
    fi
    # What tests/docs.bats checks: the man page and the completions.
    for f in man/hutch.1.scd man/hutch.1 completions/bash/hutch \
        completions/zsh/_hutch completions/fish/hutch.fish; do
        for d in "$build_dir" "$here/.."; do
            if [[ -f $d/$f && ! -e $unpriv_dir/$f ]]; then
                install -D -m 644 "$d/$f" "$unpriv_dir/$f"
            fi
        done
    done
    chmod -R a+rX "$unpriv_dir"
    copied_suites=()
    for s in "${suites[@]}"; do
        name=${s##*/}
        name=${name%.bats}
        if ((setuid)) && [[ " $SETUID_SKIP " == *" $name "* ]]; then
            continue
        fi
        copied_suites+=("$unpriv_dir/tests/${s##*/}")
    done
    if ((${#copied_suites[@]} == 0)); then
        echo "== no suite to run through ${binary##*/}"
        rm -rf "$unpriv_dir"
        unpriv_dir=""
        return
    fi
    label="as $user (uid $uid)"
    ((setuid)) && label="as $user through the setuid-root build"
    echo "== $label"
    echo "# HUTCH=$unpriv_dir/hutch"
    run_as=()
    if command -v runuser >/dev/null 2>&1; then
        run_as=(runuser -u "$user" --)
    elif command -v setpriv >/dev/null 2>&1; then
        run_as=(setpriv --reuid="$uid" --regid="$(id -g "$user")" --init-groups --)
    fi
    env_args=(env -i "HOME=$home" "USER=$user" "LOGNAME=$user"
        "PATH=$clean_path" "LANG=${LANG:-C.UTF-8}" "TMPDIR=/tmp"
        "HUTCH=$unpriv_dir/hutch" "BWRAP=${BWRAP:-/usr/bin/bwrap}"
        "HUTCH_SETUID=$setuid" "HUTCH_BUILDDIR=$unpriv_dir")
    if ((${#run_as[@]})); then
        (cd "$unpriv_dir" && "${run_as[@]}" "${env_args[@]}" \
            bats "${bats_opts[@]}" "${copied_suites[@]}") </dev/null >"$tmp_out" 2>&1
        st=$?
    else
        cmd=$(printf '%q ' "${env_args[@]}" bats "${bats_opts[@]}" "${copied_suites[@]}")
        (cd "$unpriv_dir" && su "$user" -s /bin/bash -c "$cmd") </dev/null >"$tmp_out" 2>&1
        st=$?
    fi
    cat "$tmp_out"
    count_tap "$tmp_out"
    check_plan "$tmp_out" "$st"
    echo "# $label: $RUN_PASS ok, $RUN_FAIL failed, $RUN_SKIP skipped"
    rm -rf "$unpriv_dir"
    unpriv_dir=""
}

# --- bats suites -----------------------------------------------------------------

if [[ ! -x $hutch ]]; then
    echo "run-tests.sh: the binary under test is missing: $hutch" >&2
    echo "  build it first, or set HUTCH=/path/to/hutch" >&2
    total_fail=$((total_fail + 1))
elif ((have_bats == 0)); then
    echo "run-tests.sh: bats is not installed (Debian: apt-get install bats)" >&2
    total_fail=$((total_fail + 1))
elif ((${#suites[@]} == 0)) || [[ ! -e ${suites[0]} ]]; then
    echo "run-tests.sh: no suites in $here" >&2
    total_fail=$((total_fail + 1))
else
    if [[ $(id -u) -eq 0 && -n ${HUTCH_NO_ROOT_PASS:-} ]]; then
        # (CI's sanitizer stage: the unprivileged pass is the one that
        # matters most, and the root pass ran unsanitized already)
        echo "== as $(id -un): pass not requested (HUTCH_NO_ROOT_PASS)"
    else
        if [[ $(id -u) -eq 0 ]]; then
            echo "== as $(id -un)"
        else
            echo "== as $(id -un) (uid $(id -u))"
        fi
        echo "# HUTCH=$hutch"
        [[ $(id -u) -ne 0 ]] || ensure_subids root 300000
        HUTCH=$hutch PATH=$clean_path:$PATH bats "${bats_opts[@]}" "${suites[@]}" </dev/null >"$tmp_out" 2>&1
        st=$?
        cat "$tmp_out"
        count_tap "$tmp_out"
        check_plan "$tmp_out" "$st"
        echo "# as $(id -un): $RUN_PASS ok, $RUN_FAIL failed, $RUN_SKIP skipped"
    fi

    if [[ $(id -u) -eq 0 ]]; then
        user=${HUTCH_TEST_USER:-hutchtest}
        reason=""
        if ! id -u "$user" >/dev/null 2>&1; then
            if [[ -n ${HUTCH_TEST_USER:-} ]]; then
                reason="user $user does not exist"
            elif useradd -m "$user" >/dev/null 2>&1; then
                created_user=$user
            else
                reason="could not create user $user"
            fi
        fi
        if [[ -z $reason ]]; then
            ensure_subids "$user" 400000
            run_unprivileged "$user" "$hutch" 0
            # The setuid-optional build, installed setuid root, through the
            # same suites as the unprivileged user.
            if [[ -n ${HUTCH_NO_SETUID_PASS:-} ]]; then
                echo "== setuid build: pass not requested (HUTCH_NO_SETUID_PASS)"
            elif [[ -x $build_dir/tests/hutch-setuid ]]; then
                run_unprivileged "$user" "$build_dir/tests/hutch-setuid" 1
            else
                echo "== setuid build: not built ($build_dir/tests/hutch-setuid), skipped"
            fi
        else
            echo "== as an unprivileged user: skipped ($reason)"
        fi
    fi
fi

if ((total_pass + total_fail == 0)); then
    echo "# no test ran"
    total_fail=$((total_fail + 1))
fi

echo "$total_pass passed, $total_fail failed, $total_skip skipped"
((total_fail == 0))
