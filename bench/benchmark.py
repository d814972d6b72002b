# SPDX-License-Identifier: MIT
"""bench/benchmark.py - the seeds' benchmark.py (Beazley, "A Curious Course on
Coroutines and Concurrency", part 2), written again for Python 3: a grep
stage feeding a null sink, once as a coroutine and once as an object with a
send() method, each timed over 1,000,000 sends of 'python is nice'.

Run alone it prints the two times as the slide does; bench/peer_cpython.py
imports its stages for the harness's grep_coroutine and grep_object.
"""


def coroutine(func):
    """The priming decorator: advance a new generator to its first yield."""

    def start(*args, **kwargs):
        cr = func(*args, **kwargs)
        next(cr)
        return cr

    return start


@coroutine
def grep(pattern, target):
    while True:
        line = (yield)
        if pattern in line:
            target.send(line)


@coroutine
def null():
    while True:
        item = (yield)  # noqa: F841 - the sink drops what it gets


class GrepHandler(object):
    def __init__(self, pattern, target):
        self.pattern = pattern
        self.target = target

    def send(self, line):
        if self.pattern in line:
            self.target.send(line)


line = 'python is nice'
p1 = grep('python', null())
p2 = GrepHandler('python', null())

if __name__ == '__main__':
    from timeit import timeit
    print("coroutine:", timeit("p1.send(line)", "from __main__ import line,p1"))
    print("object:", timeit("p2.send(line)", "from __main__ import line,p2"))
