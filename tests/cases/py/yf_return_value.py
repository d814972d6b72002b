# SPDX-License-Identifier: MIT
"""yf_return_value: a collector gathers the totals its summing
subcoroutines return through yield from; closing the collector closes the
summer it is delegating to first (docs/semantics.md items 53, 56)."""
from casekit import outcome


def summer(name):
    total = 0
    try:
        while True:
            x = yield
            if x is None:
                print(f'{name} returning {total}')
                return total
            print(f'{name} recv {x}')
            total += x
    finally:
        print(f'{name} finally')


def collector():
    try:
        for name in ('summer1', 'summer2', 'summer3'):
            print(f'collector starts {name}')
            got = yield from summer(name)
            print(f'collector got {got}')
    finally:
        print('collector finally')


c = collector()
next(c)
for v in (1, 2, 3, None, 10, None, 7):
    outcome(c.send, v, label=f'send {v} returned')
outcome(c.close, label='close returned')
