#!/bin/bash
# Memcheck over a few representative runs of hutch: no invalid access, no
# use of uninitialised memory in hutch's own processes (the monitor and
# the child it clones; --trace-children=no: not the command).
#
#   tests/valgrind.sh [BUILD_DIR]      (HUTCH=... overrides the binary)
#
# Valgrind 3.19 (Debian 12) does not know the new mount API (fsopen,
# fsmount, move_mount, open_tree, mount_setattr), so under it the child
# stops where it builds the new root ("Function not implemented"): the
# runs cover parsing, checking, --dry-run, the error paths, clone, the id
# maps, the status reports and the monitor up to the child's exit.  The
# build phase itself is covered by the AddressSanitizer pass of CI.
#
# The last line is "N passed, N failed, N skipped".

set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) || exit 2
build_dir=$(cd "${1:-$here/..}" && pwd) || exit 2
hutch=${HUTCH:-$build_dir/hutch}

pass=0 failed=0 skipped=0
if ! command -v valgrind >/dev/null; then
    echo "valgrind is not installed (apt-get install valgrind)"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
if grep -q __asan_init "$hutch" 2>/dev/null; then
    echo "$hutch is built with AddressSanitizer: valgrind can't run it"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi

work=$(mktemp -d) || exit 2
trap 'rm -rf "$work"' EXIT
printf '%s\0' --setenv FROM_ARGS 1 --dir /from-args --tmpfs /t >"$work/args"
echo data >"$work/data"

# check NAME EXPECTED-STATUS HUTCH-ARGS... : run under memcheck
check() {
    local name=$1 want=$2 st
    shift 2
    valgrind --tool=memcheck --error-exitcode=99 --trace-children=no --track-origins=yes \
        --suppressions="$here/valgrind.supp" --log-file="$work/vg.%p" -q \
        "$hutch" "$@" >"$work/out" 2>"$work/err" 3<"$work/args" 4<"$work/data" 5>"$work/info" 6>"$work/json"
    st=$?
    # Anything memcheck said, but its notes about system calls it lacks.
    local report
    report=$(cat "$work"/vg.* 2>/dev/null | grep -v '^--[0-9]*-- ')
    rm -f "$work"/vg.*
    if [[ $st -eq 99 || -n $report ]]; then
        echo "not ok $name (exit $st)"
        printf '%s\n' "$report" | head -n 40 | sed 's/^/#   /'
        failed=$((failed + 1))
    elif [[ $want != any && $st -ne $want ]]; then
        echo "not ok $name: exit $st, expected $want"
        sed 's/^/#   /' "$work/err" | head -n 5
        failed=$((failed + 1))
    else
        echo "ok $name"
        pass=$((pass + 1))
    fi
}

everything=(--ro-bind / / --dev /dev --proc /proc --tmpfs /tmp --dir /tmp/d --perms 0700
    --dir /tmp/p --symlink /x /tmp/l --file 4 /tmp/f --bind-data 4 /tmp/g --chmod 0755 /tmp/d
    --remount-ro /tmp --setenv A 1 --unsetenv B --clearenv --chdir /tmp --unshare-all
    --share-net --hostname vg --uid 0 --gid 0 --cap-add CAP_NET_ADMIN --cap-drop ALL
    --die-with-parent --new-session --args 3)

check "--version" 0 --version
check "--help" 0 --help
check "--dry-run with every kind of option" 0 --dry-run "${everything[@]}" -- /bin/true
check "--dry-run=json with every kind of option" 0 --dry-run=json "${everything[@]}" -- /bin/true
check "error: unknown option" 1 --frobnicate
check "error: an fd beyond INT_MAX" 1 --info-fd 4294967299 -- /bin/true
check "error: a closed fd" 1 --sync-fd 77 -- /bin/true
check "error: a newline in --hostname" 1 --unshare-uts --hostname $'a\nb' -- /bin/true
check "error: --args inside --args" 1 --args 3 -- /bin/true 3< <(printf '%s\0' --args 3)
check "error: an 8,000-byte path component" 1 --dir "/$(printf 'a%.0s' {1..8000})" -- /bin/true
# Up to the new mount API: clone, maps, reports, the monitor and the
# child's error path ("Function not implemented" from fsopen).
check "a sandbox, as far as valgrind can follow" any --ro-bind / / --unshare-pid --unshare-net \
    --info-fd 5 --json-status-fd 6 -- /bin/true
check "a sandbox with --args, --file and --uid" any --args 3 --file 4 /f --unshare-user --uid 5 \
    --ro-bind / / -- /bin/true

unit=$build_dir/tests/unit-options
if [[ -x $unit ]]; then
    # (Its own results are make check's business: only memcheck's count here.)
    valgrind --tool=memcheck --error-exitcode=99 -q --log-file="$work/unit.%p" "$unit" \
        >"$work/unit-output" 2>&1
    if ! grep -qv '^--[0-9]*-- ' "$work"/unit.[0-9]* 2>/dev/null; then
        echo "ok tests/unit-options"
        pass=$((pass + 1))
    else
        echo "not ok tests/unit-options"
        cat "$work"/unit.[0-9]* | head -n 40 | sed 's/^/#   /'
        failed=$((failed + 1))
    fi
else
    echo "ok tests/unit-options # skip not built"
    skipped=$((skipped + 1))
fi

echo "$pass passed, $failed failed, $skipped skipped"
((failed == 0))
