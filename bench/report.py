#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/report.py - turns results.tsv and callgrind.tsv into report.md and
report.png (gnuplot, bench/report.gp).

    python3 bench/report.py build/bench

report.md has one table of every figure (median, min-max, ratio to the floor
and to coflow), the issue targets, what could not run and why, and a table
of instructions per operation from callgrind.
"""
import glob
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# The order of the benchmarks in the tables.
ORDER = ['roundtrip', 'indirect_call', 'handler_send', 'yield_from_d1', 'yield_from_d8',
         'yield_from_d64', 'grep_coroutine', 'grep_object', 'create_destroy']

# The floor each benchmark is compared with, as (benchmark, system).
FLOOR = {
    'roundtrip': ('roundtrip', 'floor'),
    'indirect_call': ('indirect_call', 'floor'),
    'handler_send': ('indirect_call', 'floor'),
    'yield_from_d1': ('roundtrip', 'floor'),
    'yield_from_d8': ('roundtrip', 'floor'),
    'yield_from_d64': ('roundtrip', 'floor'),
}

# The issues' targets: (what, numerator, denominator, limit).
TARGETS = [
    ('coflow round trip within 1.5x the floor (issue 2)',
     ('roundtrip', 'coflow'), ('roundtrip', 'floor'), 1.5),
    ('yield from at depth 64 within 1.2x depth 1 (issue 3)',
     ('yield_from_d64', 'coflow'), ('yield_from_d1', 'coflow'), 1.2),
    ('handler send within 3x an indirect call (issue 3)',
     ('handler_send', 'coflow'), ('indirect_call', 'floor'), 3.0),
]


# Every comparison the report gives, as (numerator, denominator, target):
# the ratio is numerator / denominator of the raw figures (times: lower is
# better; MB/s and items/s: higher), the target (op, limit) or None.
COMPARISONS = [
    (('roundtrip', 'coflow'), ('roundtrip', 'floor'), ('<=', 1.5)),
    (('roundtrip', 'coflow'), ('roundtrip', 'boost-fcontext'), ('<=', 1.0)),
    (('handler_send', 'coflow'), ('indirect_call', 'floor'), ('<=', 3.0)),
    (('yield_from_d64', 'coflow'), ('yield_from_d1', 'coflow'), ('<=', 1.2)),
    (('grep_coroutine', 'cpython'), ('grep_coroutine', 'coflow'), ('>=', 5.0)),
    (('grep_object', 'cpython'), ('grep_object', 'coflow'), ('>=', 10.0)),
    (('create_destroy', 'coflow'), ('create_destroy', 'boost-fcontext'), ('<=', 1.0)),
    (('create_1m', 'coflow'), ('create_1m', 'floor'), ('<=', 1.1)),
    (('bus_xml', 'coflow'), ('bus_xml', 'expat-floor'), ('<=', 1.1)),
    (('bus_xml', 'cpython-expat'), ('bus_xml', 'coflow'), ('>=', 5.0)),
    (('echo_blaster', 'coflow-epoll'), ('echo_blaster', 'c-epoll'), ('<=', 1.15)),
    (('echo_blaster', 'coflow-uring'), ('echo_blaster', 'c-epoll'), ('<=', 1.0)),
    (('echo_blaster', 'coflow-uring'), ('echo_blaster', 'coflow-epoll'), ('<=', 1.0)),
    (('echo_load', 'coflow-epoll'), ('echo_load', 'c-epoll'), ('>=', 0.95)),
    (('echo_load', 'coflow-uring'), ('echo_load', 'c-epoll'), ('>=', 1.0)),
    (('echo_load', 'coflow-uring'), ('echo_load', 'coflow-epoll'), ('>=', 1.0)),
    (('bridge_thread', 'coflow'), ('bridge_thread', 'inline'), ('>=', 0.5)),
    (('bridge_process', 'coflow'), ('bridge_process', 'inline'), None),
    (('bridge_zmq', 'zmq-floor'), ('bridge_zmq', 'coflow'), ('<=', 1.1)),
    # Issue 17: channels against Go, the echo server on every core.
    (('chan_pingpong', 'coflow'), ('chan_pingpong', 'go'), ('<=', 0.2)),
    (('chan_pingpong_xcore', 'coflow'), ('chan_pingpong_xcore', 'go'), ('<=', 1.0)),
    (('echo_load_cores', 'coflow-uring-cores'), ('echo_load_cores', 'coflow-uring-1core'), ('>=', 1.6)),
    (('echo_load_cores', 'coflow-epoll-cores'), ('echo_load_cores', 'coflow-epoll-1core'), ('>=', 1.6)),
    (('echo_load_cores', 'coflow-uring-cores'), ('echo_load_cores', 'c-threads'), ('>=', 1.0)),
    (('echo_load_cores', 'coflow-uring-cores'), ('echo_load_cores', 'go-gomaxprocs-2'), ('>=', 1.0)),
    (('echo_load_cores', 'coflow-epoll-cores'), ('echo_load_cores', 'c-threads'), ('>=', 1.0)),
    (('echo_load_cores', 'coflow-epoll-cores'), ('echo_load_cores', 'go-gomaxprocs-2'), ('>=', 1.0)),
]


def read_samples(out):
    """{(benchmark, system): {repetition: value}} from OUT/samples/*.tsv."""
    got = {}
    for path in sorted(glob.glob(os.path.join(out, 'samples', '*.tsv'))):
        bench = os.path.basename(path)[:-len('.tsv')]
        rows, _ = read_tsv(path)
        for r in rows:
            if len(r) >= 3:
                got.setdefault((bench, r[0]), {})[int(r[1])] = float(r[2])
    return got


def read_callgrind(out):
    """{(benchmark, system): instructions} from OUT/callgrind*.tsv."""
    ir = {}
    for path in sorted(glob.glob(os.path.join(out, 'callgrind*.tsv'))):
        rows, _ = read_tsv(path)
        for r in rows:
            if len(r) >= 3:
                ir[(r[0], r[1])] = float(r[2])
    return ir


def comparison_section(rows, out):
    med = {(r[0], r[1]): float(r[2]) for r in rows}
    samples = read_samples(out)
    ir = read_callgrind(out)
    md = ['## Comparisons', '',
          'Each comparison divides two figures measured in the same run. **Median of '
          'ratios**: the two systems ran interleaved (in the same repetition, one after the '
          'other, in a shuffled order), each repetition gives one ratio, and this is their '
          'median; it cancels the drift of a shared machine that the medians of each system '
          'alone keep. **Ratio of medians**: the median of one divided by the median of the '
          'other, as earlier reports gave. **Spread**: the smallest and largest '
          'per-repetition ratio, and their interquartile range; a wide spread means the '
          'machine was busy, and the instruction ratio is then the figure to trust. '
          '**Instructions**: the same division of the callgrind counts (user-space '
          'instructions per operation, which do not depend on the machine\'s load); '
          '"—" where the figure is not CPU-bound in one process (sockets, threads, '
          'processes) or was not counted. Times: lower is better, so a ratio below 1 favours '
          'the numerator; MB/s and items/s: higher is better.', '',
          '| numerator | denominator | median of ratios | ratio of medians | spread (min – max; IQR) | reps | instructions | target | |',
          '|---|---|--:|--:|--:|--:|--:|--:|---|']
    for num, den, target in COMPARISONS:
        if num not in med or den not in med:
            continue
        rom = med[num] / med[den] if med[den] else None
        a, b = samples.get(num, {}), samples.get(den, {})
        ratios = sorted(a[k] / b[k] for k in a if k in b and b[k])
        if len(ratios) >= 2:
            mor = statistics.median(ratios)
            q = statistics.quantiles(ratios, n=4) if len(ratios) >= 4 else [ratios[0], 0, ratios[-1]]
            spread = '%.2f – %.2f; %.2f – %.2f' % (ratios[0], ratios[-1], q[0], q[2])
            shown = mor
        else:
            mor, spread, shown = None, 'not interleaved', rom
        ins = '%.2f×' % (ir[num] / ir[den]) if num in ir and den in ir and ir[den] else '—'
        verdict, tgt = '', '—'
        if target and shown is not None:
            op, limit = target
            tgt = '%s %.2f×' % ('≤' if op == '<=' else '≥', limit)
            ok = shown <= limit if op == '<=' else shown >= limit
            verdict = 'met' if ok else '**not met**'
        md.append('| %s %s | %s %s | %s | %s | %s | %d | %s | %s | %s |' % (
            num[0], num[1], den[0], den[1], '%.2f×' % mor if mor is not None else '—',
            '%.2f×' % rom if rom is not None else '—', spread, len(ratios), ins, tgt, verdict))
    md += ['', 'The verdict reads the median of ratios where the figures ran interleaved, '
           'the ratio of medians elsewhere.', '']
    return md


def read_tsv(path):
    """(rows, comments): rows as lists of fields, comments without the '# '."""
    rows, comments = [], []
    if not os.path.exists(path):
        return rows, comments
    with open(path) as f:
        for ln in f:
            ln = ln.rstrip('\n')
            if not ln:
                continue
            if ln.startswith('#'):
                comments.append(ln[1:].strip())
            else:
                rows.append(ln.split('\t'))
    return rows, comments


def order_key(bench):
    return ORDER.index(bench) if bench in ORDER else len(ORDER)


def fmt(x):
    if x is None:
        return '—'
    if x >= 1000:
        return '{:,.0f}'.format(x)
    if x >= 100:
        return '%.1f' % x
    return '%.2f' % x


def ratio(a, b):
    return '%.2f×' % (a / b) if a is not None and b else '—'


def skipped_lines(comments):
    out = []
    for c in comments:
        parts = c.split('\t')
        if parts[0] == 'skipped' and len(parts) >= 4:
            out.append((parts[1], parts[2], parts[3]))
    return out


def timing_section(rows, comments):
    med = {(r[0], r[1]): float(r[2]) for r in rows}
    best = {(r[0], r[1]): float(r[3]) for r in rows}
    md = ['## Results', '']
    header = [c for c in comments if c.split(':')[0] in
              ('machine', 'compiler', 'flags', 'runtimes', 'method')]
    for c in comments:
        if c.startswith('coflow benchmarks,'):
            md.append('Measured %s.' % c[len('coflow benchmarks,'):].strip())
    md += ['', *['- %s' % c for c in header], '']
    reps = ''
    for c in comments:
        if c.startswith('method:'):
            reps = c.split(';')[0].replace('method: ', '')
    md += ['The median over the repetitions, with the best and the worst run (for ns, '
           'lower is better; for MB/s and items/s, higher). "× floor" divides by the floor the benchmark is compared with: `roundtrip/floor` '
           '(bench/floor_x86_64.S) for the round trips, `indirect_call/floor` for handler_send; '
           'the others have none. "× coflow" divides by coflow\'s median on the same benchmark. '
           '"best × floor" divides the best run by the floor\'s best run: other work on the '
           'machine only ever adds time, so on a shared machine it is the steadier ratio. '
           'Benchmarks after create_destroy come from other fragments (mk/*.mk) that write '
           'into the same results.tsv.', '']
    md += ['| benchmark | system | median | min – max | unit | × floor | × coflow | best × floor |',
           '|---|---|--:|--:|---|--:|--:|--:|']
    def lower_is_better(r):
        return len(r) < 6 or r[5] in ('ns', 's', 'bytes')

    ordered = sorted(rows, key=lambda r: (order_key(r[0]), r[0], float(r[2]) * (
        1 if lower_is_better(r) else -1)))
    for r in ordered:
        bench, system, m, lo, hi = r[0], r[1], float(r[2]), float(r[3]), float(r[4])
        unit = r[5] if len(r) > 5 else ''
        floor = med.get(FLOOR.get(bench, ('', '')))
        floor_best = best.get(FLOOR.get(bench, ('', '')))
        coflow = med.get((bench, 'coflow'))
        name = '**%s**' % system if system.startswith('coflow') else system
        md.append('| %s | %s | %s | %s – %s | %s | %s | %s | %s |' % (
            bench, name, fmt(m), fmt(lo), fmt(hi), unit,
            ratio(m, floor) if floor else '—',
            ratio(m, coflow) if coflow else '—',
            ratio(lo, floor_best) if floor_best else '—'))
    md += ['', '![roundtrip ns per system, log scale](report.png)', '']

    md += ['### Targets', '']
    for what, num, den, limit in TARGETS:
        if num in med and den in med:
            r = med[num] / med[den]
            rb = best[num] / best[den]
            md.append('- %s: %.2f× on medians (%s / %s ns): %s; %.2f× on best runs (%s / %s ns)' % (
                what, r, fmt(med[num]), fmt(med[den]), 'met' if r <= limit else 'NOT met',
                rb, fmt(best[num]), fmt(best[den])))
        else:
            md.append('- %s: not measured' % what)
    a, b = med.get(('roundtrip', 'coflow-fpenv')), med.get(('roundtrip', 'coflow'))
    if a and b:
        md.append('- CF_CORO_FPENV adds %.2f ns per round trip on medians (%s vs %s ns), '
                  '%.2f ns on best runs' % (a - b, fmt(a), fmt(b),
                                            best[('roundtrip', 'coflow-fpenv')] - best[('roundtrip', 'coflow')]))
    md.append('')

    skipped = skipped_lines(comments)
    warnings = [c.split('\t') for c in comments if c.startswith('warning\t')]
    notes = [c for c in comments if c.startswith('pth:')]
    md += ['### Could not run', '']
    if not skipped and not warnings:
        md.append('Every system ran.')
    for bench, system, why in skipped:
        md.append('- `%s` `%s`: %s' % (bench, system, why))
    for w in warnings:
        md.append('- `%s` `%s`: %s' % (w[1], w[2], w[3] if len(w) > 3 else ''))
    md += ['', *notes, '']
    return md


def callgrind_section(path):
    rows, comments = read_tsv(path)
    # Other fragments' counts (bench/bus_xml.sh: callgrind-bus_xml.tsv).
    for extra in sorted(glob.glob(os.path.join(os.path.dirname(path), 'callgrind-*.tsv'))):
        r2, c2 = read_tsv(extra)
        rows += r2
        comments += [c for c in c2 if not c.startswith('valgrind')]
    md = ['## Instructions per operation (callgrind)', '']
    if not rows and not comments:
        md += ['Not measured (no callgrind.tsv: `bench/run.py --no-callgrind`).', '']
        return md
    md += ['User-space instructions per operation, from `valgrind --tool=callgrind`: a run of N '
           'and one of 2N operations after a fixed 1,000-operation warm-up, (Ir(2N) − Ir(N)) / N. '
           'They include the benchmark loop, do not drift with the machine, and do not see the '
           'kernel (the rt_sigprocmask of swapcontext, pcl and pth).', '']
    for c in comments:
        if c.startswith('valgrind'):
            md += ['- %s' % c, '']
    ir = {(r[0], r[1]): float(r[2]) for r in rows}
    md += ['| benchmark | system | instructions | × floor | × coflow | N |', '|---|---|--:|--:|--:|--:|']
    for r in sorted(rows, key=lambda r: (order_key(r[0]), float(r[2]))):
        bench, system, n = r[0], r[1], float(r[2])
        floor = ir.get(FLOOR.get(bench, ('', '')))
        coflow = ir.get((bench, 'coflow'))
        name = '**%s**' % system if system.startswith('coflow') else system
        md.append('| %s | %s | %.1f | %s | %s | %s |' % (
            bench, name, n, ratio(n, floor) if floor else '—',
            ratio(n, coflow) if coflow else '—', '{:,}'.format(int(r[3]))))
    skipped = skipped_lines(comments)
    if skipped:
        md += ['', 'Not counted:', '']
        for bench, system, why in skipped:
            md.append('- `%s` `%s`: %s' % (bench, system, why))
    md.append('')
    return md


def plot(rows, out):
    data = sorted(((r[1], float(r[2]), float(r[3]), float(r[4])) for r in rows
                   if r[0] == 'roundtrip'), key=lambda x: x[1])
    if not data:
        return 'no roundtrip figures to plot'
    dat = os.path.join(out, 'report-roundtrip.dat')
    with open(dat, 'w') as f:
        for system, m, lo, hi in data:
            colour = 0xc0392b if system.startswith('coflow') else (
                0x555555 if system == 'floor' else 0x4472c4)
            f.write('"%s"\t%.3f\t%.3f\t%.3f\t%d\n' % (system, m, lo, hi, colour))
    png = os.path.join(out, 'report.png')
    last = ''
    for term in ('pngcairo', 'png'):
        try:
            p = subprocess.run(['gnuplot', '-e', "datafile='%s'; outfile='%s'; term='%s'" % (
                dat, png, term), os.path.join(HERE, 'report.gp')],
                capture_output=True, text=True, timeout=60)
        except OSError as e:
            return 'gnuplot could not run: %s' % e
        if p.returncode == 0:
            return None
        last = p.stderr.strip().splitlines()[-1] if p.stderr.strip() else 'failed'
    return 'gnuplot failed: %s' % last


def main(argv):
    out = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(HERE), 'build', 'bench')
    rows, comments = read_tsv(os.path.join(out, 'results.tsv'))
    if not rows and not comments:
        sys.stderr.write('report.py: no %s\n' % os.path.join(out, 'results.tsv'))
        return 1
    md = ['# coflow benchmarks', '',
          'Written by `make bench` from `results.tsv` and `callgrind.tsv` (bench/README.md '
          'describes each program).', '']
    md += comparison_section(rows, out)
    md += timing_section(rows, comments)
    md += callgrind_section(os.path.join(out, 'callgrind.tsv'))
    why = plot(rows, out)
    if why:
        md += ['report.png was not drawn: %s.' % why, '']
    with open(os.path.join(out, 'report.md'), 'w') as f:
        f.write('\n'.join(md).rstrip('\n') + '\n')
    sys.stderr.write('bench: wrote %s\n' % os.path.join(out, 'report.md'))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
