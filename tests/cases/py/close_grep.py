# SPDX-License-Identifier: MIT
"""close_grep: Beazley's grepclose. close() raises GeneratorExit at the
paused yield, the handler says goodbye and close() returns None; a second
close() does nothing; a send afterwards stops (docs/semantics.md items 32,
35)."""
from casekit import outcome, state


def grep(pattern):
    print(f'looking for {pattern}')
    try:
        while True:
            line = yield
            if pattern in line:
                print(f'match {line}')
    except GeneratorExit:
        print('going away. goodbye')


g = grep('python')
next(g)
g.send('ruby is fine')
g.send('python generators rock!')
outcome(g.close, label='close returned')
state(g)
outcome(g.close, label='close again returned')
outcome(g.send, 'python again', prefix='send after close: ')
