#!/usr/bin/env bats
# Overlay mounts: --overlay-src layers under --overlay (writes to a host
# directory), --tmp-overlay (writes vanish) and --ro-overlay (no writes);
# the order of the layers, the order of the options, and paths holding the
# characters overlayfs's option syntax treats specially.

setup() {
    load helpers
    hutch_setup
    needs_option --overlay-src
    skip_in_setuid_mode "overlays are refused"
    mkdir -p "$T/lower1" "$T/lower2" "$T/upper" "$T/work"
    echo bottom >"$T/lower1/both"
    echo only-bottom >"$T/lower1/one"
    echo top >"$T/lower2/both"
    echo only-top >"$T/lower2/two"
}

teardown() {
    # overlayfs leaves an unreadable work/work behind; the owner may clean it.
    chmod -R u+rwX "$T" 2>/dev/null || true
    hutch_teardown
}

# Everything in a tree, with contents, to compare before and after.
tree_of() {
    (cd "$1" && find . -mindepth 1 -printf '%p %y\n' -type f -exec cat {} \; | sort)
}

# --- --overlay ------------------------------------------------------------------------

@test "--overlay: both layers seen merged; the later --overlay-src is on top" {
    run --separate-stderr sb --overlay-src "$T/lower1" --overlay-src "$T/lower2" \
        --overlay "$T/upper" "$T/work" /mnt -- /bin/sh -c 'cat /mnt/both /mnt/one /mnt/two'
    assert_success
    assert_output "top
only-bottom
only-top"
}

@test "--overlay: writes land in RWSRC, the lower layers stay as they were" {
    local before1 before2
    before1=$(tree_of "$T/lower1")
    before2=$(tree_of "$T/lower2")
    run --separate-stderr sb --overlay-src "$T/lower1" --overlay-src "$T/lower2" \
        --overlay "$T/upper" "$T/work" /mnt -- /bin/sh -c \
        'echo new >/mnt/new && echo changed >/mnt/one && rm /mnt/two && mkdir /mnt/d && ls /mnt'
    assert_success
    assert_output "both
d
new
one"
    [[ $(tree_of "$T/lower1") == "$before1" ]] || fail "lower1 changed"
    [[ $(tree_of "$T/lower2") == "$before2" ]] || fail "lower2 changed"
    assert_file_content "$T/upper/new" new
    assert_file_content "$T/upper/one" changed
    [[ -d $T/upper/d ]] || fail "the new directory is not in RWSRC"
    # A deleted lower file leaves a whiteout (a 0:0 character device).
    [[ -c $T/upper/two ]] || fail "no whiteout for the deleted file in RWSRC"
}

@test "--overlay: what RWSRC holds is seen the next time, on top of the layers" {
    echo from-upper >"$T/upper/both"
    run --separate-stderr sb --overlay-src "$T/lower1" --overlay "$T/upper" "$T/work" /mnt -- \
        cat /mnt/both /mnt/one
    assert_success
    assert_output "from-upper
only-bottom"
}

@test "--overlay: one --overlay-src is enough" {
    run --separate-stderr sb --overlay-src "$T/lower1" --overlay "$T/upper" "$T/work" /mnt -- \
        /bin/sh -c 'echo x >>/mnt/one; cat /mnt/one'
    assert_success
    assert_output "only-bottom
x"
    assert_file_content "$T/lower1/one" only-bottom
}

# --- --tmp-overlay ----------------------------------------------------------------------

@test "--tmp-overlay: writes are seen inside and vanish; the host is untouched" {
    host_snapshot
    run --separate-stderr sb --overlay-src "$T/lower1" --overlay-src "$T/lower2" \
        --tmp-overlay /mnt -- /bin/sh -c \
        'echo new >/mnt/new; echo changed >/mnt/both; rm /mnt/one; cat /mnt/new /mnt/both; ls /mnt'
    assert_success
    assert_output "new
changed
both
new
two"
    assert_host_unchanged
    run --separate-stderr sb --overlay-src "$T/lower1" --overlay-src "$T/lower2" \
        --tmp-overlay /mnt -- ls /mnt
    assert_output "both
one
two"
}

@test "--tmp-overlay twice: each overlay writes to a tmpfs of its own" {
    run --separate-stderr sb --overlay-src "$T/lower1" --tmp-overlay /mnt \
        --overlay-src "$T/lower1" --tmp-overlay /srv -- /bin/sh -c \
        'echo a >/mnt/x; echo b >/srv/x; cat /mnt/x /srv/x'
    assert_success
    assert_output "a
b"
}

# --- --ro-overlay ------------------------------------------------------------------------

@test "--ro-overlay: the layers merged, read-only" {
    run --separate-stderr sb --overlay-src "$T/lower1" --overlay-src "$T/lower2" \
        --ro-overlay /mnt -- /bin/sh -c \
        'cat /mnt/both /mnt/one /mnt/two; touch /mnt/new 2>&1; rm /mnt/one 2>&1; ls /mnt'
    assert_success
    assert_output "top
only-bottom
only-top
touch: cannot touch '/mnt/new': Read-only file system
rm: cannot remove '/mnt/one': Read-only file system
both
one
two"
}

# --- escaping ----------------------------------------------------------------------------

@test "layers, RWSRC and WORKDIR whose names hold ':' ',' '\\' and spaces" {
    local odd='odd:name,with\back slash'
    mkdir -p "$T/$odd-lower" "$T/$odd-upper" "$T/$odd-work"
    echo odd >"$T/$odd-lower/f"
    run --separate-stderr sb --overlay-src "$T/$odd-lower" --overlay-src "$T/lower2" \
        --overlay "$T/$odd-upper" "$T/$odd-work" /mnt -- /bin/sh -c \
        'cat /mnt/f /mnt/both; echo w >/mnt/w'
    assert_success
    assert_output "odd
top"
    assert_file_content "$T/$odd-upper/w" w
    run --separate-stderr sb --overlay-src "$T/lower1" --overlay-src "$T/$odd-lower" \
        --ro-overlay /mnt -- cat /mnt/f /mnt/one
    assert_success
    assert_output "odd
only-bottom"
    run --separate-stderr sb --overlay-src "$T/$odd-lower" --tmp-overlay /mnt -- cat /mnt/f
    assert_success
    assert_output odd
}

@test "relative --overlay-src, RWSRC and WORKDIR are taken from the current directory" {
    cd "$T"
    run --separate-stderr sb --overlay-src lower1 --overlay upper work /mnt -- \
        /bin/sh -c 'cat /mnt/one; echo r >/mnt/r'
    assert_success
    assert_output only-bottom
    assert_file_content "$T/upper/r" r
}

# --- the order of the options --------------------------------------------------------------

@test "--overlay, --tmp-overlay without --overlay-src; --ro-overlay with only one" {
    expect_error "--overlay requires at least one --overlay-src" \
        --ro-bind / / --overlay "$T/upper" "$T/work" /mnt -- /bin/true
    expect_error "--tmp-overlay requires at least one --overlay-src" \
        --ro-bind / / --tmp-overlay /mnt -- /bin/true
    expect_error "--ro-overlay requires at least two --overlay-src" \
        --ro-bind / / --ro-overlay /mnt -- /bin/true
    expect_error "--ro-overlay requires at least two --overlay-src" \
        --ro-bind / / --overlay-src "$T/lower1" --ro-overlay /mnt -- /bin/true
}

@test "--overlay-src followed by another option, by the command, or last" {
    local msg="--overlay-src must be followed by another --overlay-src or one of --overlay, --tmp-overlay, or --ro-overlay"
    expect_error "$msg" --ro-bind / / --overlay-src "$T/lower1" --tmpfs /mnt -- /bin/true
    expect_error "$msg" --ro-bind / / --overlay-src "$T/lower1" -- /bin/true
    expect_error "$msg" --ro-bind / / --overlay-src "$T/lower1" /bin/true
    expect_error "$msg" --ro-bind / / --overlay-src "$T/lower1"
}

@test "the layers go to the next overlay only: a second one needs its own --overlay-src" {
    expect_error "--tmp-overlay requires at least one --overlay-src" \
        --ro-bind / / --overlay-src "$T/lower1" --tmp-overlay /mnt --tmp-overlay /srv -- /bin/true
}

@test "a missing --overlay-src, RWSRC or WORKDIR is named" {
    expect_error "Can't find source path $T/nope: No such file or directory" \
        --ro-bind / / --overlay-src "$T/nope" --tmp-overlay /mnt -- /bin/true
    expect_error "Can't find source path $T/nope: No such file or directory" \
        --ro-bind / / --overlay-src "$T/lower1" --overlay "$T/nope" "$T/work" /mnt -- /bin/true
    expect_error "Can't find source path $T/nope: No such file or directory" \
        --ro-bind / / --overlay-src "$T/lower1" --overlay "$T/upper" "$T/nope" /mnt -- /bin/true
}
