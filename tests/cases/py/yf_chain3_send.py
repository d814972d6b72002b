# SPDX-License-Identifier: MIT
"""yf_chain3_send: sends into g1 reach the innermost generator of the chain
g1 -> g2 -> g3; what it yields comes straight out; each return value climbs
one level and the delegator goes on in the same call (docs/semantics.md
items 50-53)."""
from casekit import outcome


def g3():
    print('Starting g3')
    x = yield 'g3 deep'
    print(f'g3 received {x}')
    print('Finishing g3')
    return 'g3 result'


def g2():
    print('Starting g2')
    x = yield 'g2 spam'
    print(f'g2 received {x}')
    got = yield from g3()
    print(f'g2 got {got} from g3')
    x = yield 'g2 more spam'
    print(f'g2 received {x}')
    print('Finishing g2')
    return 'g2 result'


def g1():
    print('Starting g1')
    x = yield 'g1 ham'
    print(f'g1 received {x}')
    got = yield from g2()
    print(f'g1 got {got} from g2')
    x = yield 'g1 eggs'
    print(f'g1 received {x}')
    print('Finishing g1')
    return 'g1 result'


g = g1()
outcome(next, g, label='Yielded')
for v in range(1, 6):
    outcome(g.send, v, label='Yielded')
