# tests/clients/clients.bash — real programs that drive bwrap, run with
# $HUTCH as their bwrap.
#
# Each suite does:
#     setup()    { load clients; clients_setup; }
#     teardown() { hutch_teardown; }
#
# Every client runs with a logging stand-in for bwrap (fixtures/bwrap-logger.in)
# that records the command line the client gave it, then runs the real binary:
# $HUTCH, or, for the side-by-side runs, bubblewrap 0.11.1 from $BWRAP011
# (those tests skip when BWRAP011 is unset).  Clients run with a clean
# environment and a home of their own under the test directory, so that the
# command lines they build do not depend on the caller's environment.

load ../helpers

clients_setup() {
    hutch_setup
    FIX=$BATS_TEST_DIRNAME/fixtures
    CLIENT_USER=$(id -un)
    # shellcheck disable=SC2034 # (for the suites)
    CLIENT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
}

# skip_unless_bwrap011 : for the side-by-side runs
skip_unless_bwrap011() {
    [[ -n ${BWRAP011:-} ]] || skip "BWRAP011 is not set (bubblewrap 0.11.1 to compare with)"
    [[ -x $BWRAP011 ]] || skip "BWRAP011=$BWRAP011 is not an executable file"
}

# client_dir DIR REAL : make DIR with DIR/bin/bwrap, the logging stand-in
# that runs REAL and logs to DIR/bwrap.log, and DIR/home, the client's home
client_dir() {
    local dir=$1 real=$2
    mkdir -p "$dir/bin" "$dir/home" || return 1
    : >"$dir/bwrap.log"
    sed -e "s|@LOG@|$(printf '%q' "$dir/bwrap.log")|" \
        -e "s|@REAL@|$(printf '%q' "$real")|" \
        "$FIX/bwrap-logger.in" >"$dir/bin/bwrap" &&
        chmod 755 "$dir/bin/bwrap"
}

# client_env HOME [VAR=VALUE...] : the environment clients run with (Python's
# hash seed fixed: BuildStream's --unsetenv options come out of a set)
client_env() {
    local home=$1
    shift
    # shellcheck disable=SC2034 # (for the suites)
    CLIENT_ENV=(env -i "HOME=$home" "USER=$CLIENT_USER" "LOGNAME=$CLIENT_USER"
        "LANG=C.UTF-8" "TERM=dumb" "TMPDIR=/tmp" "PYTHONHASHSEED=0" "$@")
}

# normalize_log FILE DIR : FILE's command lines with DIR written @DIR@ and
# what changes from one run of a client to the next replaced by a
# placeholder: temporary names (xvfb-run's directory, the X display, the
# build directories of BuildStream and opam, Flatpak's instance number) and
# descriptor numbers (those of bwrap's options that take one, and WebKit's
# own, passed to its web process), which the client opens before it runs
# bwrap, in an order its threads race for.
# (The descriptor rule is applied twice: a match takes the space after it,
# which an option right behind it would have started with.)
normalize_log() {
    local fd_opts='args|ro-bind-fd|bind-fd|info-fd|json-status-fd|seccomp|add-seccomp-fd|ro-bind-data|bind-data|file|sync-fd|block-fd|userns-block-fd|userns|userns2|pidns'
    sed -E -e "s|$(printf '%s' "$2" | sed 's/[][\.*^$|]/\\&/g')|@DIR@|g" \
        -e 's|/tmp/xvfb-run\.[A-Za-z0-9]+|/tmp/xvfb-run.@RANDOM@|g' \
        -e 's|/tmp/\.X11-unix/X[0-9]+|/tmp/.X11-unix/X@N@|g' \
        -e 's|(build/[a-z]+-)[a-z0-9_]{8}/|\1@RANDOM@/|g' \
        -e 's|/tmp/opam-[0-9]+-[0-9a-f]+|/tmp/opam-@RANDOM@|g' \
        -e 's|/\.flatpak/[0-9]+|/.flatpak/@INSTANCE@|g' \
        -e "s/ (--($fd_opts)) [0-9]+( |\$)/ \\1 @FD@\\3/g" \
        -e "s/ (--($fd_opts)) [0-9]+( |\$)/ \\1 @FD@\\3/g" \
        -e 's/^args-fd [0-9]+:/args-fd @FD@:/' \
        -e 's|(WebKitWebProcess) [0-9]+ [0-9]+ [0-9]+$|\1 @FDS@|' \
        "$1"
}

# assert_same_log A_DIR B_DIR : the two runs issued the same command lines
# (a difference is shown one argument a line, under the number of its
# command line in the log)
assert_same_log() {
    local a b
    a=$(normalize_log "$1/bwrap.log" "$1")
    b=$(normalize_log "$2/bwrap.log" "$2")
    [[ -n $a ]] || fail "no bwrap command line was logged in $1"
    [[ $a == "$b" ]] ||
        fail "the client gave hutch (-) and bubblewrap 0.11.1 (+) different command lines:" \
            "$(diff -U2 <(_one_word_a_line <<<"$a") <(_one_word_a_line <<<"$b") | tail -n +3)"
}

_one_word_a_line() {
    awk '{ print "== line " NR; for (i = 1; i <= NF; i++) print "   " $i }'
}

# assert_same_files A B A_DIR B_DIR : the trees A and B hold the same files,
# with the same contents once A_DIR and B_DIR are written @DIR@ in each
assert_same_files() {
    local f a b
    [[ $(cd "$1" && find . | sort) == "$(cd "$2" && find . | sort)" ]] ||
        fail "$1 and $2 differ:" "$(diff <(cd "$1" && find . | sort) <(cd "$2" && find . | sort))" ||
        return 1
    while IFS= read -r f; do
        a=$(sed "s|$3|@DIR@|g" "$1/$f") b=$(sed "s|$4|@DIR@|g" "$2/$f")
        [[ $a == "$b" ]] || fail "$f differs:" "$a" "$b" || return 1
    done < <(cd "$1" && find . -type f)
}

# assert_client_success DIR : the client's run succeeded; if not, show the
# command lines it gave bwrap as well
assert_client_success() {
    assert_success || fail "the command lines the client gave bwrap ($1/bwrap.log):" \
        "$(cat "$1/bwrap.log")"
}

# log_has ERE DIR : some line of DIR/bwrap.log matches ERE
log_has() {
    grep -qE -- "$1" "$2/bwrap.log" ||
        fail "no command line in $2/bwrap.log matches /$1/:" "$(cat "$2/bwrap.log")"
}

# log_lacks ERE DIR : no line of DIR/bwrap.log matches ERE
log_lacks() {
    ! grep -qE -- "$1" "$2/bwrap.log" ||
        fail "a command line in $2/bwrap.log matches /$1/:" "$(grep -E -- "$1" "$2/bwrap.log")"
}

# ere STRING : STRING with ERE metacharacters escaped
ere() {
    printf '%s' "$1" | sed 's/[][\.*^$|+?(){}]/\\&/g'
}
