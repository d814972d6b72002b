# SPDX-License-Identifier: MIT
"""gen_exception_escapes: an exception the body does not catch runs its
finally, leaves through send() and leaves the generator closed; after that
next/send stop, close returns None, throw raises what it is given
(docs/semantics.md items 4, 20, 29)."""
from casekit import outcome, state


def checker():
    print('start')
    try:
        while True:
            x = yield 'ok'
            print(f'recv {x}')
            if x < 0:
                raise ValueError('negative')
    finally:
        print('finally')


g = checker()
outcome(next, g)
outcome(g.send, 3)
outcome(g.send, -1)
state(g)
outcome(g.send, 7, prefix='send ')
outcome(next, g, prefix='next ')
outcome(g.close, label='close returned')
outcome(g.throw, TypeError('late'), prefix='throw ')
state(g)
