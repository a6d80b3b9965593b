#!/usr/bin/env bats
# The same command line through $HUTCH and through the reference bubblewrap
# ($BWRAP, /usr/bin/bwrap by default) must give the same exit status, stdout
# and stderr, once namespace inode numbers and the program name are evened out.
# Only behaviour bubblewrap 0.8 shares with 0.11 is compared here.

setup() {
    load helpers
    hutch_setup
    load differential
    differential_setup
    FD3=$T/src
    mkdir -p "$T/d"
    echo original > "$T/d/old"
    printf 'from an fd\n' > "$T/src"
}

teardown() {
    hutch_teardown
}

@test "same: a read-only bind of / refuses writes the same way" {
    same --ro-bind / / -- /bin/sh -c 'cat /etc/hostname >/dev/null && echo read; echo x > /etc/hutch-x; echo "rc=$?"'
}

@test "same: a writable bind and what is written through it" {
    same "${MINROOT[@]}" --bind "$T/d" /data -- /bin/sh -c 'cat /data/old; echo w > /data/w; cat /data/w; ls /data'
}

@test "same: a tmpfs, its mode, --perms and --size" {
    skip_in_setuid_mode "--size is refused"
    same "${MINROOT[@]}" --tmpfs /t --perms 1777 --tmpfs /u --size 8192 --tmpfs /v -- /bin/sh -c \
        'stat -c "%n %a %F" /t /u /v; head -c 65536 /dev/zero > /v/f; echo "rc=$?"; wc -c < /v/f'
}

@test "same: --dir with parents and --perms" {
    same "${MINROOT[@]}" --dir /a/b/c --perms 0750 --dir /p -- stat -c '%n %a %F' /a /a/b /a/b/c /p
}

@test "same: --symlink and where it leads" {
    same "${MINROOT[@]}" --symlink /usr/bin /tools --symlink ../x /dangling -- /bin/sh -c \
        'readlink /tools /dangling; [ -x /tools/env ] && echo resolves'
}

@test "same: --file, --bind-data and --ro-bind-data content and modes" {
    same "${MINROOT[@]}" --file 3 /f -- /bin/sh -c 'stat -c "%n %a %s" /f; cat /f'
    same "${MINROOT[@]}" --perms 0640 --bind-data 3 /bd -- /bin/sh -c 'stat -c "%n %a" /bd; cat /bd'
    same "${MINROOT[@]}" --ro-bind-data 3 /rbd -- /bin/sh -c 'stat -c "%n %a" /rbd; echo x >> /rbd; cat /rbd'
}

@test "same: --chmod" {
    same "${MINROOT[@]}" --dir /x --chmod 0705 /x -- stat -c '%n %a' /x
}

@test "same: --setenv, --unsetenv, --clearenv in order" {
    same --ro-bind / / --chdir / --setenv A 1 --clearenv --setenv B 2 --setenv C 3 --unsetenv C -- /usr/bin/env
}

@test "same: --uid and --gid in a user namespace" {
    same --ro-bind / / --unshare-user --uid 1234 --gid 5678 -- /bin/sh -c 'id -u; id -g; wc -l < /proc/self/uid_map'
}

@test "same: --hostname in a uts namespace" {
    same --ro-bind / / --unshare-uts --hostname diffbox -- /bin/sh -c 'uname -n; cat /proc/sys/kernel/hostname'
}

@test "same: which namespaces --unshare-all and --share-net create" {
    local t env=()
    for t in user ipc uts net pid cgroup mnt; do
        env+=(--setenv "HOST_$t" "$(host_ns "$t")")
    done
    local script='for t in user ipc uts net pid cgroup mnt; do
        eval h=\$HOST_$t
        if [ "$(readlink /proc/self/ns/$t)" = "$h" ]; then echo "$t host"; else echo "$t new"; fi
    done'
    same "${SB[@]}" "${env[@]}" --unshare-all -- /bin/sh -c "$script"
    same "${SB[@]}" "${env[@]}" --unshare-all --share-net -- /bin/sh -c "$script"
    same "${SB[@]}" "${env[@]}" --unshare-ipc --unshare-uts -- /bin/sh -c "$script"
}

@test "same: the nodes in /dev and their types" {
    same "${MINROOT[@]}" -- /bin/sh -c \
        'cd /dev && for f in $(ls -A | grep -v "^console$"); do stat -c "%n %F %a %t:%T" "$f"; done; readlink fd stdin stdout stderr ptmx core'
}

@test "same: /proc of a new pid namespace" {
    same "${MINROOT[@]}" -- /bin/sh -c 'echo $$; read p r < /proc/self/stat; echo $p; ls /proc/1 >/dev/null && echo pid1; ls /proc/$$/ns'
    same "${MINROOT[@]}" --as-pid-1 -- /bin/sh -c 'echo $$'
}

@test "same: the mount table of a typical sandbox (points, options, types)" {
    same "${MINROOT[@]}" --tmpfs /tmp --bind "$T/d" /data --ro-bind "$T/d" /rodata --remount-ro /data -- \
        /bin/sh -c 'awk "{ for (i = 7; \$i != \"-\"; i++); print \$5, \$6, \$(i+1) }" /proc/self/mountinfo | grep -v "^/proc/"'
}

@test "same: exit status and signals" {
    same --ro-bind / / -- /bin/sh -c 'exit 7'
    same "${SB[@]}" -- /bin/sh -c 'echo x; kill -9 $$'
    same "${SB[@]}" -- /bin/sh -c 'kill -TERM $$'
    same --ro-bind / / -- /bin/sh -c 'kill -TERM $$'
}

@test "same: working directory with and without --chdir" {
    same --ro-bind / / --chdir /usr/share -- /bin/sh -c 'pwd; printenv PWD'
    same --ro-bind / / -- /bin/sh -c 'pwd; printenv PWD'
    same "${MINROOT[@]}" --setenv HOME /usr -- /bin/sh -c 'pwd'
}

@test "same: capabilities, no_new_privs" {
    same "${SB[@]}" -- /bin/sh -c 'grep -E "^(Cap(Inh|Prm|Eff|Amb)|NoNewPrivs):" /proc/self/status'
    # (the setuid mode refuses --cap-add from a caller who is not root)
    setuid_mode && return 0
    same "${SB[@]}" --unshare-user --uid 0 --cap-add CAP_NET_ADMIN -- /bin/sh -c 'grep -E "^Cap(Prm|Eff):" /proc/self/status'
}

@test "same: refusals on the command line" {
    same --bind /
    same --proc
    same --ro-bind / / --hostname x -- /bin/true
    same --ro-bind / / --cap-add NOPE -- /bin/true
    same --info-fd abc -- /bin/true
    same --unshare-user --uid abc -- /bin/true
    same --perms 0700 --bind / / -- /bin/true
    same --size 0 --tmpfs /x -- /bin/true
    same --size 4096 --dir /x -- /bin/true
    same --chmod 99999 /x -- /bin/true
    same --args 99 -- /bin/true
    same --frobnicate -- /bin/true
}

@test "same: refusals while building the sandbox" {
    same "${MINROOT[@]}" --bind /nonexistent /x -- /bin/true
    same "${SB[@]}" --dir /etc/passwd/x -- /bin/true
    same "${SB[@]}" --setenv PATH /usr/bin:/bin -- nonexistentcmd
}
