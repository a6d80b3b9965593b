#!/usr/bin/env bats
# Many ids inside: --map-subids, --uid-map, --gid-map through newuidmap/newgidmap.

setup() {
    load helpers
    hutch_setup
    hutch_only
    command -v newuidmap >/dev/null || skip "newuidmap not installed (package uidmap)"
    skip_in_setuid_mode "--map-subids, --uid-map and --gid-map are refused"
    ME=$(id -un)
    RANGE=$(awk -F: -v u="$ME" -v id="$(id -u)" '$1 == u || $1 == id { print $2 ":" $3; exit }' /etc/subuid 2>/dev/null)
    GRANGE=$(awk -F: -v u="$ME" -v id="$(id -u)" '$1 == u || $1 == id { print $2 ":" $3; exit }' /etc/subgid 2>/dev/null)
}

teardown() { hutch_teardown; }

need_range() {
    [[ -n $RANGE && -n $GRANGE ]] || skip "no subordinate range for $ME in /etc/subuid and /etc/subgid"
}

@test "--map-subids: the caller is 0 inside and its range follows from 1" {
    need_range
    run --separate-stderr "$HUTCH" --ro-bind / / --map-subids -- /bin/sh -c \
        'id -u; cat /proc/self/uid_map /proc/self/gid_map'
    assert_success
    [[ ${lines[0]} == 0 ]] || fail "uid inside is not 0" "$(_show_run)"
    local start=${RANGE%%:*} count=${RANGE##*:}
    assert_output_matches "0 +$(id -u) +1"
    assert_output_matches "1 +$start +$count"
    assert_output_matches "1 +${GRANGE%%:*} +${GRANGE##*:}"
}

@test "--map-subids: chown to another id works on a tmpfs and stat shows it" {
    need_range
    run --separate-stderr "$HUTCH" --ro-bind / / --map-subids --tmpfs /tmp -- /bin/sh -c \
        'touch /tmp/f && chown 1000:1000 /tmp/f && stat -c "%u %g" /tmp/f'
    assert_success
    assert_output "1000 1000"
}

@test "--map-subids: a file owned by inside-uid 1000 belongs to the matching subordinate id outside" {
    need_range
    mkdir "$T/out"
    run --separate-stderr "$HUTCH" --ro-bind / / --map-subids --bind "$T/out" "$T/out" -- /bin/sh -c \
        "touch $T/out/f && chown 1000:1000 $T/out/f"
    assert_success
    local start=${RANGE%%:*} gstart=${GRANGE%%:*}
    [[ $(stat -c %u "$T/out/f") == $((start + 999)) ]] || fail "owner $(stat -c %u "$T/out/f"), expected $((start + 999))"
    [[ $(stat -c %g "$T/out/f") == $((gstart + 999)) ]] || fail "group $(stat -c %g "$T/out/f")"
}

@test "--map-subids --uid 1000: the caller is 1000 inside and the range fills around it" {
    need_range
    run --separate-stderr "$HUTCH" --ro-bind / / --map-subids --uid 1000 --gid 1000 -- /bin/sh -c \
        'id -u; id -g; cat /proc/self/uid_map'
    assert_success
    [[ ${lines[0]} == 1000 && ${lines[1]} == 1000 ]] || fail "ids" "$(_show_run)"
    assert_output_matches "1000 +$(id -u) +1"
    assert_output_matches "0 +${RANGE%%:*} +1000"
}

@test "--map-subids works with --dev (root is mapped: devpts needs no nested namespace)" {
    need_range
    run --separate-stderr "$HUTCH" --ro-bind / / --map-subids --dev /dev -- /bin/sh -c \
        'ls /dev/pts/ptmx && id -u'
    assert_success
    assert_output_contains "/dev/pts/ptmx"
}

@test "--uid-map beyond the allowance fails quoting newuidmap" {
    need_range
    expect_error 'newuidmap refused the map "0 '"$(id -u)"' 1 1 1 5": newuidmap: *not allowed*' \
        --ro-bind / / --uid-map "0:$(id -u):1" --uid-map 1:1:5 -- /bin/true
}

@test "--uid-map/--gid-map: explicit lines within the allowance are written" {
    need_range
    local start=${RANGE%%:*} gstart=${GRANGE%%:*}
    run --separate-stderr "$HUTCH" --ro-bind / / \
        --uid-map "0:$(id -u):1" --uid-map "1:$start:10" \
        --gid-map "0:$(id -g):1" --gid-map "1:$gstart:10" -- /bin/cat /proc/self/uid_map
    assert_success
    assert_output_matches "1 +$start +10"
}

@test "without these options the single-id map is unchanged" {
    run --separate-stderr "$HUTCH" --ro-bind / / --unshare-user -- /bin/cat /proc/self/uid_map
    assert_success
    [[ ${#lines[@]} -eq 1 ]] || fail "expected one map line" "$(_show_run)"
    assert_output_matches "$(id -u) +$(id -u) +1"
}

@test "--map-subids with no range for the caller is a clear error" {
    [[ -z $RANGE ]] || skip "$ME has a range"
    expect_error "--map-subids: no subordinate uid range for $ME (uid $(id -u)) in /etc/subuid; add one with usermod --add-subuids" \
        --ro-bind / / --map-subids -- /bin/true
}

@test "a malformed --uid-map is a clear error" {
    expect_error '--uid-map: invalid map "1:2": expected INSIDE:OUTSIDE:COUNT' --uid-map 1:2 -- /bin/true
    expect_error '--gid-map: invalid map "a:b:c": expected INSIDE:OUTSIDE:COUNT' --gid-map a:b:c -- /bin/true
    expect_error '--uid-map: invalid map "0:0:0": the count must be at least 1 and the ranges fit in 32 bits' \
        --uid-map 0:0:0 -- /bin/true
}
