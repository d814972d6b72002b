#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/run_grep_log.sh - the grep_log benchmarks (bench/README.md): count
# the lines of a generated access log that match, in one run, interleaved:
#
#   grep_log        a fixed string (robots.txt)
#   grep_log_regex  a regular expression (GET /ply/.*\.tar\.gz)
#
# with the systems
#   coflow       bench/grep_log: source -> grep|regex -> count, one send per
#                line (the seeds' pipeline);
#   coflow-grep  the installed tool, `coflow-grep -c [-F|-E]` (block source,
#                whole-buffer search, one send per matching line);
#   gnu-grep     `grep -c [-F|-E]`, LC_ALL=C;
#   cpython      the seeds' Python pipeline (fixed string only).
#
#   bench/run_grep_log.sh LOGSIM GREP_LOG COFLOW_GREP OUTDIR [MB] [REPS]
#
# Makes OUTDIR/access-log-<MB>m with LOGSIM once (fixed seed), warms the
# page cache, then runs REPS (default 5) repetitions of every (benchmark,
# system), shuffled per repetition. Writes OUTDIR/grep_log.tsv and replaces
# the grep_log lines of OUTDIR/results.tsv (creating it if needed): MB/s,
# and for each coflow system the median of the per-repetition ratios to
# gnu-grep. Fails if the systems disagree on a count.
set -eu

LOGSIM=$1
GREP_LOG=$2
CFGREP=$3
OUT=$4
MB=${5:-1024}
REPS=${6:-5}
FIXED=${GREP_LOG_PATTERN:-robots.txt}
REGEX=${GREP_LOG_REGEX:-GET /ply/.*\\.tar\\.gz}
PY=${BENCH_PY:-python3}
HERE=$(dirname "$0")
export LC_ALL=C

mkdir -p "$OUT"
LOG=$OUT/access-log-${MB}m
if [ ! -s "$LOG" ]; then
    echo "grep_log: generating $LOG ($MB MiB)" >&2
    "$LOGSIM" -b $((MB * 1048576)) -o "$LOG.tmp"
    mv "$LOG.tmp" "$LOG"
fi
SIZE=$(stat -c %s "$LOG")
cat "$LOG" >/dev/null

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

now() { date +%s.%N; }

timed() { # command...: prints "seconds count"
    t0=$(now)
    c=$("$@" || true)
    t1=$(now)
    echo "$t0 $t1 $c" | awk '{printf "%.6f\t%s\n", $2 - $1, $3}'
}

run_one() { # benchmark system: prints "seconds count"
    case $1/$2 in
    grep_log/coflow) "$GREP_LOG" "$LOG" "$FIXED" ;;
    grep_log_regex/coflow) "$GREP_LOG" -E "$LOG" "$REGEX" ;;
    grep_log/coflow-grep) timed "$CFGREP" -c -F -- "$FIXED" "$LOG" ;;
    grep_log_regex/coflow-grep) timed "$CFGREP" -c -E -- "$REGEX" "$LOG" ;;
    grep_log/gnu-grep) timed grep -c -F -- "$FIXED" "$LOG" ;;
    grep_log_regex/gnu-grep) timed grep -c -E -- "$REGEX" "$LOG" ;;
    grep_log/cpython) "$PY" "$HERE/grep_log.py" "$LOG" "$FIXED" ;;
    esac
}

PAIRS="grep_log/coflow grep_log/coflow-grep grep_log/gnu-grep
grep_log_regex/coflow grep_log_regex/coflow-grep grep_log_regex/gnu-grep"
command -v "$PY" >/dev/null 2>&1 && PAIRS="$PAIRS grep_log/cpython"
i=0
while [ $i -lt "$REPS" ]; do
    for pair in $(echo $PAIRS | tr ' ' '\n' | shuf); do
        b=${pair%/*}
        s=${pair#*/}
        run_one "$b" "$s" | awk -v b="$b" -v s="$s" -v size="$SIZE" -v i=$i \
            '{printf "%s\t%s\t%d\t%.1f\t%s\n", b, s, i, size / $1 / 1e6, $2}' \
            >>"$TMP/samples"
    done
    i=$((i + 1))
done

for b in grep_log grep_log_regex; do
    counts=$(grep "^$b	" "$TMP/samples" | cut -f5 | sort -u | wc -l)
    if [ "$counts" -ne 1 ]; then
        echo "grep_log: the systems disagree on the count for $b:" >&2
        cat "$TMP/samples" >&2
        exit 1
    fi
done

median() { sort -n | awk '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f\t%.2f\t%.2f", m, v[1], v[NR] }'; }

{
    echo "# grep_log	$(uname -m)	$(nproc) cpus	file $LOG ($SIZE bytes)	fixed '$FIXED': $(grep '^grep_log	' "$TMP/samples" | cut -f5 | head -1) lines	regex '$REGEX': $(grep '^grep_log_regex	' "$TMP/samples" | cut -f5 | head -1) lines	$REPS reps, interleaved	$(grep --version | head -1)	$("$PY" --version 2>&1)"
    for pair in $PAIRS; do
        b=${pair%/*}
        s=${pair#*/}
        printf "%s\t%s\t" "$b" "$s"
        grep "^$b	$s	" "$TMP/samples" | cut -f4 | median
        printf "\tMB/s\n"
    done
    # Per-repetition ratios to GNU grep (higher: faster than grep).
    for pair in $PAIRS; do
        b=${pair%/*}
        s=${pair#*/}
        case $s in coflow*) ;; *) continue ;; esac
        r=$(awk -F'\t' -v b="$b" -v s="$s" '
            $1 == b && $2 == s { me[$3] = $4 }
            $1 == b && $2 == "gnu-grep" { g[$3] = $4 }
            END { for (i in me) print me[i] / g[i] }' "$TMP/samples" | median)
        echo "# $b	ratio $s / gnu-grep:	median, min, max of the per-repetition ratios (MB/s over MB/s; >= 1.0 is at least as fast): $r"
    done
} >"$OUT/grep_log.tsv"
cat "$OUT/grep_log.tsv"

RES=$OUT/results.tsv
touch "$RES"
grep -v "^grep_log	\|^grep_log_regex	\|^# grep_log" "$RES" >"$TMP/res" || true
cat "$TMP/res" "$OUT/grep_log.tsv" >"$RES"
