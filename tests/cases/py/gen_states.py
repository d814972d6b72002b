# SPDX-License-Identifier: MIT
"""gen_states: inspect.getgeneratorstate after every step of a generator
run to the end, closed before it starts, closed while suspended, and ended
by an exception (docs/semantics.md items 2, 3)."""
from casekit import outcome, section, state

box = []


def two_steps():
    state(box[-1], 'inside: ')
    a = yield 1
    print(f'recv {a}')
    state(box[-1], 'inside: ')
    b = yield 2
    print(f'recv {b}')
    return 'done'


section('run to completion')
box.append(two_steps())
g = box[-1]
state(g)
outcome(next, g)
state(g)
outcome(g.send, 'a')
state(g)
outcome(g.send, 'b')
state(g)

section('close before start')
box.append(two_steps())
g = box[-1]
state(g)
g.close()
state(g)

section('close while suspended')
box.append(two_steps())
g = box[-1]
next(g)
state(g)
g.close()
state(g)


def breaks():
    yield 1
    raise ValueError('broken')


section('exception escapes')
g = breaks()
state(g)
outcome(next, g)
state(g)
outcome(next, g)
state(g)
