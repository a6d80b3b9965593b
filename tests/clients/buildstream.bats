#!/usr/bin/env bats
# BuildStream 1 (Debian's buildstream, `bst`) runs every build command in a
# bwrap sandbox, finding bwrap in PATH: the logging stand-in (running
# $HUTCH) comes first there.  The project (fixtures/bst) builds one manual
# element on a sysroot of the host's dash; its commands write what they saw
# into the artifact, which the test checks out.

setup() {
    load clients
    clients_setup
    skip_unless_cmd bst
}

teardown() {
    hutch_teardown
}

# bst_run DIR REAL BST-ARGS... : bst in DIR/project, REAL as its bwrap
bst_run() {
    local dir=$1 real=$2
    shift 2
    client_env "$dir/home" "PATH=$dir/bin:$CLIENT_PATH"
    (cd "$dir/project" && "${CLIENT_ENV[@]}" timeout 120 \
        bst --no-interactive --no-colors -c "$dir/config.yml" "$@")
}

# bst_build DIR REAL : build hello.bst and check it out in DIR/checkout
# (a fresh project, caches and home in DIR); bst's output in $output
bst_build() {
    local dir=$1 real=$2 lib
    client_dir "$dir" "$real" || return 1
    cp -r "$FIX/bst" "$dir/project" || return 1
    # The sysroot: dash as /bin/sh, and what it loads, at the same paths.
    mkdir -p "$dir/project/files/sysroot/bin" &&
        cp /bin/dash "$dir/project/files/sysroot/bin/sh" || return 1
    for lib in $(ldd /bin/dash | grep -oE '/[^ ]+'); do
        install -D -m 755 "$lib" "$dir/project/files/sysroot$lib" || return 1
    done
    TMPNAME=hutch-bst-escape.$$.$BATS_TEST_NUMBER
    sed -e "s|@HOSTDIR@|$dir|" -e "s|@TMPNAME@|$TMPNAME|" \
        "$dir/project/elements/hello.bst.in" >"$dir/project/elements/hello.bst" &&
        rm "$dir/project/elements/hello.bst.in" || return 1
    printf '%s: %s\n' sourcedir "$dir/cache/sources" builddir "$dir/cache/build" \
        artifactdir "$dir/cache/artifacts" logdir "$dir/cache/logs" >"$dir/config.yml"
    run bst_run "$dir" "$real" build hello.bst
    assert_client_success "$dir"
    run bst_run "$dir" "$real" checkout hello.bst "$dir/checkout"
    assert_client_success "$dir"
}

# assert_bst_result DIR : the artifact, and what the build sandbox kept out
assert_bst_result() {
    local dir=$1 c=$1/checkout
    assert_file_content "$c/hello.txt" "built by sandboxed shell"
    # Root of its own user namespace, with its own host name.
    assert_file_content "$c/uid" 0
    assert_file_content "$c/hostname" buildstream
    # Loopback only (after /proc/net/dev's two header lines).
    [[ $(tail -n +3 "$c/interfaces") == "lo:" ]] ||
        fail "the build saw network interfaces:" "$(cat "$c/interfaces")"
    # The sysroot is read-only; the host's directories are not in it; its
    # /tmp is its own.
    assert_file_content "$c/root-write" refused
    [[ $(cat "$c/root-write.err") == *"Read-only file system"* ]] ||
        fail "expected EROFS writing /escape, got: $(cat "$c/root-write.err")"
    assert_file_content "$c/host-write" refused
    assert_no_path "$dir/escaped"
    assert_file_content "$c/tmp-write" written
    assert_no_path "/tmp/$TMPNAME"
    # Every command went through the stand-in: the probe bst makes first,
    # then the seven commands in the sysroot, bound read-only, in new
    # user, network and PID namespaces.
    log_has '^argv: --ro-bind / / --unshare-user --uid 0 --gid 0 /usr/bin/whoami$' "$dir"
    local n
    n=$(grep -cE "^argv: .* --unshare-pid( --die-with-parent)? --bind $(ere "$dir")/cache/build/hello-[a-z0-9_]+/root/ / --unshare-net .* --remount-ro / --unshare-user --uid 0 --gid 0 sh -c -e " "$dir/bwrap.log")
    ((n == 7)) || fail "expected 7 build commands through bwrap, saw $n:" "$(cat "$dir/bwrap.log")"
}

@test "BuildStream: bst build and checkout of an element built in a hutch sandbox" {
    bst_build "$T/hutch" "$HUTCH"
    assert_bst_result "$T/hutch"
}

# Fails with hutch 0.1.0: bst reads the version from the second word of
# `bwrap --version` ("hutch 0.1.0": 0.1.0, older than 0.1.8) and so leaves
# out --die-with-parent; passes once `bwrap --version` says
# "bubblewrap 0.11.1".
@test "BuildStream: the same artifact and bwrap command lines with bubblewrap 0.11.1" {
    skip_unless_bwrap011
    bst_build "$T/hutch" "$HUTCH"
    bst_build "$T/bwrap" "$BWRAP011"
    assert_bst_result "$T/bwrap"
    assert_same_files "$T/hutch/checkout" "$T/bwrap/checkout" "$T/hutch" "$T/bwrap"
    assert_same_log "$T/hutch" "$T/bwrap"
}
