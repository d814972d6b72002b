# mk/sched.mk - the sched layer (include/coflow/sched.h, src/sched/): tasks,
# traps, timers, the epoll and io_uring pollers, socket helpers; its tests,
# trace cases (tests/cases/sched_*_case.c), the pyos and echo examples, and
# the echo benchmarks (docs/sched.md).
#
#   make bench-echo   echo_blaster and echo_load: coflow (epoll, io_uring)
#                     against plain-C epoll, threads, Go and CPython
#                     -> build/bench/results.tsv

# Cross builds leave the layer out (no liburing for the cross targets).
ifeq ($(filter cross-%,$(CONFIG)),)
LIB_SRC  += $(wildcard src/sched/*.c)
LIBS     += -luring
UNIT_SRC += $(wildcard tests/sched/*.c)
DEMO_PROGRAMS += pyos_roundrobin pyos_syscalls pyos_iopipe pyos_yieldfrom \
                 echoserver
else
CASE_SRC := $(filter-out tests/cases/sched_%,$(CASE_SRC))
TEST_CFLAGS += -DCF_NO_SCHED
EXAMPLES := $(filter-out echoserver pyos_%,$(EXAMPLES))
endif
