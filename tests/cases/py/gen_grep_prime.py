# SPDX-License-Identifier: MIT
"""gen_grep_prime: Beazley's grep coroutine primed by hand. Making it runs
nothing, next() runs it to its first yield, each send returns None, close
ends it (docs/semantics.md items 1, 8, 9)."""
from casekit import state


def grep(pattern):
    print(f'looking for {pattern}')
    while True:
        line = yield
        print(f'recv {line}')
        if pattern in line:
            print(f'match {line}')


g = grep('python')
print('created')
state(g)
print(f'primed, next returned {next(g)}')
state(g)
for text in ('Yeah, but no, but yeah, but no', 'A series of tubes',
             'python generators rock!'):
    print(f'send returned {g.send(text)}')
state(g)
print(f'close returned {g.close()}')
state(g)
