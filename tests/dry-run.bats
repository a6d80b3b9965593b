#!/usr/bin/env bats
# tests/dry-run.bats — --dry-run=json says what the run does: the plan is
# held against what the command reports from inside the sandbox it gets
# for the same command line (uid, gid, CapEff, which namespaces are new,
# hostname, the -try ops skipped).  The plan and the run read the same
# decisions (struct run, filled once before clone), so they must agree.

setup() {
    load helpers
    hutch_setup
    hutch_only "--dry-run is hutch's"
    skip_unless_cmd python3
}
teardown() { hutch_teardown; }

# The namespace names of /proc/self/ns, in the order the facts list them.
NS_NAMES="cgroup ipc mnt net pid user uts"

# plan_facts OPT... : "UID GID CAPEFF NEW-NAMESPACES HOSTNAME" from the
# plan (the namespaces new to the command, joined ones included; "-" for
# none, and for no hostname of its own).
plan_facts() {
    "$HUTCH" --dry-run=json "$@" --ro-bind / / -- /bin/true | python3 -c '
import json, sys
j = json.load(sys.stdin)
bits = {}
for line in open("/usr/include/linux/capability.h"):
    w = line.split()
    if len(w) >= 3 and w[0] == "#define" and w[1].startswith("CAP_") and w[2].isdigit():
        bits[w[1]] = int(w[2])
mask = sum(1 << bits[c] for c in j["confinement"]["capabilities"])
names = {"cgroup": "cgroup", "ipc": "ipc", "mount": "mnt", "net": "net", "pid": "pid",
         "user": "user", "uts": "uts"}
new = {names[k] for k, v in j["namespaces"].items() if k in names and v}
if j["join"]["userns"] is not None: new.add("user")
if j["join"]["netns"] is not None: new.add("net")
uid = "?" if j["uid"] is None else j["uid"]
gid = "?" if j["gid"] is None else j["gid"]
print(uid, gid, "%016x" % mask, ",".join(sorted(new)) or "-", j["hostname"] or "-")'
}

# real_facts OPT... : the same facts, as the command sees them (a
# namespace is new when its /proc/self/ns inode is not the caller's).
real_facts() {
    local out
    out=$("$HUTCH" "$@" --ro-bind / / -- /bin/sh -c '
        echo "$(id -u) $(id -g) $(awk "/^CapEff:/ { print \$2 }" /proc/self/status)"
        for n in '"$NS_NAMES"'; do readlink /proc/self/ns/$n || echo none; done
        cat /proc/sys/kernel/hostname') || { echo "the run failed: $out"; return 1; }
    local -a l
    mapfile -t l <<<"$out"
    local new=() i=1 n
    for n in $NS_NAMES; do
        [[ ${l[i]} == "$(host_ns "$n")" ]] || new+=("$n")
        ((i++))
    done
    local host=${l[i]}
    [[ $host != "$(</proc/sys/kernel/hostname)" ]] || host=-
    local IFS=,
    echo "${l[0]} ${new[*]:--} $host"
}

# compare OPT... : the plan's facts are the run's.
compare() {
    local plan real
    plan=$(plan_facts "$@") || fail "'$*': no plan"
    real=$(real_facts "$@") || fail "'$*': $real"
    [[ $plan == "$real" ]] || fail "'$*':" "  plan $plan" "  run  $real"
}

has_subids() {
    grep -q "^$(id -un):" /etc/subuid 2>/dev/null && grep -q "^$(id -un):" /etc/subgid 2>/dev/null
}

@test "--dry-run=json: ids, capabilities, new namespaces and hostname are the command's" {
    local opts lines=(
        "" "--unshare-all" "--unshare-all --hostname box" "--unshare-all --share-net"
        "--unshare-user" "--unshare-user --uid 0" "--unshare-user --uid 1234 --gid 55"
        "--unshare-pid --unshare-net" "--unshare-ipc --unshare-uts --hostname h2"
        "--unshare-cgroup" "--unshare-cgroup-try --unshare-pid" "--unshare-pid --as-pid-1"
        "--cap-drop ALL" "--unshare-user-try --cap-drop CAP_SYS_ADMIN"
        "--unshare-user --unshare-uts --hostname x1 --dev /dev --uid 5"
        "--unshare-user --disable-userns"
        "--unshare-user --uid 0 --cap-add CAP_NET_ADMIN"
        "--unshare-user --uid 77 --cap-add CAP_NET_ADMIN --cap-add CAP_SYS_TIME"
        "--unshare-all --cap-add ALL"
        "--map-subids" "--map-subids --uid 7 --gid 8 --unshare-net"
        "--map-subids --disable-userns --unshare-pid" "--map-subids --dev /dev")
    local n=0
    for opts in "${lines[@]}"; do
        if [[ $opts == *--map-subids* ]] && { ! has_subids || setuid_mode; }; then
            continue
        fi
        if setuid_mode && [[ $opts == *--cap-add* ]]; then
            continue
        fi
        # shellcheck disable=SC2086
        compare $opts
        ((++n))
    done
    ((n >= 15)) || fail "only $n command lines compared"
}

@test "--dry-run=json: --userns FD, joined, is the namespace the command is in" {
    needs_option --userns
    skip_in_setuid_mode "--userns is refused"
    skip_unless_cmd unshare
    unshare -U -r /bin/sh -c ": > $T/ready; exec sleep 60" 2>"$T/holder.err" &
    local holder=$!
    track_pid "$holder"
    wait_until 5 file_exists "$T/ready" || skip "can't make a user namespace: $(cat "$T/holder.err")"
    local opts
    for opts in "--userns 3 --uid 0 --gid 0" "--userns 3 --uid 0 --gid 0 --unshare-pid --unshare-uts --hostname j"; do
        # shellcheck disable=SC2086
        compare $opts 3<"/proc/$holder/ns/user"
    done
    # Without --uid/--gid the plan does not know the ids (the namespace's
    # map decides them): it says so with null, not with a guess.
    "$HUTCH" --dry-run=json --userns 3 --ro-bind / / true 3<"/proc/$holder/ns/user" >"$T/plan"
    python3 -c 'import json, sys; j = json.load(open(sys.argv[1])); assert j["uid"] is None and j["gid"] is None, j' "$T/plan" ||
        fail "uid/gid should be null: $(cat "$T/plan")"
}

@test "--dry-run=json: the -try ops it skips are those the run skips, the others are bound" {
    mkdir "$T/here"
    echo there >"$T/here/f"
    local opts=(--tmpfs /mnt --bind-try "$T/missing" /mnt/m1 --ro-bind-try "$T/here" /mnt/m2
        --dev-bind-try "$T/missing2" /mnt/m3 --ro-bind-try "$T/here/f" /mnt/m4)
    "$HUTCH" --dry-run=json --ro-bind / / "${opts[@]}" -- /bin/true >"$T/plan"
    local plan real
    plan=$(python3 -c '
import json, sys
j = json.load(open(sys.argv[1]))
print(" ".join("%s:%s" % (o["dest"], "skipped" if o["skipped"] else "bound") for o in j["setup"][2:]))' "$T/plan")
    real=$("$HUTCH" --ro-bind / / "${opts[@]}" -- /bin/sh -c '
        cd /mnt && for d in m1 m2 m3 m4; do
            if [ -e $d ]; then printf "%s:bound " $d; else printf "%s:skipped " $d; fi
        done; cat m2/f m4')
    [[ $plan == "/mnt/m1:skipped /mnt/m2:bound /mnt/m3:skipped /mnt/m4:bound" ]] || fail "plan: $plan"
    [[ $real == "m1:skipped m2:bound m3:skipped m4:bound there"$'\n'"there" ]] || fail "run: $real"
    # The text form says the same.
    run --separate-stderr "$HUTCH" --dry-run --ro-bind / / "${opts[@]}" -- /bin/true
    assert_success
    assert_output_contains "3. bind-try $T/missing -> /mnt/m1 (skipped: $T/missing does not exist)"
    assert_output_contains "5. dev-bind-try $T/missing2 -> /mnt/m3 (skipped: $T/missing2 does not exist)"
    assert_output_not_contains "/mnt/m2 (skipped"
}

@test "--dry-run: a missing source that is no -try op is the run's error, and nothing is printed" {
    run --separate-stderr "$HUTCH" --dry-run=json --ro-bind / / --ro-bind "$T/nope" /x -- /bin/true
    assert_status 1
    [[ -z $output ]] || fail "printed a plan: $output"
    local dry=$stderr
    run --separate-stderr "$HUTCH" --ro-bind / / --ro-bind "$T/nope" /x -- /bin/true
    assert_status 1
    [[ $stderr == "$dry" ]] || fail "dry: $dry" "run: $stderr"
    assert_error_line "Can't find source path $T/nope: No such file or directory"
}

@test "--dry-run=json: strings are escaped, a stray byte becomes U+FFFD, the document parses" {
    run --separate-stderr "$HUTCH" --dry-run=json --ro-bind / / --setenv K $'q"b\\s\n\t\x01\xff\xc3\xa9' -- /bin/true
    assert_success
    python3 -c '
import json, sys
j = json.loads(sys.argv[1])
v = [e["value"] for e in j["env"] if e.get("name") == "K"][0]
assert v == "q\"b\\s\n\t\x01\ufffd\u00e9", repr(v)' "$output" || fail "$output"
    assert_output_contains '"value":"q\"b\\s\n\t\u0001\ufffdé"'
}

# landlock_facts OUTER-OPT... -- : "FS-ENFORCED READ-OF-/etc" from the
# plan and the run of `--landlock-ro /usr --landlock-best-effort`, run by a
# hutch inside a hutch started with OUTER-OPT.
landlock_facts() {
    local inner=(--ro-bind / / --landlock-ro /usr --landlock-best-effort)
    local plan real
    plan=$("$HUTCH" "${SB[@]}" "$@" -- "$HUTCH" "${inner[@]}" --dry-run=json -- /bin/true 2>/dev/null |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["confinement"]["landlock"]["enforced"]["fs"])')
    real=$("$HUTCH" "${SB[@]}" "$@" -- "$HUTCH" "${inner[@]}" -- /bin/sh -c \
        'if p=$(cat /etc/passwd 2>&1) && [ -n "$p" ]; then echo read; else echo refused; fi' 2>/dev/null)
    echo "$plan $real"
}

@test "--dry-run=json: Landlock rights are enforced as the plan says, also when best effort drops them" {
    skip_in_setuid_mode "the inner setuid hutch runs under no_new_privs"
    local abi
    abi=$("$HUTCH" --ro-bind / / --landlock-ro /usr --dry-run=json true 2>/dev/null |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["confinement"]["landlock"]["kernel_abi"])') ||
        skip "no Landlock here"
    ((abi >= 1)) || skip "no Landlock here"
    local r
    r=$(landlock_facts)
    [[ $r == "True refused" ]] || fail "with ABI $abi: $r"
    # A kernel without Landlock, as the inner hutch sees it: the right is
    # dropped, the plan says so, and /etc can be read.
    r=$(landlock_facts --seccomp-deny landlock_create_ruleset --seccomp-errno ENOSYS)
    [[ $r == "False read" ]] || fail "without Landlock: $r"
}
