# SPDX-License-Identifier: MIT
"""gen_priming_decorator: a value sent to an unstarted generator is refused
and it stays created; send(None) starts it; a priming decorator runs the
body to its first yield at construction (docs/semantics.md items 7, 10,
11)."""
import functools

from casekit import exc_text, section, state


def primed(genfunc):
    @functools.wraps(genfunc)
    def make(*args, **kwargs):
        g = genfunc(*args, **kwargs)
        print('decorator: priming')
        next(g)
        return g
    return make


def grep(pattern):
    print(f'looking for {pattern}')
    while True:
        line = yield
        if pattern in line:
            print(f'match {line}')


section('unprimed')
g = grep('python')
try:
    g.send('python too early')
except TypeError as e:
    print(f'error {exc_text(e)}')
state(g)
print(f'send None returned {g.send(None)}')
state(g)
g.send('python rocks')
g.close()
state(g)

section('decorated')
h = primed(grep)('ply')
state(h)
h.send('ply is nice')
h.close()
state(h)
