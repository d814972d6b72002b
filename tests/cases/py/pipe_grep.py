# SPDX-License-Identifier: MIT
"""pipe_grep: source -> grep -> printer. The source sends each line and
finally closes its target; each send runs down the pipeline before it
returns; the close travels down the same way (docs/semantics.md items 12,
61, 64)."""
from casekit import coroutine


@coroutine
def printer():
    try:
        while True:
            print(f'printer {(yield)}')
    except GeneratorExit:
        print('printer closed')


@coroutine
def grep(pattern, target):
    try:
        while True:
            line = yield
            if pattern in line:
                print(f'grep {pattern} pass {line}')
                target.send(line)
            else:
                print(f'grep {pattern} drop {line}')
    except GeneratorExit:
        print(f'grep {pattern} closing target')
        target.close()


def source(lines, target):
    for line in lines:
        print(f'source send {line}')
        target.send(line)
    print('source closing target')
    target.close()
    print('source done')


source(['GET /python/index.html', 'GET /images/logo.gif',
        'GET /python/tutorial.pdf'], grep('python', printer()))
