# SPDX-License-Identifier: MIT
"""bench/grep_log.py - grep_log (bench/README.md), CPython's side: the
seeds' pipeline, source -> grep -> counter, written with generator
coroutines as Beazley writes them. Prints "seconds<TAB>matching lines".

    python3 grep_log.py FILE PATTERN
"""
import sys
import time

from benchmark import coroutine  # the seeds' priming decorator


def source(f, target):
    for line in f:
        target.send(line)
    target.close()


@coroutine
def grep(pattern, target):
    try:
        while True:
            line = (yield)
            if pattern in line:
                target.send(line)
    except GeneratorExit:
        target.close()


class Count:
    n = 0


@coroutine
def counter(result):
    try:
        while True:
            (yield)
            result.n += 1
    except GeneratorExit:
        pass


def main():
    path, pattern = sys.argv[1], sys.argv[2]
    result = Count()
    t0 = time.perf_counter()
    with open(path, encoding="latin-1") as f:
        source(f, grep(pattern, counter(result)))
    t1 = time.perf_counter()
    print("%.6f\t%d" % (t1 - t0, result.n))


if __name__ == "__main__":
    main()
