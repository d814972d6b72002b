# SPDX-License-Identifier: MIT
"""yf_chain3_close: close() of g1 in a chain g1 -> g2 -> g3 of yield from.
The innermost is closed first and each finally runs from the inside out;
an exception raised by g3's cleanup comes out of close() with GeneratorExit
as its context; a g3 that ignores GeneratorExit makes the delegators fail
with RuntimeError and stays suspended (docs/semantics.md items 56-58)."""
from casekit import exc_text, section, state


def g3(mode):
    print('Starting g3')
    try:
        try:
            yield 'g3 spam'
        except GeneratorExit:
            if mode != 'ignore':
                raise
            print('g3 ignoring GeneratorExit')
            yield 'g3 still here'
    finally:
        print('Finishing g3')
        if mode == 'raise':
            raise ValueError('nybbles have exploded with delight')


def g2(mode):
    print('Starting g2')
    try:
        yield from g3(mode)
    finally:
        print('Finishing g2')


def g1(mode):
    print('Starting g1')
    try:
        yield 'g1 ham'
        yield from g2(mode)
    finally:
        print('Finishing g1')


for mode in ('normal', 'raise', 'ignore'):
    section(f'g3 {mode}')
    outer = g1(mode)
    print(f'Yielded {next(outer)}')
    print(f'Yielded {next(outer)}')
    chain = [outer, outer.gi_yieldfrom, outer.gi_yieldfrom.gi_yieldfrom]
    try:
        print(f'close returned {outer.close()}')
    except Exception as e:
        print(f'error {exc_text(e)}')
        if mode == 'raise':
            print(f'context {exc_text(e.__context__)}')
    for n, g in enumerate(chain, 1):
        state(g, f'g{n} ')
    if mode == 'ignore':
        print(f'g3 second close returned {chain[2].close()}')
        state(chain[2], 'g3 ')
