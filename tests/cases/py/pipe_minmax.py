# SPDX-License-Identifier: MIT
"""pipe_minmax: a broadcast to min, max and count sinks that report what
they found when the pipeline is closed; a sink also answers a direct send
with its current value (docs/semantics.md items 43, 62, 64)."""
from casekit import coroutine


@coroutine
def extreme(name, better):
    best = None
    try:
        while True:
            x = yield best
            if best is None or better(x, best):
                best = x
                print(f'{name} now {best}')
    except GeneratorExit:
        print(f'{name} result {best}')


@coroutine
def count():
    n = 0
    try:
        while True:
            yield n
            n += 1
    except GeneratorExit:
        print(f'count result {n}')


@coroutine
def broadcast(targets):
    try:
        while True:
            x = yield
            for t in targets:
                t.send(x)
    finally:
        for t in targets:
            t.close()


low = extreme('min', lambda a, b: a < b)
high = extreme('max', lambda a, b: a > b)
hub = broadcast([low, high, count()])
for x in (5, 3, 9, 1, 7, 9):
    print(f'send {x}')
    hub.send(x)
print(f'direct send 4 to min returned {low.send(4)}')
hub.close()
