# SPDX-License-Identifier: MIT
"""tools/gdb/coflow.py - gdb commands for coflow's coroutines.

    (gdb) source tools/gdb/coflow.py
    (gdb) coflow list              every live coroutine: name, state, stack
    (gdb) coflow bt NAME|ADDRESS   the backtrace of a suspended coroutine

The list walks the stack pool's slabs (a body coroutine lives at the top of
its stack slot, core/stack.c) and the list of handlers (core/registry.c),
from memory only, so it also works on a core file. The backtrace (x86-64)
reads the frame a suspended coroutine left at its saved stack pointer -
r15 r14 r13 r12 rbx rbp, then the resume address (arch/x86_64/switch.S) -
points the current thread's registers there for one `bt`, and puts them
back; it needs a live process.
"""
import gdb

LIVE = 0xc0f10a11
STATES = {0: 'GEN_CREATED', 1: 'GEN_RUNNING', 2: 'GEN_SUSPENDED', 3: 'GEN_CLOSED'}
SAVED = ['r15', 'r14', 'r13', 'r12', 'rbx', 'rbp']


def _coros():
    coro_t = gdb.lookup_type('struct cf_coro')
    space = (coro_t.sizeof + 63) & ~63
    slab = gdb.parse_and_eval('cf__slabs')
    while int(slab) != 0:
        base, size = int(slab['base']), int(slab['slot_size'])
        for i in range(int(slab['carved'])):
            addr = base + i * size + size - space
            co = gdb.Value(addr).cast(coro_t.pointer())
            if int(co['magic']) == LIVE:
                yield co
        slab = slab['next']
    h = gdb.parse_and_eval('cf__handlers')
    while int(h) != 0:
        yield h
        h = h['reg_next']


def _name(co):
    return co['name'].string()


def _find(arg):
    arg = arg.strip()
    for co in _coros():
        if _name(co) == arg or (arg.startswith('0x') and int(co) == int(arg, 16)):
            return co
    raise gdb.GdbError('coflow: no live coroutine %r' % arg)


class Coflow(gdb.Command):
    """coflow list | coflow bt NAME|ADDRESS: coflow's coroutines."""

    def __init__(self):
        super().__init__('coflow', gdb.COMMAND_USER, prefix=True)


class CoflowList(gdb.Command):
    """List every live coroutine: address, kind, state, name, stack."""

    def __init__(self):
        super().__init__('coflow list', gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        n = 0
        for co in _coros():
            n += 1
            state = STATES.get(int(co['state']), '?')
            if int(co['slab']) == 0:
                print('%#x  handler  %-13s  %s' % (int(co), state, _name(co)))
                continue
            lo = int(co['base']['stack_lo'])
            size = int(co['base']['stack_size'])
            depth = ''
            if state == 'GEN_SUSPENDED':
                depth = ', %d bytes deep now' % (lo + size - int(co['base']['ctx']['sp']))
            print('%#x  body     %-13s  %s  (stack %d KiB%s)' % (
                int(co), state, _name(co), int(co['stack_req']) // 1024, depth))
        print('%d live coroutines' % n)


class CoflowBt(gdb.Command):
    """Print the backtrace of a suspended body coroutine (x86-64)."""

    def __init__(self):
        super().__init__('coflow bt', gdb.COMMAND_USER)

    def invoke(self, arg, from_tty):
        co = _find(arg)
        if int(co['slab']) == 0:
            raise gdb.GdbError('coflow: %s is a handler: it has no stack' % _name(co))
        state = STATES.get(int(co['state']), '?')
        if state != 'GEN_SUSPENDED':
            raise gdb.GdbError('coflow: %s is %s, not suspended' % (_name(co), state))
        u64 = gdb.lookup_type('unsigned long').pointer()
        sp = int(co['base']['ctx']['sp'])
        word = lambda a: int(gdb.Value(a).cast(u64).dereference())
        regs = {r: word(sp + 8 * i) for i, r in enumerate(SAVED)}
        pc, rsp = word(sp + 48), sp + 56
        regs['rip'], regs['rsp'] = pc, rsp
        gdb.execute('select-frame 0')
        saved = {r: int(gdb.parse_and_eval('$' + r)) for r in regs}
        print('coroutine %s (%#x), suspended:' % (_name(co), int(co)))
        try:
            for r, v in regs.items():
                gdb.execute('set $%s = %#x' % (r, v))
            gdb.execute('bt')
        finally:
            for r, v in saved.items():
                gdb.execute('set $%s = %#x' % (r, v))
            gdb.execute('select-frame 0')


Coflow()
CoflowList()
CoflowBt()
