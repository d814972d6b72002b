#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/run.py - runs every benchmark figure and writes results.tsv.

    python3 bench/run.py [--out build/bench] [--bin DIR] [--reps 7] [--target 0.3]
                         [--only SUBSTRING] [--no-callgrind] [--flags TEXT]

Each figure (a benchmark and a system) is measured by one process run per
repetition: `PROGRAM BENCHMARK SYSTEM ITERS WARMUP` prints
"ns-per-operation<TAB>checksum" (see bench/bench.h). The harness:

1. calibrates: runs each figure once with a small ITERS, which also finds
   the figures that cannot run here (a program that did not build, a
   runtime that is missing, a case that exits with status 2) and why;
2. picks ITERS so that one run takes about --target seconds;
3. runs --reps repetitions; in each, every figure runs once, in an order
   shuffled per repetition, so the machine's drift hits every system alike;
4. writes OUT/results.tsv in bench/README.md's format: median, min and max
   over the repetitions, with the machine, compilers and flags as comments;
   the lines other benchmarks put there (a benchmark this harness does not
   run, and comments that start with its name) are kept;
5. writes every repetition's figure to OUT/samples/BENCHMARK.tsv
   (`system<TAB>repetition<TAB>value<TAB>unit`), so that bench/report.py can
   divide two systems measured in the same repetition (the median of those
   per-repetition ratios, beside the ratio of the medians, with their spread);
6. unless --no-callgrind, counts instructions per operation with
   `valgrind --tool=callgrind`: a run of N and one of 2N operations after a
   fixed warm-up, (Ir(2N) - Ir(N)) / N, into OUT/callgrind.tsv.

    python3 bench/run.py --echo [--out build/bench] [--reps 5] [--load-secs 0.5]

runs the echo benchmarks (echo_blaster, echo_load) of the C and coflow
servers that bench/echo_run.sh runs, but pinned and interleaved: each server
with `taskset -c 0`, the load generator with `taskset -c 1`, every server
started once, and each repetition running the blaster and then the load
against every server in a shuffled order. It replaces those servers' echo
lines of OUT/results.tsv and writes OUT/samples/echo_*.tsv.
"""
import argparse
import concurrent.futures
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCH = os.path.join(ROOT, 'bench')


def python_for_peer():
    """Debian's CPython (what tools/deps.sh installs), else the one on PATH."""
    return '/usr/bin/python3' if os.path.exists('/usr/bin/python3') else 'python3'


# Programs: how to start each, and which package or build gives it.
def programs(out):
    def built(name):
        return {'argv': [os.path.join(out, name)], 'binary': name}

    def script(interp, path):
        return {'argv': [interp, os.path.join(BENCH, path)], 'runtime': interp}

    return {
        'coflow': built('coflow_bench'),
        'scale': built('coflow_scale'),
        'fcontext': built('peer_fcontext'),
        'coroutine2': built('peer_coroutine2'),
        'pcl': built('peer_pcl'),
        'ucontext': built('peer_ucontext'),
        'pth': built('peer_pth'),
        'lua_capi': built('peer_lua_capi'),
        'go': dict(built('peer_go'), env={'GOMAXPROCS': '1'}),
        'lua': script('lua5.4', 'peer_lua.lua'),
        'luajit': script('luajit', 'peer_lua.lua'),
        'cpython': script(python_for_peer(), 'peer_cpython.py'),
    }


# Every figure: (benchmark, system, program). The order is the report's.
FIGURES = [
    ('roundtrip', 'floor', 'coflow'),
    ('roundtrip', 'coflow', 'coflow'),
    ('roundtrip', 'coflow-fpenv', 'coflow'),
    ('roundtrip', 'boost-fcontext', 'fcontext'),
    ('roundtrip', 'boost-coroutine2', 'coroutine2'),
    ('roundtrip', 'boost-coroutine2-push', 'coroutine2'),
    ('roundtrip', 'pcl', 'pcl'),
    ('roundtrip', 'swapcontext', 'ucontext'),
    ('roundtrip', 'pth', 'pth'),
    ('roundtrip', 'lua', 'lua'),
    ('roundtrip', 'lua-capi', 'lua_capi'),
    ('roundtrip', 'luajit', 'luajit'),
    ('roundtrip', 'cpython', 'cpython'),
    ('roundtrip', 'go', 'go'),
    ('indirect_call', 'floor', 'coflow'),
    ('handler_send', 'coflow', 'coflow'),
    ('yield_from_d1', 'coflow', 'coflow'),
    ('yield_from_d1', 'cpython', 'cpython'),
    ('yield_from_d8', 'coflow', 'coflow'),
    ('yield_from_d8', 'cpython', 'cpython'),
    ('yield_from_d64', 'coflow', 'coflow'),
    ('yield_from_d64', 'cpython', 'cpython'),
    ('grep_coroutine', 'coflow', 'coflow'),
    ('grep_coroutine', 'cpython', 'cpython'),
    ('grep_object', 'coflow', 'coflow'),
    ('grep_object', 'cpython', 'cpython'),
    ('create_destroy', 'coflow', 'coflow'),
    ('create_destroy', 'boost-fcontext', 'fcontext'),
    ('create_destroy', 'boost-coroutine2', 'coroutine2'),
    ('create_destroy', 'pcl', 'pcl'),
    ('create_destroy', 'swapcontext', 'ucontext'),
    ('create_destroy', 'pth', 'pth'),
    ('create_destroy', 'lua', 'lua'),
    ('create_destroy', 'lua-capi', 'lua_capi'),
    ('create_destroy', 'luajit', 'luajit'),
    ('create_destroy', 'cpython', 'cpython'),
    ('create_destroy', 'go', 'go'),
    ('create_1m', 'coflow', 'scale'),
    ('create_1m', 'floor', 'scale'),
    ('rss_per_coroutine', 'coflow', 'scale'),
]

# Figures whose unit is not ns per operation (bench/coflow_scale.c).
UNITS = {'create_1m': 's', 'rss_per_coroutine': 'bytes'}

# What callgrind counts: every figure of the C and C++ programs and the
# interpreters' round trips. Go's runtime does not run under Valgrind.
CALLGRIND_SKIP = {'go': "not run under Valgrind (Go's runtime and Valgrind do not mix)"}
CALLGRIND_BENCHMARKS = {'roundtrip', 'indirect_call', 'handler_send', 'yield_from_d1', 'create_destroy',
                        'yield_from_d8', 'yield_from_d64', 'grep_coroutine', 'grep_object'}

CALIBRATE_ITERS = 20000
TIMEOUT = 120
ECHO_TIMEOUT = 600
PTH_NOTE = ('pth: Pth threads cannot be resumed by name (pth_yield(tid) only hints '
            'the scheduler), so pth is measured with its user-space contexts: '
            'pth_uctx_switch(from, to) runs exactly `to`')


class CannotRun(Exception):
    pass


def availability(prog, out):
    """None when the program can be started, else why not."""
    if 'binary' in prog:
        path = prog['argv'][0]
        if os.access(path, os.X_OK):
            return None
        log = path + '.log'
        if not os.path.exists(log):
            return 'not built (make bench-programs builds it)'
        why = 'did not build'
        if os.path.exists(log):
            with open(log, errors='replace') as f:
                errors = [ln.strip() for ln in f if 'error' in ln.lower() or 'not found' in ln]
            if errors:
                why += ': ' + errors[0]
        return why
    if shutil.which(prog['runtime']) is None:
        return '%s is not installed' % prog['runtime']
    return None


def run_once(prog, benchmark, system, iters, warmup, wrapper=(), timeout=TIMEOUT):
    argv = list(wrapper) + prog['argv'] + [benchmark, system, str(iters), str(warmup)]
    env = dict(os.environ, **prog.get('env', {}))
    try:
        p = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise CannotRun('timed out after %d s' % timeout)
    if p.returncode != 0:
        lines = [ln for ln in p.stderr.splitlines() if ln.strip()]
        last = lines[-1] if lines else ''
        if p.returncode == 2:
            raise CannotRun(last)
        raise CannotRun('exit status %d: %s' % (p.returncode, last))
    return p


def measure(prog, benchmark, system, iters, warmup):
    p = run_once(prog, benchmark, system, iters, warmup)
    try:
        return float(p.stdout.split()[0])
    except (IndexError, ValueError):
        raise CannotRun('unreadable output %r' % p.stdout[:80])


def round2(n):
    """n rounded to two significant digits."""
    digits = len(str(int(n))) - 2
    return int(round(n, -digits)) if digits > 0 else int(n)


def first_line(argv):
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        text = (p.stdout or p.stderr).strip()
        return text.splitlines()[0].split('  Copyright')[0].split(' -- Copyright')[0] if text else '?'
    except (OSError, subprocess.TimeoutExpired):
        return 'not installed'


def machine_comments(args, seed, load_before):
    cpu = '?'
    try:
        with open('/proc/cpuinfo') as f:
            for ln in f:
                if ln.startswith('model name'):
                    cpu = ln.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    mem = '?'
    try:
        with open('/proc/meminfo') as f:
            mem = '%.0f GiB RAM' % (int(f.readline().split()[1]) / 2**20)
    except (OSError, ValueError, IndexError):
        pass
    load_after = os.getloadavg()[0]
    return [
        '# coflow benchmarks, %s' % time.strftime('%Y-%m-%d %H:%M:%S %Z'),
        '# machine: %s, %d CPUs, %s, %s %s, loadavg %.2f before, %.2f after' % (
            cpu, os.cpu_count() or 0, mem, platform.system(), platform.release(),
            load_before, load_after),
        '# compiler: %s; %s' % (first_line(['gcc', '--version']), first_line(['g++', '--version'])),
        '# flags: %s' % (args.flags or '?'),
        '# runtimes: %s; %s; %s (%s); %s, GOMAXPROCS=1' % (
            first_line(['lua5.4', '-v']), first_line(['luajit', '-v']),
            first_line([python_for_peer(), '--version']), python_for_peer(),
            first_line(['go', 'version'])),
        '# method: one process run per figure and repetition; %d repetitions, each running '
        'every figure once in a shuffled order (seed %d); ITERS chosen for about %.2f s per run '
        'after a calibration run; median, min and max over the repetitions' % (
            args.reps, seed, args.target),
        '# ' + PTH_NOTE,
    ]


def foreign_lines(path):
    """The lines of an existing results.tsv that other benchmarks wrote (for
    example grep_log, from mk/pipe.mk): data lines of a benchmark this
    harness does not run, and comments that start with such a name."""
    try:
        with open(path) as f:
            lines = [ln.rstrip('\n') for ln in f if ln.strip()]
    except OSError:
        return []
    ours = {f[0] for f in FIGURES}
    theirs = {ln.split('\t')[0] for ln in lines if not ln.startswith('#')} - ours
    keep = []
    for ln in lines:
        first = re.split(r'[\t ]', ln.lstrip('#').strip())[0]
        if first in theirs:
            keep.append(ln)
    return keep


def callgrind_count(prog, benchmark, system, n):
    """Instructions per operation: (Ir(2n) - Ir(n)) / n, warm-up fixed."""
    counts = []
    for iters in (n, 2 * n):
        p = run_once(prog, benchmark, system, iters, 1000,
                     wrapper=('valgrind', '--tool=callgrind', '--callgrind-out-file=/dev/null'),
                     timeout=600)
        m = re.search(r'Collected\s*:\s*(\d+)', p.stderr)
        if m is None:
            raise CannotRun('no "Collected" line from callgrind')
        counts.append(int(m.group(1)))
    return (counts[1] - counts[0]) / n


def run_callgrind(figures, progs, out, skipped, n):
    rows, notes = [], []
    if shutil.which('valgrind') is None:
        notes.append('# skipped\t*\t*\tvalgrind is not installed')
        return rows, notes
    todo = []
    for bench, system, pname in figures:
        if bench not in CALLGRIND_BENCHMARKS:
            continue
        if (bench, system) in skipped:
            notes.append('# skipped\t%s\t%s\t%s' % (bench, system, skipped[(bench, system)]))
        elif pname in CALLGRIND_SKIP:
            notes.append('# skipped\t%s\t%s\t%s' % (bench, system, CALLGRIND_SKIP[pname]))
        else:
            todo.append((bench, system, pname))
    workers = max(1, os.cpu_count() or 1)
    with concurrent.futures.ThreadPoolExecutor(max_workers=workers) as pool:
        jobs = {pool.submit(callgrind_count, progs[p], b, s, n): (b, s) for b, s, p in todo}
        results = {}
        for job in concurrent.futures.as_completed(jobs):
            b, s = jobs[job]
            try:
                results[(b, s)] = job.result()
                log('callgrind %s %s: %.1f' % (b, s, results[(b, s)]))
            except CannotRun as e:
                notes.append('# skipped\t%s\t%s\t%s' % (b, s, e))
    for b, s, _ in todo:
        if (b, s) in results:
            rows.append('%s\t%s\t%.1f\t%d' % (b, s, results[(b, s)], n))
    return rows, notes


def write_samples(out, bench, rows, unit):
    """OUT/samples/BENCH.tsv: one line per (system, repetition)."""
    d = os.path.join(out, 'samples')
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, bench + '.tsv'), 'w') as f:
        f.write('# %s: system, repetition, value, unit; the systems of one repetition '
                'ran interleaved\n' % bench)
        for system, rep, value in rows:
            f.write('%s\t%d\t%s\t%s\n' % (system, rep, value, unit))


# The echo servers run.py --echo measures: (system, program, arguments).
ECHO_SERVERS = [
    ('c-epoll', 'echo_c_epoll', []),
    ('coflow-epoll', 'echo_coflow', ['epoll']),
    ('coflow-uring', 'echo_coflow', ['uring']),
]


def echo_main(args, out):
    """The pinned, interleaved echo benchmarks (see the module comment)."""
    ncpu = os.cpu_count() or 1
    server_cpu, client_cpu = '0', ('1' if ncpu > 1 else '0')
    pin = shutil.which('taskset')
    def pinned(cpu, argv):
        return ([pin, '-c', cpu] if pin else []) + argv
    rng = random.Random(args.seed if args.seed is not None else
                        random.SystemRandom().randrange(1 << 31))
    load = os.path.join(out, 'echo_load')
    if not os.access(load, os.X_OK):
        log('echo: %s is not built (make bench-echo builds it)' % load)
        return 1
    servers, procs = {}, []
    try:
        for system, prog, extra in ECHO_SERVERS:
            path = os.path.join(out, prog)
            if not os.access(path, os.X_OK):
                log('echo: %s is not built; %s left out' % (path, system))
                continue
            p = subprocess.Popen(pinned(server_cpu, [path] + extra), stdout=subprocess.PIPE,
                                 stderr=subprocess.DEVNULL, text=True)
            procs.append(p)
            line = p.stdout.readline().strip()
            if not line.isdigit():
                log('echo: %s did not start (%s)' % (system, line or 'no port'))
                continue
            servers[system] = line
        samples = {'echo_blaster': [], 'echo_load': []}
        for rep in range(args.reps):
            order = list(servers)
            rng.shuffle(order)
            for system in order:
                port = servers[system]
                for bench, argv in (('echo_blaster', [load, 'blaster', port]),
                                    ('echo_load', [load, 'load', port, str(args.load_secs)])):
                    try:
                        p = subprocess.run(pinned(client_cpu, argv), capture_output=True,
                                           text=True, timeout=ECHO_TIMEOUT)
                        samples[bench].append((system, rep, float(p.stdout.split()[0])))
                    except subprocess.TimeoutExpired:
                        log('echo: %s %s timed out after %d s' % (bench, system, ECHO_TIMEOUT))
                    except (IndexError, ValueError):
                        log('echo: %s %s failed: %s' % (bench, system, p.stderr.strip()[-200:]))
            log('echo repetition %d/%d' % (rep + 1, args.reps))
    finally:
        for p in procs:
            p.kill()
            p.wait()
    units = {'echo_blaster': 's', 'echo_load': 'MB/s'}
    lines = []
    for bench in ('echo_blaster', 'echo_load'):
        write_samples(out, bench, samples[bench], units[bench])
        for system in servers:
            v = [x for s, _, x in samples[bench] if s == system]
            if v:
                lines.append('%s\t%s\t%.4f\t%.4f\t%.4f\t%s' % (
                    bench, system, statistics.median(v), min(v), max(v), units[bench]))
    path = os.path.join(out, 'results.tsv')
    old = []
    if os.path.exists(path):
        with open(path) as f:
            old = [ln.rstrip('\n') for ln in f if ln.strip()]
    mine = {(ln.split('\t')[0], ln.split('\t')[1]) for ln in lines}
    keep = [ln for ln in old if tuple(ln.split('\t')[:2]) not in mine
            and not ln.startswith('# echo pinned')]
    keep.append('# echo pinned\t%s: servers on CPU %s, load generator on CPU %s (taskset), '
                '%d interleaved repetitions, %.2f s per load run, loadavg %.2f' % (
                    ', '.join(servers), server_cpu, client_cpu, args.reps, args.load_secs,
                    os.getloadavg()[0]))
    with open(path, 'w') as f:
        f.write('\n'.join(keep + lines) + '\n')
    for ln in lines:
        log(ln.replace('\t', ' '))
    return 0


def log(msg):
    sys.stderr.write('bench: %s\n' % msg)
    sys.stderr.flush()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--out', default=os.path.join(ROOT, 'build', 'bench'))
    ap.add_argument('--bin', default=None, help='where the built programs are (default: --out)')
    ap.add_argument('--reps', type=int, default=7)
    ap.add_argument('--target', type=float, default=0.3, help='seconds per process run')
    ap.add_argument('--only', default='', help='run only figures whose "benchmark/system" contains this')
    ap.add_argument('--no-callgrind', action='store_true')
    ap.add_argument('--callgrind-n', type=int, default=100000)
    ap.add_argument('--flags', default='', help='compiler flags, for the comments')
    ap.add_argument('--seed', type=int, default=None)
    ap.add_argument('--echo', action='store_true', help='the pinned, interleaved echo benchmarks')
    ap.add_argument('--load-secs', type=float, default=0.5, help='--echo: seconds per load run')
    args = ap.parse_args()
    if args.reps < 5:
        ap.error('BENCH.md asks for at least 5 repetitions')

    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    if args.echo:
        return echo_main(args, out)
    progs = programs(os.path.abspath(args.bin or out))
    figures = [f for f in FIGURES if args.only in '%s/%s' % (f[0], f[1])]
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1 << 31)
    rng = random.Random(seed)
    load_before = os.getloadavg()[0]
    started = time.time()

    # 1-2: calibrate, and find what cannot run.
    skipped, plan = {}, {}
    for bench, system, pname in figures:
        why = availability(progs[pname], out)
        if why is None:
            try:
                ns = measure(progs[pname], bench, system, CALIBRATE_ITERS, CALIBRATE_ITERS // 10)
                iters = max(2000, min(100_000_000, round2(args.target * 1e9 / max(ns, 0.1))))
                plan[(bench, system)] = (iters, max(100, iters // 10))
                continue
            except CannotRun as e:
                why = str(e)
        skipped[(bench, system)] = why
        log('cannot run %s %s: %s' % (bench, system, why))
    log('calibrated %d figures in %.0f s' % (len(plan), time.time() - started))

    # 3: interleaved repetitions.
    samples = {key: [] for key in plan}
    reps_of = {key: [] for key in plan}
    failures = {}
    runnable = [f for f in figures if (f[0], f[1]) in plan]
    for rep in range(args.reps):
        order = runnable[:]
        rng.shuffle(order)
        t0 = time.time()
        for bench, system, pname in order:
            iters, warmup = plan[(bench, system)]
            try:
                samples[(bench, system)].append(measure(progs[pname], bench, system, iters, warmup))
                reps_of[(bench, system)].append(rep)
            except CannotRun as e:
                failures[(bench, system)] = str(e)
        log('repetition %d/%d: %d figures in %.0f s' % (rep + 1, args.reps, len(order), time.time() - t0))

    # 4: results.tsv
    lines = machine_comments(args, seed, load_before)
    for bench, system, _ in figures:
        if (bench, system) in plan:
            iters, warmup = plan[(bench, system)]
            lines.append('# iters\t%s\t%s\t%d\t%d' % (bench, system, iters, warmup))
    for bench, system, _ in figures:
        key = (bench, system)
        if key in plan and len(samples[key]) < args.reps:
            why = failures.get(key, '?')
            if len(samples[key]) == 0:
                skipped[key] = 'failed in every repetition: ' + why
            else:
                lines.append('# warning\t%s\t%s\tonly %d of %d repetitions ran: %s' % (
                    bench, system, len(samples[key]), args.reps, why))
    for bench, system, _ in figures:
        if (bench, system) in skipped:
            lines.append('# skipped\t%s\t%s\t%s' % (bench, system, skipped[(bench, system)]))
    for bench, system, _ in figures:
        s = samples.get((bench, system))
        if s:
            lines.append('%s\t%s\t%.2f\t%.2f\t%.2f\t%s' % (
                bench, system, statistics.median(s), min(s), max(s), UNITS.get(bench, 'ns')))
    lines += foreign_lines(os.path.join(out, 'results.tsv'))
    for bench in dict.fromkeys(f[0] for f in figures):
        rows = [(system, rep, '%.4f' % v) for b, system, _ in figures if b == bench
                for rep, v in zip(reps_of.get((b, system), []), samples.get((b, system), []))]
        if rows:
            write_samples(out, bench, rows, UNITS.get(bench, 'ns'))
    with open(os.path.join(out, 'results.tsv'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
    log('wrote %s (%.0f s)' % (os.path.join(out, 'results.tsv'), time.time() - started))

    # 5: callgrind.tsv
    if not args.no_callgrind:
        t0 = time.time()
        rows, notes = run_callgrind(figures, progs, out, skipped, args.callgrind_n)
        with open(os.path.join(out, 'callgrind.tsv'), 'w') as f:
            f.write('# instructions per operation from valgrind --tool=callgrind: runs of N and 2N '
                    'operations after a 1000-operation warm-up, (Ir(2N) - Ir(N)) / N; '
                    'user space only\n')
            f.write('# %s\n' % first_line(['valgrind', '--version']))
            f.write('\n'.join(notes + ['# benchmark\tsystem\tinstructions\tN'] + rows) + '\n')
        log('wrote %s (%.0f s)' % (os.path.join(out, 'callgrind.tsv'), time.time() - t0))
    return 0


if __name__ == '__main__':
    sys.exit(main())
