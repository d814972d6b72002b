#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/grep/follow.sh - coflow-grep --follow behaves as tail -F | grep:
# lines appended are printed; after a copytruncate the lines written to the
# truncated file are printed, with no mid-line fragment when the file grows
# past the old offset; after a rename rotation the old file's last lines
# and then the new file's are printed; an unterminated line is never
# printed; SIGTERM and SIGINT stop it with grep's exit status.
#
#   tests/grep/follow.sh COFLOW_GREP
set -u
CF=$(readlink -f "$1")
T=$(mktemp -d)
trap 'kill $pid 2>/dev/null; rm -rf "$T"' EXIT
LOGF=$T/app.log
fail=0

# Waits (up to 5 s) until the output has N lines.
wait_lines() {
    for _ in $(seq 100); do
        [ "$(wc -l <"$T/out")" -ge "$1" ] && return 0
        sleep 0.05
    done
    echo "follow.sh: timed out waiting for $1 lines; got:"; cat "$T/out"
    fail=1
    return 1
}

run() { # signal expected-status
    printf 'keep 1\ndrop 1\n' >"$LOGF"
    "$CF" --follow -n keep "$LOGF" >"$T/out" 2>"$T/err" &
    pid=$!
    wait_lines 1
    printf 'keep 2\ndrop 2\n' >>"$LOGF"
    wait_lines 2
    # copytruncate: copy away, truncate in place, write on.
    cp "$LOGF" "$LOGF.1"
    : >"$LOGF"
    sleep 0.3
    printf 'keep 3 after truncation\n' >>"$LOGF"
    wait_lines 3
    # truncated and at once written past the old offset: whole lines.
    printf 'keep 4 a line longer than everything the file held before it\n' >"$LOGF"
    wait_lines 4
    # never a partial line
    printf 'keep 5 unterm' >>"$LOGF"
    sleep 0.3
    [ "$(wc -l <"$T/out")" -eq 4 ] || { echo "follow.sh: a partial line was printed"; fail=1; }
    printf 'inated\n' >>"$LOGF"
    wait_lines 5
    # rename rotation: the old file's late line, then the new file
    mv "$LOGF" "$LOGF.2"
    printf 'keep 6 late in the old file\n' >>"$LOGF.2"
    printf 'drop 3\nkeep 7 in the new file\n' >"$LOGF"
    wait_lines 7
    printf 'keep 8 still following the new file\n' >>"$LOGF"
    wait_lines 8
    kill -s "$1" $pid
    wait $pid
    rc=$?
    # -n numbers the lines of the stream, as tail -F FILE | grep -n does.
    expected='1:keep 1
3:keep 2
5:keep 3 after truncation
6:keep 4 a line longer than everything the file held before it
7:keep 5 unterminated
8:keep 6 late in the old file
10:keep 7 in the new file
11:keep 8 still following the new file'
    if [ "$(cat "$T/out")" != "$expected" ]; then
        echo "follow.sh ($1): got"; cat "$T/out"; echo "expected"; echo "$expected"
        fail=1
    fi
    if [ "$rc" -ne "$2" ]; then
        echo "follow.sh ($1): exit status $rc, expected $2"; cat "$T/err"
        fail=1
    fi
}

run TERM 0
run INT 0
[ $fail -eq 0 ] && echo "follow.sh: truncation, growth, rotation, whole lines, SIGTERM and SIGINT: as tail -F"
exit $fail
