#!/bin/sh
# bench/chan_run.sh DIR - chan_pingpong and chan_pingpong_xcore
# (bench/README.md) for coflow and Go, built in DIR; the runs of the two
# systems interleave. Replaces those lines of DIR/results.tsv, keeps the
# others. REPS (default 7) runs each; ITERS round trips per run.
set -u
D=$1
REPS=${REPS:-7}
ITERS=${ITERS:-1000000}
XITERS=${XITERS:-200000}
OUT=$D/chan.tsv
: > "$OUT"
stats() { sort -g | awk '{v[NR]=$1} END {m = NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; printf "%s\t%s\t%s", m, v[1], v[NR]}'; }
for b in chan_pingpong chan_pingpong_xcore; do
    : > "$D/$b.coflow"; : > "$D/$b.go"
done
i=0
while [ $i -lt "$REPS" ]; do
    "$D/chan_coflow" pingpong "$ITERS" 10000 | cut -f1 >> "$D/chan_pingpong.coflow"
    [ -x "$D/chan_go" ] && "$D/chan_go" 1 "$ITERS" 10000 | cut -f1 >> "$D/chan_pingpong.go"
    "$D/chan_coflow" xcore "$XITERS" 10000 | cut -f1 >> "$D/chan_pingpong_xcore.coflow"
    [ -x "$D/chan_go" ] && "$D/chan_go" 2 "$XITERS" 10000 | cut -f1 >> "$D/chan_pingpong_xcore.go"
    i=$((i + 1))
done
for b in chan_pingpong chan_pingpong_xcore; do
    for sys in coflow go; do
        [ -s "$D/$b.$sys" ] || continue
        printf '%s\t%s\t%s\tns\n' "$b" "$sys" "$(stats < "$D/$b.$sys")" >> "$OUT"
    done
done
cat "$OUT"
touch "$D/results.tsv"
grep -v -P '^chan_pingpong(_xcore)?\t' "$D/results.tsv" > "$D/results.tsv.tmp" || true
cat "$OUT" >> "$D/results.tsv.tmp"
mv "$D/results.tsv.tmp" "$D/results.tsv"
