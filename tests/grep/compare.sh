#!/bin/bash
# SPDX-License-Identifier: MIT
# tests/grep/compare.sh - coflow-grep against GNU grep, byte for byte:
# stdout, stderr and exit status, over the table of flag combinations below,
# on real text: the project's own sources and docs, a generated access log
# (examples/logsim), the bus XML, and a few edge-case files.
#
#   tests/grep/compare.sh COFLOW_GREP LOGSIM
#
# Both programs run under the name `grep` (each from a directory of its own
# on PATH), as GNU grep prints argv[0] in its messages; LC_ALL=C, as the
# table is about bytes. Prints each difference and exits 1 if any.
set -u
CF=$(readlink -f "$1")
LOGSIM=$(readlink -f "$2")
GNU=$(command -v grep)
cd "$(dirname "$0")/../.."

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/gnu" "$T/cf"
ln -s "$GNU" "$T/gnu/grep"
ln -s "$CF" "$T/cf/grep"
export LC_ALL=C
case $("$T/cf/grep" --version) in
coflow-grep*) ;;
*) echo "compare.sh: $CF is not coflow-grep"; exit 1 ;;
esac

# The data.
"$LOGSIM" -n 20000 -s 3 -o "$T/log"
LOG=$T/log
if [ -f tests/data/allroutes.xml ]; then BUS=tests/data/allroutes.xml
else BUS=examples/data/buses.xml; fi
SRC="src/pipe/*.c include/coflow/pipe.h"
DOCS="docs/*.md README.md"
printf 'alpha\n\nbeta gamma\n  indented\nlast line without newline' >"$T/edge"
printf 'one\r\ntwo\r\n' >"$T/crlf"
: >"$T/empty"
printf 'text\0with a NUL\nand a match here\n' >"$T/binary"
printf 'python\nGET\n' >"$T/pats"
printf 'abababababababababababababababababababababababab%.0s' $(seq 30) >"$T/ab"
echo >>"$T/ab"
export LOG BUS SRC DOCS T

# One case a line: the arguments after `grep`, as the shell reads them.
CASES=$(cat <<'TABLE'
-c python $LOG
-c -F robots.txt $LOG
-n robots.txt $LOG
-c -E 'GET /ply/.*\.tar\.gz' $LOG
-c -v ' 200 ' $LOG
-i -c mozilla $LOG
-w -c ply $LOG
-o -E '[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+ - -' $LOG
-m 5 -n python $LOG
-m 3 -c -v python $LOG
-q python $LOG
-q nomatchatall $LOG
-c -P '\d+ \d+ "-"' $LOG
-o -P '(?<=GET )\S+' $LOG
-x -c '' $SRC
-l cf_send $SRC
-c cf_pipe $SRC
-h -c static $SRC
-H -n 'static' src/pipe/map.c
-n -v -e cf_ -e '^ *$' src/pipe/map.c
-e cf_pipe -e cf_coro -c src/pipe/graph.c
-f $T/pats $LOG -c
'cf_\(pipe\|coro\)_new' $SRC
'^#include' $SRC
-c 'e\{2,\}' $SRC
-n '\<static\>' src/pipe/sink.c
'[[:upper:]]\{4\}' src/pipe/map.c
-c 'x*' src/pipe/map.c
-c '^$' $SRC
-E -c '(static|const) (cf_status|int)' $SRC
-E -n 'return [a-z]+\(' src/pipe/map.c
-E -o 'cf_pipe_[a-z_]+' include/coflow/pipe.h
-w -o cf src/pipe/map.c
-x -F '}' src/pipe/map.c
-i -F PCRE2 $SRC
-o -i stage src/pipe/map.c
-i -n 'python' $DOCS
-c -F 'the' $DOCS
-w -c -E '(a|the)' $DOCS
-c '<route>147</route>' $BUS
-n 'North Bound' $BUS
-c -w Bound $BUS
-o -E '<route>[0-9]+</route>' $BUS
-v -c '^[[:space:]]*<' $BUS
-c -E '^\s+<(latitude|longitude)>-?[0-9]+\.[0-9]+<' $BUS
-n '' $T/edge
-v alpha $T/edge
-c without $T/edge
-n '^ ' $T/edge
-x 'beta gamma' $T/edge
-c one $T/crlf
-c x $T/empty
-v x $T/empty
match $T/binary
-c match $T/binary
-n -c . $T/ab
-c -P '^(a|b)+$' $T/ab
python - < $LOG
-c GET - < $LOG
-H -c GET < $LOG
x nosuch
x nosuch $T/edge
-s x nosuch
-q alpha nosuch $T/edge
-q nomatch nosuch $T/edge
x src
-k x $T/edge
-m x foo $T/edge
-m 0 alpha $T/edge

-c '[abc' $T/edge
-c -F -e robots.txt -e favicon $LOG
-c -i -F -x GET $LOG
-n -w -F Bound $BUS
-c -E '<(route|pattern)>[0-9]{3,4}</' $BUS
-E -c 'North|South' $BUS
-c '\(North\|South\) Bound' $BUS
-c -x -E '\s*<bus>' $BUS
-o '<id>[0-9]*</id>' $BUS
-c -v -e '<' $BUS
-l Bound $BUS $T/edge
-H -m 2 route $BUS
-c 'e\+d' $SRC
-c 'xx\?y' $SRC
-c -E 'e+d' $SRC
-c -F 'a\b' $SRC
-c -F '.*' $SRC
-c '[]x]' $SRC
-c '[^]a-z]' $SRC
-c '[a\]' $SRC
-c -E '(a)\1' $SRC
-c -E 'e{2}' $SRC
-c '^ \*' $SRC
-c '*/' $SRC
-c 'a^b' $SRC
-c 'a$b' $SRC
-c -i 'CF_PIPE' $SRC
-n -x '' $T/edge
-f $T/empty $LOG
-v -f $T/empty $T/edge
-o -n -E '[a-z]{4}' $T/edge
-c -P '(?i)MOZILLA/[0-9.]+ \(x11' $LOG
-n -o -w -E '[0-9]{3}' $T/crlf $T/edge
-c -E '[[:digit:]]{3} [[:digit:]]+ "-"' $LOG
-c '\<ply\>' $LOG
-c 'ply\>' $LOG
-w -c -F 'ply-2.3' $LOG
-x -c -E '.{100,}' $LOG
-c -E '^[^ ]+ - - \[' $LOG
TABLE
)

fail=0 n=0
while IFS= read -r args; do
    n=$((n + 1))
    for side in gnu cf; do
        (cd . && PATH="$T/$side:$PATH" eval "grep $args" \
            >"$T/$side.out" 2>"$T/$side.err"; echo $? >"$T/$side.rc")
    done
    for f in out err rc; do
        if ! cmp -s "$T/gnu.$f" "$T/cf.$f"; then
            echo "DIFFER ($f): grep $args"
            diff "$T/gnu.$f" "$T/cf.$f" | head -10
            fail=1
        fi
    done
done <<<"$CASES"
if [ $fail -ne 0 ]; then
    echo "compare.sh: coflow-grep differs from GNU grep (see above)"
    exit 1
fi
echo "compare.sh: $n cases, stdout, stderr and exit status identical to $($GNU --version | head -1)"
