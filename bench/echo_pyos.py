# bench/echo_pyos.py - the seeds' own scheduler design (Beazley's pyos7/8:
# tasks are generators, traps are SystemCall objects, an iotask polls with
# select()) serving the echo benchmark on 127.0.0.1. Prints its port.
import select
import socket
import sys
from collections import deque


class Task:
    taskid = 0

    def __init__(self, target):
        Task.taskid += 1
        self.tid = Task.taskid
        self.target = target
        self.sendval = None

    def run(self):
        return self.target.send(self.sendval)


class SystemCall:
    def handle(self):
        pass


class NewTask(SystemCall):
    def __init__(self, target):
        self.target = target

    def handle(self):
        self.task.sendval = self.sched.new(self.target)
        self.sched.schedule(self.task)


class ReadWait(SystemCall):
    def __init__(self, f):
        self.f = f

    def handle(self):
        self.sched.read_waiting[self.f.fileno()] = self.task


class WriteWait(SystemCall):
    def __init__(self, f):
        self.f = f

    def handle(self):
        self.sched.write_waiting[self.f.fileno()] = self.task


class Scheduler:
    def __init__(self):
        self.ready = deque()
        self.taskmap = {}
        self.read_waiting = {}
        self.write_waiting = {}

    def new(self, target):
        t = Task(target)
        self.taskmap[t.tid] = t
        self.schedule(t)
        return t.tid

    def schedule(self, task):
        self.ready.append(task)

    def iopoll(self, timeout):
        if self.read_waiting or self.write_waiting:
            r, w, e = select.select(self.read_waiting, self.write_waiting, [],
                                    timeout)
            for fd in r:
                self.schedule(self.read_waiting.pop(fd))
            for fd in w:
                self.schedule(self.write_waiting.pop(fd))

    def iotask(self):
        while True:
            self.iopoll(0 if self.ready else None)
            yield

    def mainloop(self):
        self.new(self.iotask())
        while self.taskmap:
            task = self.ready.popleft()
            try:
                result = task.run()
                if isinstance(result, SystemCall):
                    result.task = task
                    result.sched = self
                    result.handle()
                    continue
            except StopIteration:
                del self.taskmap[task.tid]
                continue
            self.schedule(task)


def handle_client(client):
    while True:
        yield ReadWait(client)
        data = client.recv(65536)
        if not data:
            break
        yield WriteWait(client)
        client.send(data)
    client.close()


def server(sock):
    while True:
        yield ReadWait(sock)
        client, addr = sock.accept()
        client.setblocking(False)
        yield NewTask(handle_client(client))


sock = socket.socket()
sock.bind(("127.0.0.1", 0))
sock.listen(1024)
sock.setblocking(False)
print(sock.getsockname()[1])
sys.stdout.flush()
sched = Scheduler()
sched.new(server(sock))
sched.mainloop()
