# SPDX-License-Identifier: MIT
"""close_created_closed: close() of a generator that never started runs no
handler and no finally; close() of a finished one, or a second close(), does
nothing and returns None (docs/semantics.md items 34, 35)."""
from casekit import outcome, section, state


def body():
    print('body started')
    try:
        yield 1
    except GeneratorExit:
        print('caught GeneratorExit')
        raise
    finally:
        print('finally')


section('close never-started')
g = body()
outcome(g.close, label='close returned')
state(g)
outcome(next, g, prefix='next ')

section('close exhausted')
g = body()
for v in g:
    print(f'got {v}')
state(g)
outcome(g.close, label='close returned')

section('close twice')
g = body()
next(g)
outcome(g.close, label='close returned')
outcome(g.close, label='close returned')
state(g)
