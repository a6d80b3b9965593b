#!/usr/bin/env bats
# opam 2.1 (Debian's opam) wraps every build, install and remove command of
# a package in its sandbox.sh hook, which runs bwrap from PATH: the logging
# stand-in (running $HUTCH) comes first there.  Offline: `opam init --bare`
# on a local repository (fixtures/opam-repo), an empty switch (no OCaml
# compiler is needed for a package that does not depend on one), and one
# package whose commands record what they could write.

setup() {
    load clients
    clients_setup
    skip_unless_cmd opam
}

teardown() {
    hutch_teardown
}

# opam_run DIR OPAM-ARGS... : opam with DIR/root as its root, DIR/home as
# the home, DIR/bin first in PATH
opam_run() {
    local dir=$1
    shift
    client_env "$dir/home" "PATH=$dir/bin:$CLIENT_PATH" "OPAMROOT=$dir/root" \
        OPAMYES=1 OPAMCOLOR=never OPAMUTF8=never OPAMROOTISOK=1 OPAMSTATUSLINE=never \
        OPAMNOENVNOTICE=1 OPAMJOBS=1
    (cd "$dir" && "${CLIENT_ENV[@]}" timeout 120 opam "$@")
}

# opam_install DIR REAL : init, an empty switch and `opam install hello`,
# all with REAL as bwrap; opam's output in $output
opam_install() {
    local dir=$1 real=$2
    client_dir "$dir" "$real" || return 1
    cp -r "$FIX/opam-repo" "$dir/repo" || return 1
    TMPNAME=hutch-opam-escape.$$.$BATS_TEST_NUMBER
    local p=$dir/repo/packages/hello/hello.1/opam
    sed "s|@TMPNAME@|$TMPNAME|g" "$p.in" >"$p" && rm "$p.in" || return 1
    run opam_run "$dir" init --bare -n --disable-shell-hook local "$dir/repo"
    assert_client_success "$dir"
    run opam_run "$dir" switch create test --empty
    assert_client_success "$dir"
    run opam_run "$dir" install hello
    assert_client_success "$dir"
}

# assert_opam_result DIR : what the package installed, and what its
# sandbox kept out
assert_opam_result() {
    local dir=$1 d=$1/root/test/lib/hello
    assert_file_content "$d/hello.txt" "built in the sandbox"
    # The home is there (read-only, under /tmp), the host's /tmp read-only,
    # the switch read-only while building.
    assert_file_content "$d/home" "$dir/home"
    assert_file_content "$d/home-write" refused
    [[ $(cat "$d/home-write.err") == *"Read-only file system"* ]] || fail "$(cat "$d/home-write.err")"
    assert_no_path "$dir/home/escaped"
    assert_file_content "$d/tmp-write" refused
    [[ $(cat "$d/tmp-write.err") == *"Read-only file system"* ]] || fail "$(cat "$d/tmp-write.err")"
    assert_file_content "$d/install-tmp-write" refused
    assert_no_path "/tmp/$TMPNAME"
    assert_file_content "$d/prefix-write" refused
    [[ $(cat "$d/prefix-write.err") == *"Read-only file system"* ]] || fail "$(cat "$d/prefix-write.err")"
    assert_no_path "$dir/root/test/lib/from-build"
    # Loopback only.
    [[ $(tail -n +3 "$d/netdev" | cut -d: -f1 | tr -d ' ') == lo ]] ||
        fail "the build saw network interfaces:" "$(cat "$d/netdev")"
    # opam init tried its sandbox (and kept it on), through the stand-in.
    log_has '^argv: --unshare-net .* sh -c echo\\ SUCCESS\\ .*opam-sandbox-check-out' "$dir"
    grep -q 'sandbox.sh" "build"' "$dir/root/config" || fail "opam turned its sandbox off:" "$(cat "$dir/root/config")"
    # The six build commands went through the stand-in with the switch
    # read-only and the build directory writable, the two install commands
    # with the switch writable.
    local sw n
    sw=$(ere "$dir/root/test")
    n=$(grep -cE "^argv: --unshare-net --new-session --die-with-parent .* --ro-bind $sw $sw --bind $sw/\.opam-switch/build/hello\.1 $sw/\.opam-switch/build/hello\.1 .*sh -c " "$dir/bwrap.log")
    ((n == 6)) || fail "expected 6 build commands through bwrap, saw $n:" "$(cat "$dir/bwrap.log")"
    n=$(grep -cE "^argv: --unshare-net .* --bind $sw $sw --ro-bind $sw/\.opam-switch $sw/\.opam-switch .*sh -c " "$dir/bwrap.log")
    ((n == 2)) || fail "expected 2 install commands through bwrap, saw $n:" "$(cat "$dir/bwrap.log")"
}

@test "opam: install of a package built and installed in hutch sandboxes" {
    opam_install "$T/hutch" "$HUTCH"
    assert_opam_result "$T/hutch"
}

@test "opam: the same installed files and bwrap command lines with bubblewrap 0.11.1" {
    skip_unless_bwrap011
    opam_install "$T/hutch" "$HUTCH"
    opam_install "$T/bwrap" "$BWRAP011"
    assert_opam_result "$T/bwrap"
    assert_same_files "$T/hutch/root/test/lib/hello" "$T/bwrap/root/test/lib/hello" "$T/hutch" "$T/bwrap"
    assert_same_log "$T/hutch" "$T/bwrap"
}
