# SPDX-License-Identifier: MIT
"""close_return_value: close() returns the body's return value when the body
catches GeneratorExit and returns; None otherwise (not caught, never
started, finished, already closed). This is Python 3.13's close(); on older
versions close_value() below does the same with throw() (docs/semantics.md
items 39, 44)."""
import inspect
import sys

from casekit import outcome, section


def close_value(g):
    """g.close() with 3.13's return value, as docs/semantics.md item 39
    describes it."""
    if sys.version_info >= (3, 13):
        return g.close()
    if inspect.getgeneratorstate(g) in (inspect.GEN_CREATED,
                                        inspect.GEN_CLOSED):
        g.close()
        return None
    try:
        g.throw(GeneratorExit)
    except GeneratorExit:
        return None
    except StopIteration as stop:
        return stop.value
    raise RuntimeError('generator ignored GeneratorExit')


def returns_zero():
    try:
        yield
    except GeneratorExit:
        print('caught GeneratorExit, returning 0')
        return 0


def lets_it_go():
    yield
    return 0


def nothing():
    return
    yield


def averager():
    total = count = 0
    while True:
        try:
            x = yield
        except GeneratorExit:
            print(f'closing after {count} values')
            return total // count
        print(f'recv {x}')
        total += x
        count += 1


section('caught, returns 0')
g = returns_zero()
next(g)
outcome(close_value, g, label='close returned')
outcome(close_value, g, label='close again returned')

section('not caught')
g = lets_it_go()
next(g)
outcome(close_value, g, label='close returned')

section('not started')
outcome(close_value, returns_zero(), label='close returned')

section('exhausted')
g = nothing()
outcome(next, g)
outcome(close_value, g, label='close returned')

section('averager')
g = averager()
next(g)
for x in (10, 20, 60):
    g.send(x)
outcome(close_value, g, label='close returned')
