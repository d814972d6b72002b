# SPDX-License-Identifier: MIT
"""yf_plain_iterator: yield from an iterator that is not a generator. next()
and send(None) go to its __next__; close() just drops it; throw() is raised
in the delegator; a value that is not None cannot be sent, since the
iterator has no send (docs/semantics.md items 51, 55, 56, 59)."""
from casekit import exc_text, outcome, section


def g():
    print('starting g')
    try:
        got = yield from iter([0, 1, 2])
        print(f'yield from returned {got}')
        yield 'g done'
    finally:
        print('finishing g')


section('next and send(None)')
gen = g()
outcome(next, gen, label='Yielded')
outcome(gen.send, None, label='Yielded')
outcome(next, gen, label='Yielded')
outcome(next, gen, label='Yielded')
gen.close()

section('close')
gen = g()
next(gen)
outcome(gen.close, label='close returned')

section('throw')
gen = g()
for _ in range(3):
    outcome(next, gen, label='Yielded')
outcome(gen.throw, ValueError('tomato ejected'))

section('send non-None')
gen = g()
next(gen)
try:
    gen.send('tomato')
except AttributeError:
    # CPython's message names the iterator's type, which differs between
    # versions; the type is what counts.
    print('error AttributeError (subiterator has no send)')
