# SPDX-License-Identifier: MIT
"""gen_reentrant: a running generator cannot be resumed. The body calling
next/send/throw/close on itself gets "generator already executing"; so
does a pair of coroutines that send to each other: uncaught the error
closes both, caught both stay suspended (docs/semantics.md items 45, 46)."""
from casekit import exc_text, outcome, section, state


def selfish(me):
    for name, call in (('next', lambda: next(me[0])),
                       ('send', lambda: me[0].send(1)),
                       ('throw', lambda: me[0].throw(KeyError('x'))),
                       ('close', lambda: me[0].close())):
        try:
            call()
        except ValueError as e:
            print(f'{name} on self: error {exc_text(e)}')
    state(me[0], 'inside: ')
    yield 'still fine'


section('resuming itself')
box = []
g = selfish(box)
box.append(g)
outcome(next, g)
state(g)


def ping(peer):
    while True:
        x = yield
        print(f'ping recv {x}')
        peer[0].send(x + 1)


def pong(peer, catch):
    try:
        while True:
            y = yield
            print(f'pong recv {y}')
            try:
                peer[0].send(y + 1)
            except ValueError as e:
                if not catch:
                    raise
                print(f'pong caught {exc_text(e)}')
    finally:
        if not catch:
            print('pong finally')


for title, catch, first in (('send cycle, error propagates', False, 1),
                            ('send cycle, error caught', True, 10)):
    section(title)
    to_ping, to_pong = [], []
    a, b = ping(to_pong), pong(to_ping, catch)
    to_ping.append(a)
    to_pong.append(b)
    next(a)
    next(b)
    outcome(a.send, first, label='send returned')
    state(a, 'ping ')
    state(b, 'pong ')
