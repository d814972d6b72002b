# SPDX-License-Identifier: MIT
"""close_ignored: a body that yields after GeneratorExit makes close() raise
"generator ignored GeneratorExit" and stays suspended at the new yield; a
later close() that it lets through returns None (docs/semantics.md item
36)."""
from casekit import outcome, section, state


def ignorer():
    try:
        yield 'first'
    except GeneratorExit:
        print('caught GeneratorExit, yielding anyway')
    yield 'second'


g = ignorer()
next(g)
outcome(g.close, label='close returned')
state(g)
outcome(g.close, label='second close returned')
state(g)


def stubborn(times):
    for n in range(1, times + 1):
        try:
            yield n
        except GeneratorExit:
            print(f'ignoring close #{n}')
    print('giving up')


section('stubborn3')
g = stubborn(3)
next(g)
for _ in range(3):
    outcome(g.close, label='close returned')
    state(g)
