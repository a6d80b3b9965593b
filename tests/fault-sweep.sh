#!/bin/bash
# Fault sweep (issue 17): a system call of hutch's that fails before the
# command starts must stop the run with a one-line error, unless it is
# harmless and the command still runs with everything it was promised.
#
#   tests/fault-sweep.sh [BUILD_DIR]        as root; HUTCH=... overrides the binary
#
# For each configuration below (rootless, setuid, root; seccomp, Landlock,
# limits, overlays, a PID namespace, --net pasta, the status fds) the run is
# recorded once (every system call of every process of hutch's, in order),
# then each of its first FAULT_SWEEP_POINTS calls (after main starts:
# the dynamic loader's are skipped) is failed in a run of its own, with an
# errno that call can really return (tests/fault-sweep/errno-table).  Each
# injection point is then one of:
#
#   clean     the command did not run; hutch exited non-zero with one line
#             on stderr starting "hutch: "; --json-status-fd has no
#             "exit-code"
#   harmless  the command ran and saw exactly what it sees in a run without
#             the failure: /proc/self/status (NoNewPrivs, Seccomp,
#             Seccomp_filters, the capability sets, ids), its namespaces
#             (new or the host's), its mount table, its limits, the
#             Landlock probe (reading a path outside the allowed set), the
#             read-only root; and hutch exited as then
#   defect    anything else; and whatever the outcome: a process of
#             hutch's killed by a signal (SIGSEGV, SIGABRT, ...), a
#             sanitizer report, a hang (FAULT_SWEEP_TIMEOUT seconds), a
#             process of the run alive after hutch exited, a changed host
#             mount table, a file left in the run's directory
#
# The failures are injected by tests/fault-sweep/inject.c (built here),
# a small ptrace tracer that fails one call of one process: strace's
# -e inject=NAME:when=N counts N in every process at once, so it can't fail
# the sandbox child's 3rd close without failing the monitor's 3rd, one of
# the dynamic loader's.  Each defect is printed with a strace command line
# that reproduces it when strace can (the call is the Nth of its name in
# every process that reaches N), else with the tracer's.
#
# Environment: FAULT_SWEEP_POINTS (default 300: the first 300 calls of each
# configuration, leaving out the 3rd and later of a row of calls of one name
# in one process; 0 or FAULT_SWEEP_FULL=1: every call), FAULT_SWEEP_ERRNOS=all
# (every errno of the table for each call, not only the first),
# FAULT_SWEEP_CONFIGS (names, space-separated), FAULT_SWEEP_JOBS (default:
# the number of CPUs), FAULT_SWEEP_TIMEOUT (default 10 s a run),
# FAULT_SWEEP_USER (default hutchtest), FAULT_SWEEP_KEEP=1 (keep the work
# directory).  The last line is "N passed, N failed, N skipped": one test
# per injection point (skipped: a point the run didn't reach again, or a
# configuration this host can't run, such as --net pasta without a usable
# /dev/net/tun), and one failed test per configuration whose reference run
# is itself wrong.

set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) || exit 2
build_dir=$(cd "${1:-$here/..}" && pwd) || exit 2
hutch=${HUTCH:-$build_dir/hutch}
hutch_setuid=${HUTCH_SETUID_BIN:-$build_dir/tests/hutch-setuid}
user=${FAULT_SWEEP_USER:-hutchtest}
points_max=${FAULT_SWEEP_POINTS:-300}
[[ ${FAULT_SWEEP_FULL:-0} == 1 ]] && points_max=0
jobs_max=${FAULT_SWEEP_JOBS:-$(nproc)}
run_timeout=${FAULT_SWEEP_TIMEOUT:-10}

skip_all() {
    echo "fault-sweep: $1"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
}
((EUID == 0)) || skip_all "needs root (it traces hutch as $user and through the setuid build)"
command -v cc >/dev/null || skip_all "no C compiler"
[[ -x $hutch ]] || { echo "fault-sweep: no binary $hutch" >&2; exit 2; }
# The account of the unprivileged runs: made for the sweep (and removed
# after it) when it is not there, as tests/run-tests.sh does for its pass.
created_user=""
if ! id "$user" >/dev/null 2>&1; then
    [[ -z ${FAULT_SWEEP_USER:-} ]] || skip_all "no user $user"
    useradd -M "$user" >/dev/null 2>&1 || skip_all "could not create the user $user"
    created_user=$user
fi
# hutch's state directories (/tmp/hutch-UID, running sandboxes) that the
# sweep makes go with it.
state_dirs_before=" $(echo /tmp/hutch-[0-9]*) "

work=$(mktemp -d /tmp/fault-sweep.XXXXXX) || exit 2
chmod 755 "$work"
cleanup() {
    if [[ -n $created_user ]]; then
        pkill -KILL -u "$created_user" 2>/dev/null && sleep 1
        userdel "$created_user" >/dev/null 2>&1 ||
            echo "fault-sweep: could not remove the user $created_user" >&2
    fi
    local d
    for d in /tmp/hutch-[0-9]*; do
        [[ -d $d && ! -L $d && $state_dirs_before != *" $d "* ]] && rm -rf -- "$d"
    done
    [[ ${FAULT_SWEEP_KEEP:-0} == 1 ]] && { echo "fault-sweep: work directory $work kept"; return; }
    rm -rf "$work"
}
trap cleanup EXIT
inject=$work/fault-inject
cc -std=gnu11 -O2 -Wall -o "$inject" "$here/fault-sweep/inject.c" || exit 2

# ---------------------------------------------------------------------------
# System calls: names, which ones can't fail, which errno each gets.

declare -A SYSNAME ERRNOS
while read -r _ name nr; do
    SYSNAME[$nr]=${name#__NR_}
done < <(grep -E '^#define __NR_[a-z0-9_]+ [0-9]+$' /usr/include/x86_64-linux-gnu/asm/unistd_64.h)
while read -r name errnos; do
    [[ -z $name || $name == \#* ]] && continue
    ERRNOS[$name]=$errnos
done <"$here/fault-sweep/errno-table"

# ---------------------------------------------------------------------------
# The command every configuration runs: what it was promised, printed.

# Run inside the sandbox with /bin/sh; its output is normalised outside
# (normalise) and compared with the reference run's.
probe='echo RAN
grep -E "^(Uid|Gid|Groups|NoNewPrivs|Seccomp|Seccomp_filters|Cap[A-Za-z]+):" /proc/self/status
for n in user mnt pid net uts ipc cgroup; do echo "ns $n $(readlink /proc/self/ns/$n)"; done
echo "hostname $(cat /proc/sys/kernel/hostname)"
echo MOUNTS; cat /proc/self/mountinfo; echo END
cat /proc/self/uid_map /proc/self/gid_map /proc/self/limits
if cat /etc/passwd >/dev/null 2>&1; then echo "etc-read ok"; else echo "etc-read denied"; fi
if (: >/etc/fault-sweep-probe) 2>/dev/null; then echo "etc-write ok"; else echo "etc-write denied"; fi
echo DONE'

declare -A HOSTNS
for n in user mnt pid net uts ipc cgroup; do
    HOSTNS[$n]=$(readlink "/proc/self/ns/$n")
done

# normalise RUN < OUT : namespaces as new/host, mount lines without their
# ids, the run's directory as T
normalise() {
    local line in_mounts=0 n v dir=$1/t
    while IFS= read -r line; do
        line=${line//$dir/T}
        line=${line//${dir#/}/T}
        if [[ $line == MOUNTS ]]; then
            in_mounts=1
            echo "$line"
            continue
        fi
        if [[ $line == END ]]; then
            in_mounts=0
            echo "$line"
            continue
        fi
        if ((in_mounts)); then
            # ID PARENT MAJ:MIN ROOT POINT OPTS [OPTIONAL...] - TYPE SOURCE SUPER
            read -r -a f <<<"$line"
            local i=6 post=""
            while ((i < ${#f[@]})) && [[ ${f[i]} != - ]]; do ((i++)); done
            post="${f[*]:i+1}"
            # The same overlay, made with the legacy mount(2) when the new
            # mount API is unusable: its layers are spelt "lowerdir=".
            post=${post//lowerdir+=/lowerdir=}
            echo "mount ${f[3]} ${f[4]} ${f[5]} $post"
            continue
        fi
        if [[ $line == "ns "* ]]; then
            read -r _ n v <<<"$line"
            if [[ $v == "${HOSTNS[$n]}" ]]; then echo "ns $n host"; else echo "ns $n new"; fi
            continue
        fi
        echo "$line"
    done
}

# ---------------------------------------------------------------------------
# Configurations.  CFG_ARGS holds hutch's options; @T@ stands for the run's
# own directory (a fresh copy of the configuration's template), @W@ for the
# work directory.  CFG_USER: who runs it ("" for root); CFG_BIN: which binary.

minroot=()
for d in /usr /bin /sbin /lib /lib32 /lib64 /libx32 /etc; do
    if [[ -L $d ]]; then
        minroot+=(--symlink "$(readlink "$d")" "$d")
    elif [[ -d $d ]]; then
        minroot+=(--ro-bind "$d" "$d")
    fi
done
landlock_ro=()
for d in /usr /bin /sbin /lib /lib64; do
    [[ -e $d ]] && landlock_ro+=(--landlock-ro "$d")
done
status_fds=(--info-fd 5 --json-status-fd 6)
has_seccomp=0
"$hutch" --version 2>/dev/null | grep -qi seccomp && has_seccomp=1
seccomp=()
((has_seccomp)) && seccomp=(--seccomp-policy default --seccomp-deny @keyring)

all_configs="rootless rootless-landlock rootless-overlay pasta setuid root"
configs=${FAULT_SWEEP_CONFIGS:-$all_configs}

# define_config NAME : set CFG_ARGS, CFG_USER, CFG_BIN, CFG_TEMPLATE (a
# function that fills the run's directory); returns 1 (with CFG_SKIP) if
# this host can't run it
define_config() {
    CFG_USER=$user CFG_BIN=$hutch CFG_SKIP="" CFG_TEMPLATE=template_empty
    case $1 in
        rootless)
            CFG_ARGS=("${minroot[@]}" --dev /dev --proc /proc --tmpfs /tmp --dir /tmp/d
                --file 3 /tmp/d/f --unshare-all --hostname sweep --die-with-parent
                --new-session "${seccomp[@]}" --cap-drop ALL "${status_fds[@]}")
            ;;
        rootless-landlock)
            CFG_ARGS=("${minroot[@]}" --dev /dev --proc /proc --unshare-pid --unshare-net
                "${landlock_ro[@]}" --landlock-ro /proc --landlock-rw /dev/null
                --rlimit nofile=64 --rlimit core=0
                "${seccomp[@]}" "${status_fds[@]}")
            ;;
        rootless-overlay)
            CFG_TEMPLATE=template_overlay
            CFG_ARGS=("${minroot[@]}" --dev /dev --proc /proc --unshare-pid --as-pid-1
                --overlay-src @T@/lower --overlay @T@/upper @T@/work /mnt
                --overlay-src @T@/lower --tmp-overlay /opt --json-status-fd 6)
            ;;
        pasta)
            command -v pasta >/dev/null || { CFG_SKIP="no pasta"; return 1; }
            runuser -u "$user" -- test -r /dev/net/tun -a -w /dev/net/tun 2>/dev/null ||
                { CFG_SKIP="/dev/net/tun is not usable by $user"; return 1; }
            CFG_ARGS=("${minroot[@]}" --dev /dev --proc /proc --unshare-pid --net pasta
                "${status_fds[@]}")
            ;;
        setuid)
            [[ -x $hutch_setuid ]] || { CFG_SKIP="no $hutch_setuid (make tests/hutch-setuid)"; return 1; }
            mkdir -p "$work/setuid" && chmod 755 "$work/setuid"
            cp "$hutch_setuid" "$work/setuid/hutch" && chown root:root "$work/setuid/hutch" &&
                chmod 4755 "$work/setuid/hutch" || return 1
            CFG_BIN=$work/setuid/hutch
            CFG_ARGS=("${minroot[@]}" --dev /dev --proc /proc --tmpfs /tmp --unshare-pid
                --unshare-net --unshare-ipc --unshare-uts --hostname sweep "${seccomp[@]}"
                "${status_fds[@]}")
            ;;
        root)
            CFG_USER=""
            CFG_ARGS=("${minroot[@]}" --dev /dev --proc /proc --tmpfs /tmp --unshare-all
                --cap-drop ALL --cap-add CAP_NET_BIND_SERVICE "${seccomp[@]}" "${status_fds[@]}")
            ;;
        *)
            echo "fault-sweep: no configuration $1" >&2
            exit 2
            ;;
    esac
    return 0
}

template_empty() { :; }
template_overlay() {
    mkdir -p "$1/lower" "$1/upper" "$1/work" && echo lower >"$1/lower/file"
}

# ---------------------------------------------------------------------------
# One run: in $run (a new directory), output in $run/{out,err,log,json,info}.

# run_hutch RUN [-f SPEC] : run the configuration's command line under the
# tracer, in RUN
run_hutch() {
    local run=$1
    shift
    mkdir -p "$run/t" && "$CFG_TEMPLATE" "$run/t" && chmod -R a+rwX "$run" || return 2
    local args=() a
    for a in "${CFG_ARGS[@]}"; do
        args+=("${a//@T@/$run/t}")
    done
    local as=()
    [[ -n $CFG_USER ]] && as=(-u "$CFG_USER")
    echo data >"$run/data"
    find "$run/t" -mindepth 1 -printf '%P\n' | sort >"$run/before"
    cat /proc/self/mountinfo >"$run/mounts-before"
    printf '%q ' "${as[@]}" "$@" -- "$CFG_BIN" "${args[@]//$run\/t/T}" >"$run/cmd"
    (cd / && exec "$inject" "${as[@]}" -T "$run_timeout" -l "$run/log" "$@" -- \
        "$CFG_BIN" "${args[@]}" -- /bin/sh -c "$probe" \
        >"$run/out" 2>"$run/err" 3<"$run/data" 5>"$run/info" 6>"$run/json" </dev/null)
    echo $? >"$run/status"
    cat /proc/self/mountinfo >"$run/mounts-after"
    find "$run/t" -mindepth 1 -printf '%P\n' | sort >"$run/after"
}

# ---------------------------------------------------------------------------
# Judging one injection point.  Prints "RESULT DETAIL" (clean, harmless,
# defect, skip).

# only_stronger REF RUN : does the command's view differ from the
# undisturbed one only by more confinement: more seccomp filters (a full
# key quota, injected into keyctl, gives hutch's keyring filter in place of
# a new keyring) or more read-only mounts (a failed "may I write this /proc
# file?" is taken for yes: covered)?
only_stronger() {
    local line a b
    while IFS= read -r line; do
        case $line in
        "< Seccomp_filters:"* | "< Seccomp:"*) ;;
        "> Seccomp_filters:"* | "> Seccomp:"*) ;;
        "> mount "*) [[ $line =~ ^\>\ mount\ [^\ ]+\ [^\ ]+\ ro(,|\ ) ]] || return 1 ;;
        *) return 1 ;;
        esac
    done < <(diff "$1" "$2" | grep '^[<>]')
    a=$(sed -n 's/^Seccomp_filters:[[:space:]]*//p' "$1")
    b=$(sed -n 's/^Seccomp_filters:[[:space:]]*//p' "$2")
    [[ ${b:-0} -ge ${a:-0} ]] && { [[ ${a:-0} == "${b:-0}" ]] || grep -qE '^Seccomp:[[:space:]]*2$' "$2"; }
}

judge() {
    local run=$1 ref=$2 st reasons=()
    st=$(cat "$run/status")
    local log=$run/log
    if ! grep -q '^injected ' "$log"; then
        echo "skip not reached"
        return
    fi
    grep -q '^crash ' "$log" && reasons+=("$(grep '^crash ' "$log" | head -n 1 | sed 's/^crash /process /; s/$/ killed by signal/')")
    grep -q '^timeout' "$log" && reasons+=("hang: killed after ${run_timeout} s")
    grep -q '^leftover ' "$log" && reasons+=("left running: $(grep '^leftover ' "$log" | cut -d' ' -f2- | tr '\n' ';')")
    grep -qE 'Sanitizer|runtime error:' "$run/err" && reasons+=("sanitizer report")
    local mounts
    mounts=$(host_mounts_changed "$run/mounts-before" "$run/mounts-after")
    [[ -n $mounts ]] && reasons+=("host mount table changed: $mounts")
    local extra
    extra=$(comm -13 "$ref/after" "$run/after" | comm -13 "$run/before" - | head -n 3 | tr '\n' ' ')
    [[ -n $extra ]] && reasons+=("left in the run's directory: $extra")

    if grep -qx RAN "$run/out"; then
        normalise "$run" <"$run/out" >"$run/out.n"
        if ! cmp -s "$ref/out.n" "$run/out.n" && ! only_stronger "$ref/out.n" "$run/out.n"; then
            local d
            d=$(diff "$ref/out.n" "$run/out.n" | grep '^[<>]' | head -n 2 | tr '\n' ' ')
            reasons+=("the command ran without what it was promised: $d")
        elif [[ $st != "$(cat "$ref/status")" ]]; then
            # It ran confined, then hutch failed: a clean failure if it says so.
            if [[ $st == 0 ]] || ! one_error_line "$run/err" "$ref/err"; then
                reasons+=("the command ran, then hutch exited $st with stderr: $(head -c 200 "$run/err" | tr '\n' '|')")
            fi
        fi
        if ((${#reasons[@]})); then
            echo "defect ${reasons[*]}"
        elif [[ $st == "$(cat "$ref/status")" ]]; then
            echo "harmless"
        else
            echo "clean after the command ran: $(head -n 1 "$run/err")"
        fi
        return
    fi
    [[ $st == 0 ]] && reasons+=("exit status 0 but the command did not run")
    if grep -q '"exit-code"' "$run/json" 2>/dev/null; then
        reasons+=("\"exit-code\" in --json-status-fd but the command did not run")
    fi
    one_error_line "$run/err" "$ref/err" ||
        reasons+=("stderr is not one \"hutch: \" line: $(head -c 300 "$run/err" | tr '\n' '|')")
    if ((${#reasons[@]})); then
        echo "defect ${reasons[*]}"
    else
        echo "clean $(head -n 1 "$run/err")"
    fi
}

# host_mounts_changed BEFORE AFTER : mount points added or removed, but
# those in another test's directory below /tmp (the machine may be running
# other suites at the same time)
host_mounts_changed() {
    diff "$1" "$2" | grep '^[<>]' | while read -r sign _ _ _ _ point _; do
        if [[ $point == /tmp/*/* && $point != "$work"/* ]]; then
            continue
        fi
        printf '%s%s ' "$sign" "$point"
    done
}

# one_error_line ERR REF-ERR : exactly one new line, starting with "NAME: "
one_error_line() {
    local lines name=${CFG_BIN##*/}
    if [[ -s $2 ]]; then
        lines=$(grep -vxF -f "$2" "$1")
    else
        lines=$(cat "$1")
    fi
    [[ -n $lines && $lines != *$'\n'* && $lines == "$name: "* ]]
}

# ---------------------------------------------------------------------------
# The sweep.

pass=0 failed=0 skipped=0
n_points=0 n_clean=0 n_harmless=0 n_defects=0 n_unreached=0
defect_lines=()

# point_list LOG : "PROC INDEX NAME" of the calls to fail, in the order made.
# Unless FAULT_SWEEP_FULL=1, of a row of 3 or more calls of one name in a
# row in one process (40 PR_CAPBSET_DROPs, an fd loop's fcntls) only the
# first 2 are swept, so that the points reach further into the run.
point_list() {
    local started=0 kind proc idx nr fd name count=0
    declare -A last_name row
    while read -r kind proc idx nr fd; do
        [[ $kind == call ]] || continue
        name=${SYSNAME[$nr]:-nr$nr}
        # A read, write or close of a pipe: the table's NAME@pipe entry.
        [[ $fd == pipe && -n ${ERRNOS[$name@pipe]+x} ]] && name=$name@pipe
        # PROG's calls before main: the dynamic loader's and libselinux's
        # constructor; main's first call is privilege_init's getresuid.
        if [[ $proc == 0 && $started == 0 ]]; then
            [[ $name == getresuid ]] || continue
            started=1
        fi
        [[ ${ERRNOS[$name]-EPERM} == - ]] && continue
        if [[ ${last_name[$proc]:-} == "$name" ]]; then
            row[$proc]=$((${row[$proc]} + 1))
        else
            last_name[$proc]=$name row[$proc]=1
        fi
        ((points_max > 0 && ${row[$proc]} > 2)) && continue
        echo "$proc $idx $name"
        count=$((count + 1))
        ((points_max > 0 && count >= points_max)) && break
    done <"$1"
}

# strace_line CFG-LOG PROC INDEX NAME ERRNO : a strace command line that
# fails the same call, if the Nth NAME of every other process is not
# reached or is after main
strace_line() {
    local log=$1 proc=$2 idx=$3 name=${4%@*} err=$5 n
    n=$(awk -v p="$proc" -v i="$idx" '$1 == "call" && $2 == p && $3 <= i' "$log" |
        while read -r _ _ _ nr _; do echo "${SYSNAME[$nr]:-}"; done | grep -cx "$name")
    local as=""
    [[ -n $CFG_USER ]] && as="-u $CFG_USER "
    # (strace injects only into the calls it traces.)
    printf 'strace -f -qq -o /dev/null -b execve %s-e trace=%s -e inject=%s:error=%s:when=%s %s ...' \
        "$as" "$name" "$name" "$err" "$n" "$CFG_BIN"
}

for cfg in $configs; do
    if ! define_config "$cfg"; then
        echo "# $cfg: skipped: $CFG_SKIP"
        skipped=$((skipped + 1))
        continue
    fi
    cdir=$work/$cfg
    mkdir -p "$cdir"
    ref=$cdir/ref
    run_hutch "$ref"
    normalise "$ref" <"$ref/out" >"$ref/out.n"
    # The reference run itself must be right.
    bad=""
    [[ $(cat "$ref/status") == 0 ]] || bad="exit $(cat "$ref/status"): $(head -n 2 "$ref/err")"
    grep -qx DONE "$ref/out" || bad="${bad:-the command did not finish}"
    grep -q '^NoNewPrivs:.1' "$ref/out" || bad="${bad:-NoNewPrivs is not 1}"
    if ((has_seccomp)) && [[ $cfg != rootless-overlay && $cfg != pasta ]]; then
        grep -q '^Seccomp:.2' "$ref/out" || bad="${bad:-Seccomp is not 2}"
    fi
    [[ $cfg == rootless-landlock ]] && ! grep -qx 'etc-read denied' "$ref/out" &&
        bad="${bad:-Landlock does not deny /etc}"
    grep -qx 'etc-write denied' "$ref/out" || bad="${bad:-the root is writable}"
    grep -q '"exit-code"' "$ref/json" || bad="${bad:-no exit-code in --json-status-fd}"
    if [[ -n $bad ]]; then
        echo "not ok $cfg: the reference run is wrong: $bad"
        failed=$((failed + 1))
        continue
    fi
    mapfile -t points < <(point_list "$ref/log")
    echo "# $cfg: ${#points[@]} injection points (of $(grep -c '^call ' "$ref/log") calls recorded)"

    # Each point, FAULT_SWEEP_JOBS at a time; results in $cdir/res/ID.
    mkdir -p "$cdir/res"
    id=0
    for p in "${points[@]}"; do
        read -r proc idx name <<<"$p"
        errnos=${ERRNOS[$name]-EPERM}
        [[ ${FAULT_SWEEP_ERRNOS:-} == all ]] || errnos=${errnos%% *}
        for err in $errnos; do
            id=$((id + 1))
            while (($(jobs -rp | wc -l) >= jobs_max)); do wait -n; done
            (
                run=$cdir/run-$id
                run_hutch "$run" -f "$proc:$idx:$err"
                verdict=$(judge "$run" "$ref")
                got=$(grep '^injected ' "$run/log" | head -n 1 | cut -d' ' -f4)
                gotname=$name
                [[ -n $got && ${SYSNAME[$got]:-} != "${name%@*}" ]] && gotname=${SYSNAME[$got]:-$name}
                printf '%s %s %s %s %s %s\n' "$proc" "$idx" "$gotname" "$err" "${verdict%% *}" \
                    "${verdict#* }" >"$cdir/res/$id"
                [[ $verdict == defect* ]] || rm -rf "$run"
            ) &
        done
    done
    wait

    for ((i = 1; i <= id; i++)); do
        read -r proc idx name err verdict detail <"$cdir/res/$i"
        case $verdict in
            skip)
                n_unreached=$((n_unreached + 1)) skipped=$((skipped + 1))
                echo "ok $cfg $proc:$idx $name $err # skip not reached in this run"
                ;;
            clean)
                n_points=$((n_points + 1)) n_clean=$((n_clean + 1)) pass=$((pass + 1))
                echo "ok $cfg $proc:$idx $name $err: clean: $detail"
                ;;
            harmless)
                n_points=$((n_points + 1)) n_harmless=$((n_harmless + 1)) pass=$((pass + 1))
                echo "ok $cfg $proc:$idx $name $err: harmless"
                ;;
            *)
                n_points=$((n_points + 1)) n_defects=$((n_defects + 1)) failed=$((failed + 1))
                echo "not ok $cfg $proc:$idx $name $err: $detail"
                defect_lines+=("$cfg: process $proc, call $idx ($name, $err): $detail
    reproduce: fault-inject -f $proc:$idx:$err $(cat "$ref/cmd")-- /bin/sh -c PROBE
    or:        $(strace_line "$ref/log" "$proc" "$idx" "$name" "$err")")
                ;;
        esac
    done
done

echo "# fault sweep: $n_points points tried, $n_clean clean failures, $n_harmless harmless," \
    "$n_defects defects ($n_unreached points not reached again)"
if ((${#defect_lines[@]})); then
    echo "# defects:"
    printf '#   %s\n' "${defect_lines[@]}"
fi
echo "$pass passed, $failed failed, $skipped skipped"
((failed == 0))
