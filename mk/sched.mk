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
#   make bench-chan   chan_pingpong (one scheduler, Go GOMAXPROCS=1) and
#                     chan_pingpong_xcore (two schedulers, GOMAXPROCS=2)
#                     -> build/bench/results.tsv

# Cross builds leave the layer out (no liburing for the cross targets).
# libcoflow-sched: the core below it (its public API only), liburing.
ifeq ($(filter cross-%,$(CONFIG)),)
LAYERS     += sched
sched_SRC  := $(wildcard src/sched/*.c)
sched_USES := core
sched_EXT  := -luring
sched_PC   := liburing
UNIT_SRC   += $(wildcard tests/sched/*.c)
$(foreach e,echoserver chatserver echo_cores pyos_roundrobin pyos_syscalls \
    pyos_iopipe pyos_yieldfrom fanout,$(eval EXAMPLE_LAYERS_$e := sched))
DEMO_PROGRAMS += pyos_roundrobin pyos_syscalls pyos_iopipe pyos_yieldfrom \
                 echoserver fanout
# tests/sched/examples.c runs the echo and chat servers.
TEST_CFLAGS += -DCF_EXAMPLES_DIR='"$(B)/examples"'
$(B)/tests/unit: | $(B)/examples/echoserver $(B)/examples/chatserver
else
CASE_SRC := $(filter-out tests/cases/sched_%,$(CASE_SRC))
TEST_CFLAGS += -DCF_NO_SCHED
EXAMPLES := $(filter-out echoserver chatserver echo_cores pyos_% fanout,$(EXAMPLES))
endif

# ---- TSan: the pool's cross-scheduler tests in a program of their own ----
# Criterion does not start under TSan; tests/sched/pool.c uses only the
# part of its interface that tests/bridge/tsan/ stands in for.
.PHONY: check-sched-tsan
ifeq ($(filter cross-%,$(CONFIG)),)
test-extra: check-sched-tsan
endif

SCHED_TSAN_SRC := tests/sched/pool.c tests/bridge/tsan/main.c
SCHED_TSAN_LIB := $(call lib_a,sched,build/tsan)
build/tsan/tests/sched_pool: $(SCHED_TSAN_SRC) $(SCHED_TSAN_LIB) \
                             tests/bridge/tsan/criterion/criterion.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -Itests/bridge/tsan -o $@ $(SCHED_TSAN_SRC) \
	    $(SCHED_TSAN_LIB) $(LDFLAGS) $(call lib_ext,sched)

check-sched-tsan:
	$(MAKE) CONFIG=tsan $(SCHED_TSAN_LIB) build/tsan/tests/sched_pool
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" build/tsan/tests/sched_pool

# ---- the echo benchmarks (bench/README.md: echo_blaster, echo_load) ----
.PHONY: bench-echo
bench-extra: bench-echo
ECHO_B := build/bench
$(ECHO_B)/echo_load $(ECHO_B)/echo_c_epoll: $(ECHO_B)/%: bench/%.c
	@mkdir -p $(@D)
	gcc -std=gnu11 -D_GNU_SOURCE -O2 -g -o $@ $<
$(ECHO_B)/echo_c_threads: bench/echo_c_threads.c
	@mkdir -p $(@D)
	gcc -std=gnu11 -D_GNU_SOURCE -O2 -g -o $@ $< -lpthread
$(ECHO_B)/echo_coflow: bench/echo_coflow.c $(call lib_a,sched,build/release)
	@mkdir -p $(@D)
	gcc -std=gnu11 -D_GNU_SOURCE -O2 -g -Iinclude -o $@ $< \
	    $(call lib_a,sched,build/release) $(call lib_ext,sched) -lpthread
$(ECHO_B)/echo_go: bench/echo_go.go
	@mkdir -p $(@D)
	$(BENCH_GO) go build -o $@ $< || echo "bench-echo: Go server not built" >&2

# ECHO_SKIP: servers whose echo_blaster/echo_load bench/echo_run.sh leaves
# out (make bench: the three bench-echo-pinned measures).
ECHO_SKIP ?=
bench-echo:
	$(MAKE) CONFIG=release lib
	$(MAKE) $(ECHO_B)/echo_load $(ECHO_B)/echo_c_epoll $(ECHO_B)/echo_c_threads $(ECHO_B)/echo_coflow
	-$(MAKE) $(ECHO_B)/echo_go
	ECHO_SKIP="$(ECHO_SKIP)" bench/echo_run.sh $(ECHO_B)

# ---- the channel benchmarks (chan_pingpong, chan_pingpong_xcore) ----
.PHONY: bench-chan
bench-extra: bench-chan
$(ECHO_B)/chan_coflow: bench/chan_coflow.c $(call lib_a,sched,build/release)
	@mkdir -p $(@D)
	gcc -std=gnu11 -D_GNU_SOURCE -O2 -g -Iinclude -o $@ $< \
	    $(call lib_a,sched,build/release) $(call lib_ext,sched)
$(ECHO_B)/chan_go: bench/chan_go.go
	@mkdir -p $(@D)
	$(BENCH_GO) go build -o $@ $< || echo "bench-chan: Go peer not built" >&2

bench-chan:
	$(MAKE) CONFIG=release lib
	$(MAKE) $(ECHO_B)/chan_coflow
	-$(MAKE) $(ECHO_B)/chan_go
	bench/chan_run.sh $(ECHO_B)

# ---- the chat example's throughput (reported, not in make bench) ----
.PHONY: bench-chat
$(ECHO_B)/chat_load: bench/chat_load.c $(call lib_a,sched,build/release)
	@mkdir -p $(@D)
	gcc -std=gnu11 -D_GNU_SOURCE -O2 -g -Iinclude -o $@ $< \
	    $(call lib_a,sched,build/release) $(call lib_ext,sched) -lpthread
bench-chat:
	$(MAKE) CONFIG=release lib examples
	$(MAKE) $(ECHO_B)/chat_load
	build/release/examples/chatserver -p 0 > $(ECHO_B)/chat_port & \
	    sleep 0.5; port=$$(grep -o '[0-9]*$$' $(ECHO_B)/chat_port); \
	    for i in 1 2 3; do $(ECHO_B)/chat_load $$port 200 50; done; kill $$!
