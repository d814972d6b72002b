# SPDX-License-Identifier: MIT
"""casekit - what the trace scripts share: how a trace line shows an
exception, a generator's state and the outcome of a resume operation
(docs/semantics.md, "Words used below")."""
import inspect


def exc_text(e):
    """'Type: message', or 'Type' alone when the message is empty."""
    msg = str(e)
    return f'{type(e).__name__}: {msg}' if msg else type(e).__name__


def state(g, who=''):
    print(f'{who}state {inspect.getgeneratorstate(g)}')


def outcome(call, *args, label='yielded', prefix=''):
    """Runs call(*args) and prints what came of it: 'LABEL V' for a value,
    'stop V' for a StopIteration, 'error ...' for anything else. Returns
    the value, or None."""
    try:
        value = call(*args)
    except StopIteration as e:
        print(f'{prefix}stop {e.value}')
    except Exception as e:
        print(f'{prefix}error {exc_text(e)}')
    else:
        print(f'{prefix}{label} {value}')
        return value
    return None


def section(title):
    print(f'-- {title}')


def coroutine(genfunc):
    """Beazley's priming decorator: the generator comes back started."""
    def start(*args, **kwargs):
        g = genfunc(*args, **kwargs)
        next(g)
        return g
    start.__name__ = genfunc.__name__
    return start
