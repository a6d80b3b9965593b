# tests/differential.bash — the comparison of the differential suites
# (differential.bats, differential-fds.bats): the same command line through
# $HUTCH and through the reference bubblewrap ($BWRAP) must give the same
# exit status, stdout and stderr once namespace inode numbers and the
# program's name are evened out.
#
#     setup() { load helpers; hutch_setup; load differential; differential_setup; }

# differential_setup : skip without a reference bubblewrap distinct from
# $HUTCH; fds 3 and 4 of both runs come from $FD3 and $FD4 (/dev/null
# unless the suite says otherwise).
differential_setup() {
    [[ -x $BWRAP ]] || skip "no reference bubblewrap at $BWRAP"
    if [[ $HUTCH -ef $BWRAP ]]; then
        skip "HUTCH is the reference bubblewrap itself"
    fi
    FD3=/dev/null
    FD4=/dev/null
}

# Replace what legitimately differs between two runs.
normalise() {
    sed -E \
        -e "s#^(${HUTCH_NAME}|bwrap|${BWRAP##*/}): #PROG: #" \
        -e 's/\b[0-9]{9,}\b/INODE/g'
}

# same ARGS... : run "$HUTCH ARGS..." and "$BWRAP ARGS..." (fds 3 and 4
# from $FD3 and $FD4, stdin from /dev/null, in $T) and compare.
same() {
    local h_st=0 b_st=0 h_out b_out h_err b_err
    h_out=$("$HUTCH" "$@" </dev/null 2>"$T/.h.err" 3<"$FD3" 4<"$FD4" | normalise
        exit "${PIPESTATUS[0]}") || h_st=$?
    b_out=$("$BWRAP" "$@" </dev/null 2>"$T/.b.err" 3<"$FD3" 4<"$FD4" | normalise
        exit "${PIPESTATUS[0]}") || b_st=$?
    h_err=$(normalise <"$T/.h.err")
    b_err=$(normalise <"$T/.b.err")
    rm -f "$T/.h.err" "$T/.b.err"
    local bad=0
    if [[ $h_st != "$b_st" ]]; then
        echo "exit status: $HUTCH_NAME $h_st, bwrap $b_st" >&2
        bad=1
    fi
    if [[ $h_out != "$b_out" ]]; then
        echo "stdout differs:" >&2
        diff <(printf '%s\n' "$b_out") <(printf '%s\n' "$h_out") | sed 's/^/  /' >&2
        bad=1
    fi
    if [[ $h_err != "$b_err" ]]; then
        echo "stderr differs:" >&2
        diff <(printf '%s\n' "$b_err") <(printf '%s\n' "$h_err") | sed 's/^/  /' >&2
        bad=1
    fi
    ((bad == 0)) || { echo "(diff: < bwrap, > $HUTCH_NAME)" >&2; return 1; }
    # Something must have been compared.
    [[ -n $h_out$h_err || $h_st != 0 ]] || fail "both runs printed nothing"
}
