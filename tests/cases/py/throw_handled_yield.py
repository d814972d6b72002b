# SPDX-License-Identifier: MIT
"""throw_handled_yield: throw() raises at the paused yield; a body that
catches it and yields makes throw() return that value and goes on working;
one that catches it and returns makes throw() stop with the value; one that
does not catch it closes (docs/semantics.md items 23-25)."""
from casekit import exc_text, outcome, section, state


def resilient():
    n = 0
    while True:
        try:
            got = yield f'ready {n}'
            print(f'recv {got}')
        except ValueError as e:
            print(f'caught {exc_text(e)}')
        n += 1


g = resilient()
outcome(next, g)
outcome(g.throw, ValueError('xyz'), label='throw returned')
state(g)
outcome(g.send, 'hello', label='send returned')
outcome(g.throw, ValueError, label='throw returned')
outcome(next, g, label='next returned')
outcome(g.throw, TypeError('not handled'))
state(g)


def gives_up():
    try:
        yield
    except ValueError as e:
        print(f'caught {exc_text(e)}, returning')
        return 'recovered'


section('caught then return')
g = gives_up()
next(g)
outcome(g.throw, ValueError('stop please'))
state(g)
