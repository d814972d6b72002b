# SPDX-License-Identifier: MIT
"""pyos - a small cooperative task scheduler in the manner of Beazley's
pyos (docs/semantics.md items 69-72), for the sched_* trace scripts.

Tasks get tids 1, 2, 3, ... in creation order; running a task sends it its
sendval, which a system call sets and nothing clears. with_io=True adds the
I/O task when mainloop() starts; it polls the parked readers and writers
(without blocking while other tasks are ready) and returns when it is the
only task left, so that mainloop() ends."""
import itertools
import select
from collections import deque


class Task:
    _tids = itertools.count(1)

    def __init__(self, target):
        self.tid = next(Task._tids)
        self.target = target
        self.sendval = None

    def run(self):
        return self.target.send(self.sendval)


class SystemCall:
    """What a task yields to ask the scheduler for something; handle()
    decides when the task runs again."""

    def handle(self, sched, task):
        raise NotImplementedError


class Scheduler:
    def __init__(self, with_io=False):
        self.ready = deque()
        self.taskmap = {}
        self.waiting = {}
        self.readers = {}
        self.writers = {}
        self.with_io = with_io

    def new(self, target):
        task = Task(target)
        self.taskmap[task.tid] = task
        self.schedule(task)
        return task.tid

    def schedule(self, task):
        self.ready.append(task)

    def exit(self, task):
        print(f'Task {task.tid} terminated')
        del self.taskmap[task.tid]
        for waiter in self.waiting.pop(task.tid, []):
            self.schedule(waiter)

    def wait_for_exit(self, task, tid):
        if tid not in self.taskmap:
            return False
        self.waiting.setdefault(tid, []).append(task)
        return True

    def wait_read(self, task, fd):
        print(f'task {task.tid} waits to read')
        self.readers[fd] = task

    def wait_write(self, task, fd):
        print(f'task {task.tid} waits to write')
        self.writers[fd] = task

    def iopoll(self, timeout):
        if not self.readers and not self.writers:
            return
        r, w, _ = select.select(list(self.readers), list(self.writers), [],
                                timeout)
        for fd in r:
            task = self.readers.pop(fd)
            print(f'iopoll: task {task.tid} can read')
            self.schedule(task)
        for fd in w:
            task = self.writers.pop(fd)
            print(f'iopoll: task {task.tid} can write')
            self.schedule(task)

    def iotask(self):
        while len(self.taskmap) > 1:
            self.iopoll(0 if self.ready else None)
            yield

    def mainloop(self):
        if self.with_io:
            self.new(self.iotask())
        while self.taskmap:
            task = self.ready.popleft()
            try:
                result = task.run()
            except StopIteration:
                self.exit(task)
                continue
            if isinstance(result, SystemCall):
                result.handle(self, task)
            else:
                self.schedule(task)


class GetTid(SystemCall):
    def handle(self, sched, task):
        task.sendval = task.tid
        sched.schedule(task)


class NewTask(SystemCall):
    def __init__(self, target):
        self.target = target

    def handle(self, sched, task):
        task.sendval = sched.new(self.target)
        sched.schedule(task)


class KillTask(SystemCall):
    def __init__(self, tid):
        self.tid = tid

    def handle(self, sched, task):
        victim = sched.taskmap.get(self.tid)
        if victim is not None:
            victim.target.close()
        task.sendval = victim is not None
        sched.schedule(task)


class WaitTask(SystemCall):
    def __init__(self, tid):
        self.tid = tid

    def handle(self, sched, task):
        parked = sched.wait_for_exit(task, self.tid)
        task.sendval = parked
        if not parked:
            sched.schedule(task)


class ReadWait(SystemCall):
    def __init__(self, f):
        self.fd = f if isinstance(f, int) else f.fileno()

    def handle(self, sched, task):
        sched.wait_read(task, self.fd)


class WriteWait(SystemCall):
    def __init__(self, f):
        self.fd = f if isinstance(f, int) else f.fileno()

    def handle(self, sched, task):
        sched.wait_write(task, self.fd)
