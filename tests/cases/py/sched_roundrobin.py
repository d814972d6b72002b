# SPDX-License-Identifier: MIT
"""sched_roundrobin: pyos steps 1-4. Two tasks take turns in a FIFO ready
queue, each learns its tid with GetTid, an ending task is reaped with "Task
N terminated", and a plain yield after a system call receives the stale
sendval again (docs/semantics.md items 69, 70)."""
from pyos import GetTid, Scheduler


def foo():
    tid = yield GetTid()
    for _ in range(3):
        print(f"I'm foo {tid}")
        yield


def bar():
    tid = yield GetTid()
    got = None
    for _ in range(5):
        print(f"I'm bar {tid}")
        got = yield
    print(f"bar's plain yield received {got} (stale sendval)")


sched = Scheduler()
sched.new(foo())
sched.new(bar())
sched.mainloop()
print('all tasks done')
