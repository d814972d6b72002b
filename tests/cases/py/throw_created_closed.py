# SPDX-License-Identifier: MIT
"""throw_created_closed: throw() into a generator that never started raises
there, before any code, and closes it; into a closed or exhausted one it
raises what it is given and runs nothing (docs/semantics.md items 28,
29)."""
from casekit import outcome, section, state


def body():
    print('body started')
    try:
        yield 1
    finally:
        print('inside finally')


section('throw into created')
g = body()
state(g)
outcome(g.throw, ValueError('early'))
state(g)
outcome(next, g, prefix='next ')

section('throw into closed (after close)')
g = body()
next(g)
g.close()
state(g)
outcome(g.throw, ValueError('late'))


def short():
    yield 1


section('throw into exhausted')
g = short()
for _ in g:
    pass
state(g)
outcome(g.throw, TypeError('after end'))
