# SPDX-License-Identifier: MIT
"""bench/peer_cpython.py - CPython's generators, for the harness:

    python3 bench/peer_cpython.py BENCHMARK SYSTEM ITERS WARMUP

prints "ns-per-operation<TAB>checksum" as the C programs do (the checksum is
0: timeit keeps no results). Each figure is timeit over ITERS runs of one
statement after WARMUP untimed ones, so timeit's own loop (a few ns) is in
every figure, as in the seeds' benchmark.py.

- roundtrip: g.send(1) into `v = yield v + 1`, through the bound method;
- yield_from_dN: the same, into the outer end of a chain of N generators
  each doing `return (yield from sub)` (CPython walks the chain per send);
- grep_coroutine, grep_object: benchmark.py's p1.send(line), p2.send(line);
- create_destroy: g = adder(); next(g); g.close().
"""
import os
import sys
import timeit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import benchmark  # noqa: E402 - the seeds' benchmark.py, beside this file


def adder():
    v = yield
    while True:
        v = yield v + 1


def chain(sub):
    return (yield from sub)


def started(g):
    next(g)
    return g


def make_timer(name):
    if name == 'roundtrip':
        return timeit.Timer('send(1)', globals={'send': started(adder()).send})
    if name.startswith('yield_from_d'):
        g = adder()
        for _ in range(int(name[len('yield_from_d'):])):
            g = chain(g)
        return timeit.Timer('send(1)', globals={'send': started(g).send})
    if name == 'grep_coroutine':
        return timeit.Timer('p1.send(line)', globals=vars(benchmark))
    if name == 'grep_object':
        return timeit.Timer('p2.send(line)', globals=vars(benchmark))
    if name == 'create_destroy':
        return timeit.Timer('g = adder(); next(g); g.close()',
                            globals={'adder': adder, 'next': next})
    return None


def main(argv):
    if len(argv) != 5:
        sys.stderr.write('usage: peer_cpython.py BENCHMARK SYSTEM ITERS WARMUP\n')
        return 1
    timer = make_timer(argv[1])
    if timer is None:
        sys.stderr.write('peer_cpython.py: no case %s\n' % argv[1])
        return 1
    iters, warmup = int(argv[3]), int(argv[4])
    if warmup > 0:
        timer.timeit(number=warmup)
    seconds = timer.timeit(number=iters)
    print('%.3f\t0' % (seconds * 1e9 / max(iters, 1)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
