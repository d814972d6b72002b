# mk/sched.mk - the sched layer (include/coflow/sched.h, src/sched/): tasks,
# traps, timers, the epoll and io_uring pollers, socket helpers; its tests,
# trace cases (tests/cases/sched_*_case.c), the pyos and echo examples, and
# the echo benchmarks (docs/sched.md).
#
#   make bench-echo   echo_blaster and echo_load: coflow (epoll, io_uring)
#                     against plain-C epoll, threads, Go and CPython;
#                     echo_load_cores: coflow on every core (one scheduler
#                     per thread, SO_REUSEPORT) against coflow on one core,
#                     C threads and Go with GOMAXPROCS=cores
#                     -> build/bench/results.tsv

# Cross builds leave the layer out (no liburing for the cross targets).
ifeq ($(filter cross-%,$(CONFIG)),)
LIB_SRC  += $(wildcard src/sched/*.c)
LIBS     += -luring
UNIT_SRC += $(wildcard tests/sched/*.c)
DEMO_PROGRAMS += pyos_roundrobin pyos_syscalls pyos_iopipe pyos_yieldfrom \
                 echoserver
# tests/sched/examples.c runs the echo and chat servers.
TEST_CFLAGS += -DCF_EXAMPLES_DIR='"$(B)/examples"'
$(B)/tests/unit: | $(B)/examples/echoserver $(B)/examples/chatserver
else
CASE_SRC := $(filter-out tests/cases/sched_%,$(CASE_SRC))
TEST_CFLAGS += -DCF_NO_SCHED
EXAMPLES := $(filter-out echoserver chatserver pyos_%,$(EXAMPLES))
endif

# ---- the echo benchmarks (shared/BENCH.md: echo_blaster, echo_load) ----
.PHONY: bench-echo
bench-extra: bench-echo
ECHO_B := build/bench
$(ECHO_B)/echo_load $(ECHO_B)/echo_c_epoll: $(ECHO_B)/%: bench/%.c
	@mkdir -p $(@D)
	gcc -std=gnu11 -D_GNU_SOURCE -O2 -g -o $@ $<
$(ECHO_B)/echo_c_threads: bench/echo_c_threads.c
	@mkdir -p $(@D)
	gcc -std=gnu11 -D_GNU_SOURCE -O2 -g -o $@ $< -lpthread
$(ECHO_B)/echo_coflow: bench/echo_coflow.c build/release/libcoflow.a
	@mkdir -p $(@D)
	gcc -std=gnu11 -D_GNU_SOURCE -O2 -g -Iinclude -o $@ $< build/release/libcoflow.a $(LIBS) -lpthread
$(ECHO_B)/echo_go: bench/echo_go.go
	@mkdir -p $(@D)
	$(BENCH_GO) go build -o $@ $< || echo "bench-echo: Go server not built" >&2

bench-echo:
	$(MAKE) CONFIG=release lib
	$(MAKE) $(ECHO_B)/echo_load $(ECHO_B)/echo_c_epoll $(ECHO_B)/echo_c_threads $(ECHO_B)/echo_coflow
	-$(MAKE) $(ECHO_B)/echo_go
	bench/echo_run.sh $(ECHO_B)

# ---- the chat example's throughput (reported, not in make bench) ----
.PHONY: bench-chat
$(ECHO_B)/chat_load: bench/chat_load.c build/release/libcoflow.a
	@mkdir -p $(@D)
	gcc -std=gnu11 -D_GNU_SOURCE -O2 -g -Iinclude -o $@ $< build/release/libcoflow.a $(LIBS) -lpthread
bench-chat:
	$(MAKE) CONFIG=release lib examples
	$(MAKE) $(ECHO_B)/chat_load
	build/release/examples/chatserver -p 0 > $(ECHO_B)/chat_port & \
	    sleep 0.5; port=$$(grep -o '[0-9]*$$' $(ECHO_B)/chat_port); \
	    for i in 1 2 3; do $(ECHO_B)/chat_load $$port 200 50; done; kill $$!
