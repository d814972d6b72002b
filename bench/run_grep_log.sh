#!/bin/sh
# SPDX-License-Identifier: MIT
# bench/run_grep_log.sh - the grep_log benchmark (shared/BENCH.md): counts
# the lines of a generated access log that contain a fixed string, with
# coflow's pipeline (source -> grep -> count, one send per line), GNU
# `grep -F -c` and the seeds' Python pipeline, interleaved, in one run.
#
#   bench/run_grep_log.sh LOGSIM GREP_LOG OUTDIR [MB] [REPS]
#
# Makes OUTDIR/access-log-<MB>m with LOGSIM once (fixed seed), warms the
# page cache, then runs REPS (default 5) repetitions of the three. Writes
# OUTDIR/grep_log.tsv and replaces the grep_log lines of OUTDIR/results.tsv
# (creating it if needed). Fails if the three counts differ.
set -eu

LOGSIM=$1
GREP_LOG=$2
OUT=$3
MB=${4:-1024}
REPS=${5:-5}
PATTERN=${GREP_LOG_PATTERN:-robots.txt}
PY=${BENCH_PY:-python3}
HERE=$(dirname "$0")

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

run_one() { # system: prints "seconds count"
    case $1 in
    coflow)
        "$GREP_LOG" "$LOG" "$PATTERN" ;;
    gnu-grep)
        t0=$(now)
        c=$(LC_ALL=C grep -F -c -- "$PATTERN" "$LOG" || true)
        t1=$(now)
        echo "$t0 $t1 $c" | awk '{printf "%.6f\t%s\n", $2 - $1, $3}' ;;
    cpython)
        "$PY" "$HERE/grep_log.py" "$LOG" "$PATTERN" ;;
    esac
}

SYSTEMS="coflow gnu-grep"
command -v "$PY" >/dev/null 2>&1 && SYSTEMS="$SYSTEMS cpython"
i=0
while [ $i -lt "$REPS" ]; do
    for s in $SYSTEMS; do
        r=$(run_one $s)
        echo "$r" | awk -v s=$s -v size="$SIZE" \
            '{printf "%s\t%.1f\t%s\n", s, size / $1 / 1e6, $2}' >>"$TMP/samples"
    done
    i=$((i + 1))
done

counts=$(cut -f3 "$TMP/samples" | sort -u | wc -l)
if [ "$counts" -ne 1 ]; then
    echo "grep_log: the systems disagree on the count:" >&2
    cat "$TMP/samples" >&2
    exit 1
fi

{
    echo "# grep_log	$(uname -m)	$(nproc) cpus	file $LOG ($SIZE bytes)	pattern '$PATTERN'	$(cut -f3 "$TMP/samples" | head -1) lines match	$REPS reps	$(grep --version | head -1)	$("$PY" --version 2>&1)"
    for s in $SYSTEMS; do
        grep "^$s	" "$TMP/samples" | cut -f2 | sort -n | awk -v s=$s '
            { v[NR] = $1 }
            END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                  printf "grep_log\t%s\t%.1f\t%.1f\t%.1f\tMB/s\n", s, m, v[1], v[NR] }'
    done
} >"$OUT/grep_log.tsv"
cat "$OUT/grep_log.tsv"

RES=$OUT/results.tsv
touch "$RES"
grep -v "^grep_log	\|^# grep_log	" "$RES" >"$TMP/res" || true
cat "$TMP/res" "$OUT/grep_log.tsv" >"$RES"
