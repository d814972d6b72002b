# SPDX-License-Identifier: MIT
"""sched_io_pipe: pyos step 7. A consumer waits to read and a producer to
write on the two ends of an os.pipe; the I/O task selects on what they wait
for, without blocking while other tasks are ready, and returns when it is
the last task (docs/semantics.md item 72)."""
import os

from pyos import ReadWait, Scheduler, WriteWait

rfd, wfd = os.pipe()


def consumer():
    while True:
        yield ReadWait(rfd)
        data = os.read(rfd, 1024)
        if not data:
            print('consumer got end of file')
            break
        print(f'consumer read {data.decode()}')
    os.close(rfd)


def producer():
    for word in ('hello', 'world'):
        yield WriteWait(wfd)
        os.write(wfd, word.encode())
        print(f'producer wrote {word}')
        yield
        yield
    os.close(wfd)
    print('producer closed its end')


sched = Scheduler(with_io=True)
sched.new(consumer())
sched.new(producer())
sched.mainloop()
print('all tasks done')
