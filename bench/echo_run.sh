#!/bin/sh
# bench/echo_run.sh DIR - echo_blaster and echo_load (bench/README.md) for
# each server built in DIR, then echo_load_cores: the servers on every core
# (coflow with one scheduler per core, against coflow on one core, the C
# threads server and Go with GOMAXPROCS=cores), the load from one process per
# core; replaces those lines of DIR/results.tsv, keeps the others. REPS
# (default 5) runs each; LOAD_SECS (default 0.5) per load. ECHO_ONLY=cores
# runs only echo_load_cores. ECHO_SKIP="SYSTEM ..." leaves those servers'
# echo_blaster and echo_load out: make bench passes the three that
# bench/run.py --echo measures pinned right after (c-epoll coflow-epoll
# coflow-uring), so that each server is measured once.
set -u
D=$1
REPS=${REPS:-5}
# CPython takes ~40 s a blaster run here: fewer runs keep the total near 3 min.
PY_REPS=${PY_REPS:-1}
LOAD_SECS=${LOAD_SECS:-0.5}
OUT=$D/echo.tsv
: > "$OUT"
stats() { sort -g | awk '{v[NR]=$1} END {m = NR % 2 ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2; printf "%s\t%s\t%s", m, v[1], v[NR]}'; }
start() {
    sys=$1; shift
    "$@" > "$D/echo_port.$sys" 2>/dev/null &
    pid=$!
    for _ in $(seq 50); do [ -s "$D/echo_port.$sys" ] && break; sleep 0.1; done
    port=$(head -1 "$D/echo_port.$sys")
    if [ -z "$port" ]; then echo "echo: $sys did not start" >&2; kill $pid 2>/dev/null; return 1; fi
}
run_one() {
    case " ${ECHO_SKIP:-} " in *" $1 "*) return ;; esac
    start "$@" || return
    b=$(for _ in $(seq "${REPS}"); do "$D/echo_load" blaster "$port"; done | stats)
    l=$(for _ in $(seq "$REPS"); do "$D/echo_load" load "$port" "$LOAD_SECS"; done | stats)
    kill $pid 2>/dev/null; wait $pid 2>/dev/null
    printf 'echo_blaster\t%s\t%s\ts\n' "$sys" "$b" >> "$OUT"
    printf 'echo_load\t%s\t%s\tMB/s\n' "$sys" "$l" >> "$OUT"
    printf '%-13s blaster %s s   load %s MB/s\n' "$sys" "$(echo "$b" | cut -f1)" "$(echo "$l" | cut -f1)"
}
if [ "${ECHO_ONLY:-}" != cores ]; then
run_one c-epoll "$D/echo_c_epoll"
run_one coflow-epoll "$D/echo_coflow" epoll
run_one coflow-uring "$D/echo_coflow" uring
run_one c-threads "$D/echo_c_threads"
[ -x "$D/echo_go" ] && run_one go "$D/echo_go"
command -v python3 >/dev/null && REPS=$PY_REPS run_one cpython python3 bench/echo_pyos.py
fi
# ---- echo_load_cores: every core ----
CORES=$(nproc)
run_cores() {
    start "$@" || return
    l=$(for _ in $(seq "$REPS"); do "$D/echo_load" load "$port" "$LOAD_SECS" "$CORES"; done | stats)
    kill $pid 2>/dev/null; wait $pid 2>/dev/null
    printf 'echo_load_cores\t%s\t%s\tMB/s\n' "$sys" "$l" >> "$OUT"
    printf '%-22s load on %s cores %s MB/s\n' "$sys" "$CORES" "$(echo "$l" | cut -f1)"
}
run_cores coflow-epoll-1core "$D/echo_coflow" epoll 1
run_cores coflow-epoll-cores "$D/echo_coflow" epoll "$CORES"
run_cores coflow-uring-1core "$D/echo_coflow" uring 1
run_cores coflow-uring-cores "$D/echo_coflow" uring "$CORES"
run_cores c-threads "$D/echo_c_threads"
[ -x "$D/echo_go" ] && run_cores go-gomaxprocs-$CORES env GOMAXPROCS=$CORES "$D/echo_go"
touch "$D/results.tsv"
pat='blaster|load|load_cores'
[ "${ECHO_ONLY:-}" = cores ] && pat='load_cores'
grep -v -P "^echo_($pat)\t" "$D/results.tsv" > "$D/results.tsv.tmp" || true
cat "$OUT" >> "$D/results.tsv.tmp"
mv "$D/results.tsv.tmp" "$D/results.tsv"
