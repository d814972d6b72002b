# SPDX-License-Identifier: MIT
"""tests/scale/gdb_check.py - what make check-gdb runs in gdb (batch mode),
after tools/gdb/coflow.py, on tests/scale/gdb_target: gdb must go through
coflow/core.h's inline cf_yield() as through a call.

- `coflow list`, and `coflow bt` of the suspended bodies: alpha and eps at
  rest in the inline yield's fast path (cf__yield_resume_inline), zeta
  (CF_CORO_FPENV) in the library's path under the inline entry;
- a stop at the entry (cf__yield_jump): the backtrace reaches the body;
  `finish` stops in the function that yielded when the body is resumed;
- `stepi` through the entry, the whole switch back to the sender included,
  and through the resume point back into the body: at every instruction
  the backtrace is whole (it ends in main, or at a coroutine's base);
- a stop in the library's path (cf__yield_jump_slow): its backtrace, and
  `finish` twice back into the body.

Prints "gdb-check: ok: ..." or "gdb-check: FAILED: ..." per check; the
Makefile fails on any FAILED, or on a missing ok.
"""
import re

import gdb

failed = []


def check(cond, what, text=''):
    if cond:
        print('gdb-check: ok: ' + what)
    else:
        failed.append(what)
        print('gdb-check: FAILED: ' + what)
        if text:
            print(text)


def run(cmd):
    return gdb.execute(cmd, to_string=True)


def here():
    """The function the pc is in (not a function inlined there)."""
    f = gdb.selected_frame()
    while f.type() == gdb.INLINE_FRAME and f.older() is not None:
        f = f.older()
    return f.name() or '?'


def whole(bt):
    """A backtrace that ends in main or at a coroutine's base (cf__start, or
    cf__start_body for a body primed at its creation)."""
    frames = [line for line in bt.splitlines() if line.startswith('#')]
    if not frames or 'Backtrace stopped' in bt or 'corrupt stack' in bt:
        return False
    return re.search(r'\b(main|cf__start|cf__start_body) \(', frames[-1]) is not None


def bt_reaches(bt, *names):
    return whole(bt) and all(re.search(r'\b%s \(' % n, bt) for n in names)


def step_through(inside, limit, what):
    """stepi while in one of `inside`, checking each backtrace; returns the
    number of instructions stepped."""
    n, bad = 0, ''
    while here() in inside and n < limit:
        bt = run('bt')
        if not whole(bt) and not bad:
            bad = 'at instruction %d:\n%s' % (n, bt)
        run('stepi')
        n += 1
    check(not bad, what + ' (%d instructions): every backtrace whole' % n, bad)
    return n


gdb.execute('set pagination off')
gdb.execute('set confirm off')
run('break coflow_gdb_stop')
run('run')
print(run('coflow list'))

for name, helper, body in (('alpha', 'alpha_helper', 'alpha_body'),
                           ('eps', 'eps_helper', 'eps_body'),
                           ('zeta', 'zeta_helper', 'zeta_body')):
    out = run('coflow bt ' + name)
    print(out)
    check(bt_reaches(out, helper, body),
          'coflow bt %s: the suspended body, through the inline yield' % name, out)

# eps, sent 10: its yield stops at the inline entry.
run('delete')
run('break *cf__yield_jump')
run('continue')
check(here() == 'cf__yield_jump', 'stopped at the inline entry', here())
out = run('bt')
print(out)
check(bt_reaches(out, 'eps_helper', 'eps_body'),
      'bt at the inline entry reaches the body', out)
run('delete')
out = run('finish')  # resumed by the send of 20
check(here() == 'eps_helper' and bt_reaches(run('bt'), 'eps_body'),
      'finish from the inline entry stops in eps_helper when it is resumed',
      out + run('bt'))

# eps yields again: through the whole entry, to the sender, by stepi.
run('break *cf__yield_jump')
run('continue')
n = step_through(('cf__yield_jump',), 200, 'stepi through the inline entry')
check(n > 20 and here() in ('main', 'cf_send'),
      'the entry returns to the sender', '%d instructions, now in %s' % (n, here()))
run('delete')
run('break *cf__yield_resume_inline')
run('continue')  # the send of 30 resumes it
check(bt_reaches(run('bt'), 'eps_helper', 'eps_body'),
      'bt at the resume point reaches the body', run('bt'))
step_through(('cf__yield_resume_inline',), 10, 'stepi through the resume point')
check(here() == 'eps_helper' and bt_reaches(run('bt'), 'eps_body'),
      'the resume point returns into eps_helper', here())

# zeta (CF_CORO_FPENV), sent 5: the library's path under the entry.
run('delete')
run('break cf__yield_jump_slow')
run('continue')
out = run('bt')
print(out)
check(bt_reaches(out, 'cf__yield_jump', 'zeta_helper', 'zeta_body'),
      "bt in the library's path reaches the body", out)
run('delete')
out = run('finish')  # resumed by the send of 7
check(here() == 'cf__yield_jump', 'finish from the library path stops in the entry',
      out)
out = run('finish')
check(here() == 'zeta_helper' and bt_reaches(run('bt'), 'zeta_body'),
      'finish from the entry stops in zeta_helper', out)

out = run('continue')
code = gdb.parse_and_eval('$_exitcode')
check(code.type.code != gdb.TYPE_CODE_VOID and int(code) == 0,
      'the target ran to its end and exited 0', out)
print('gdb-check: %s' % ('%d FAILED' % len(failed) if failed else 'all passed'))
