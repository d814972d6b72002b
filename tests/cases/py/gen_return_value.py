# SPDX-License-Identifier: MIT
"""gen_return_value: a return value comes out as StopIteration.value, once;
a finally runs before the stop is delivered; falling off the end stops with
None (docs/semantics.md items 17-19)."""
from casekit import outcome, section


def g(result):
    print('g starting')
    got = yield
    print(f'g received {got}')
    print(f'g returning {result}')
    return result


for result in (None, 1, 'spam'):
    gen = g(result)
    next(gen)
    print('f sending ham to g')
    outcome(gen.send, 'ham')
    outcome(gen.send, 'eggs', prefix='again ')

section('return inside try/finally')


def guarded():
    try:
        yield 1
        return 42
    finally:
        print('finally runs before StopIteration')


gen = guarded()
outcome(next, gen)
outcome(next, gen)

section('falling off the end')


def nothing():
    if False:
        yield


outcome(next, nothing())
