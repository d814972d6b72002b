# SPDX-License-Identifier: MIT
"""sched_syscalls: pyos steps 5-6. NewTask, KillTask (which closes the task
at once; it is reaped when next run) and WaitTask, each also with a tid
that does not exist (docs/semantics.md items 70, 71)."""
from pyos import GetTid, KillTask, NewTask, Scheduler, WaitTask


def foo():
    tid = yield GetTid()
    try:
        while True:
            print(f"I'm foo {tid}")
            yield
    finally:
        print(f'foo {tid} cleanup')


def worker():
    tid = yield GetTid()
    for step in range(2):
        print(f'worker {tid} step {step}')
        yield
    print(f'worker {tid} exiting')


def main():
    me = yield GetTid()
    child = yield NewTask(foo())
    print(f'main {me} started foo as task {child}')
    for _ in range(3):
        yield
    killed = yield KillTask(child)
    print(f'main killed task {child}: {killed}')
    killed = yield KillTask(99)
    print(f'main kill task 99: {killed}')
    w = yield NewTask(worker())
    print(f'main waiting for task {w}')
    waited = yield WaitTask(w)
    print(f'main wait for task {w} returned {waited}')
    waited = yield WaitTask(99)
    print(f'main wait for task 99 returned {waited}')
    print('main done')


sched = Scheduler()
sched.new(main())
sched.mainloop()
print('all tasks done')
