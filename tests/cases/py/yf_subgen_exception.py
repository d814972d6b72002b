# SPDX-License-Identifier: MIT
"""yf_subgen_exception: an exception raised by the subgenerator, on the
first next() or in a later send(), is raised in the delegator at its yield
from and closes the subgenerator; uncaught it unwinds the delegator too,
caught the delegator goes on (docs/semantics.md item 54)."""
from casekit import exc_text, outcome, section, state


def inquisitor():
    print('Starting g2')
    try:
        raise ValueError('spanish inquisition occurred')
        yield 'never'
    finally:
        print('Finishing g2')


def outer():
    print('Starting g1')
    try:
        yield from inquisitor()
    finally:
        print('Finishing g1')


section('exception in initial next')
outcome(next, outer(), label='Yielded')


def eels():
    print('Starting g2')
    x = yield 'g2 spam'
    print(f'g2 received {x}')
    raise ValueError('hovercraft is full of eels')


def g1():
    print('Starting g1')
    x = yield 'g1 ham'
    print(f'g1 received {x}')
    yield from eels()


section('exception while delegating send')
g = g1()
outcome(next, g, label='Yielded')
outcome(g.send, 1, label='Yielded')
outcome(g.send, 2, label='Yielded')
state(g, 'g1 ')


def delegator(sub):
    try:
        yield from sub
    except ValueError as e:
        print(f'delegator caught {exc_text(e)}')
        state(sub, 'sub ')
    yield 'delegator continues'


section('delegator catches')
g = delegator(eels())
outcome(next, g, label='Yielded')
outcome(g.send, 'eggs', label='Yielded')
outcome(next, g, label='Yielded')
