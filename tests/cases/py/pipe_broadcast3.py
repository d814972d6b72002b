# SPDX-License-Identifier: MIT
"""pipe_broadcast3: Beazley's cobroadcast. Each line goes to three
grep -> printer branches in order, each branch done with it before the next
gets it; closing the broadcaster closes the branches in order, each down to
its printer (docs/semantics.md items 62, 64)."""
from casekit import coroutine


@coroutine
def printer(name):
    try:
        while True:
            line = yield
            print(f'printer {name}: {line}')
    except GeneratorExit:
        print(f'printer {name} closed')


@coroutine
def grep(pattern, target):
    try:
        while True:
            line = yield
            if pattern in line:
                target.send(line)
    except GeneratorExit:
        print(f'grep {pattern} closing')
        target.close()


@coroutine
def broadcast(targets):
    try:
        while True:
            item = yield
            for t in targets:
                t.send(item)
    except GeneratorExit:
        print('broadcast closing targets')
        for t in targets:
            t.close()


hub = broadcast([grep(word, printer(word)) for word in ('python', 'ply', 'swig')])
for line in ('GET /python/index.html', 'GET /ply/index.html',
             'GET /images/logo.gif', 'GET /swig/python-swig.html',
             'GET /ply/ply-swig-python.tar.gz'):
    print(f'send {line}')
    hub.send(line)
hub.close()
