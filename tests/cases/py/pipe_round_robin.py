# SPDX-License-Identifier: MIT
"""pipe_round_robin: the course's exercise. A squarer sends each square to
a dispatcher that alternates between consumers A and B; closing the
squarer closes the dispatcher, which closes A then B, and each prints what
it collected (docs/semantics.md items 64, 65)."""
from casekit import coroutine


@coroutine
def consumer(name):
    got = []
    try:
        while True:
            x = yield
            print(f'{name} recv {x}')
            got.append(x)
    except GeneratorExit:
        print(f'{name} list {got}')


@coroutine
def dispatcher(targets):
    turn = 0
    try:
        while True:
            x = yield
            targets[turn].send(x)
            turn = (turn + 1) % len(targets)
    except GeneratorExit:
        print('dispatcher closing consumers')
        for t in targets:
            t.close()


@coroutine
def squarer(target):
    try:
        while True:
            x = yield
            print(f'squarer recv {x}')
            target.send(x * x)
    except GeneratorExit:
        print('squarer closing dispatcher')
        target.close()


head = squarer(dispatcher([consumer('A'), consumer('B')]))
for x in range(1, 8):
    head.send(x)
head.close()
print('done')
