# mk/scale.mk - coflow at scale and under stress (issue 4), all part of make
# test through test-extra:
#
#   make check-fault   CONFIG=fault (-DCF_FAULT_INJECTION): fail each
#                      allocation and mapping in turn, under Valgrind: the
#                      core's calls (tests/fault), the scheduler's task
#                      starts (tests/sched_fault)
#   make check-scale   one million live guarded coroutines (skipped where
#                      memory is short)
#   make check-gdb     tools/gdb/coflow.py in gdb's batch mode
#
# The scheduler's starts (tests/scale/sched_fault.c): the sched layer too.
$(B)/tests/sched_fault: $(B)/tests/scale/sched_fault.o $(B)/libcoflow-sched.a $(B)/libcoflow.a
	$(CC) -o $@ $^ $(LDFLAGS) -luring -lpthread

# bench/coflow_scale.c (create_1m, rss_per_coroutine) is built with the
# other benchmark programs (mk/bench.mk).

ifeq ($(CONFIG),fault)
CFLAGS += -DCF_FAULT_INJECTION
endif

.PHONY: check-fault check-fault-run check-scale check-scale-run check-gdb check-gdb-run
test-extra: check-fault check-scale check-gdb

check-fault:
	$(MAKE) CONFIG=fault check-fault-run

check-fault-run: $(B)/tests/fault $(B)/tests/sched_fault
	$(VALGRIND) $(B)/tests/fault
	$(VALGRIND) $(B)/tests/sched_fault

check-scale:
	$(MAKE) CONFIG=release check-scale-run

check-scale-run: $(B)/tests/million
	$(B)/tests/million

check-gdb:
	@if command -v gdb >/dev/null 2>&1; then $(MAKE) CONFIG=debug check-gdb-run; \
	 else echo "check-gdb: skipped: gdb is not installed"; fi

GDB_OUT := $(B)/tests/gdb.out
check-gdb-run: $(B)/tests/gdb_target
	gdb -nx -batch -ex 'source tools/gdb/coflow.py' -ex 'source tests/scale/gdb_check.py' \
	    $(B)/tests/gdb_target > $(GDB_OUT) 2>&1 || { cat $(GDB_OUT); exit 1; }
	@cat $(GDB_OUT) | grep -v '^\['
	@! grep -q 'gdb-check: FAILED' $(GDB_OUT) || { echo "check-gdb: failed"; exit 1; }
	@for want in 'GEN_SUSPENDED +alpha' 'GEN_CREATED +beta' 'GEN_CLOSED +gamma' \
	             'handler +GEN_CREATED +delta' 'GEN_SUSPENDED +eps' \
	             'GEN_SUSPENDED +zeta' '6 live coroutines' \
	             'alpha_helper \(x=1\)' 'in alpha_body' 'gdb-check: all passed'; do \
	    grep -Eq -- "$$want" $(GDB_OUT) || { echo "check-gdb: missing: $$want"; exit 1; }; \
	done; echo "check-gdb: the coroutines, their backtraces through the inline yield, finish and stepi there"

# Core-only programs: libcoflow.a alone.
$(B)/tests/fault $(B)/tests/million $(B)/tests/gdb_target: $(B)/tests/%: $(B)/tests/scale/%.o $(B)/libcoflow.a
	$(CC) -o $@ $^ $(LDFLAGS)

# bench/coflow_scale.c: create_1m and rss_per_coroutine (bench/run.py).
bench-programs: $(BENCH_B)/coflow_scale

$(BENCH_B)/coflow_scale: bench/coflow_scale.c bench/bench.h $(BENCH_LIB)
	@$(call bench_log,$(CC_release) $(BENCH_CFLAGS) -o $@ bench/coflow_scale.c $(BENCH_LIB))
