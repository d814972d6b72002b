# mk/bridge.mk - the bridge layer (include/coflow/bridge.h, src/bridge/):
# pipeline stages on another thread, in a child process, over ZeroMQ;
# its tests, examples, demo, checks and benchmarks (docs/bridge.md).
#
#   make check-bridge-tsan    the thread-bridge tests built with CONFIG=tsan
#   make check-bridge-fuzz    a short libFuzzer run on the frame decoder
#   make fuzz                 every fuzz target for FUZZ_SECONDS (300) each
#   make bridge-demo          the three-process ZeroMQ log pipeline
#   make bench-bridge         bridge_thread, bridge_process, bridge_zmq
#                             -> build/bench/results.tsv

# Like the pipe layer, which it builds on, the layer stays out of the
# cross builds.
# libcoflow-bridge: the sched layer (a thread stage waits on an eventfd in
# a scheduler's task), the pipe layer and the core, MessagePack and ZeroMQ.
ifeq ($(filter cross-%,$(CONFIG)),)
LAYERS      += bridge
bridge_SRC  := $(wildcard src/bridge/*.c)
bridge_USES := sched pipe core
bridge_EXT  := -lmsgpackc -lzmq
bridge_PC   := msgpack libzmq
UNIT_SRC    += $(wildcard tests/bridge/*.c)
$(foreach e,coprocess cothread zmq_pipeline,$(eval EXAMPLE_LAYERS_$e := bridge))
else
EXAMPLES := $(filter-out cothread coprocess zmq_pipeline,$(EXAMPLES))
endif

# ---- TSan: the thread stage's tests in a program of their own ----
# Criterion does not start under TSan, so tests/bridge/thread.c is built
# against a stand-in for the part of its interface it uses
# (tests/bridge/tsan/) and run in one process.
.PHONY: check-bridge-tsan check-bridge-fuzz bridge-demo bench-bridge
test-extra: check-bridge-tsan check-bridge-fuzz

BRIDGE_TSAN_SRC := tests/bridge/thread.c tests/bridge/common.c tests/support.c \
                   tests/bridge/tsan/main.c
BRIDGE_TSAN_LIB := $(call lib_a,bridge,build/tsan)
build/tsan/tests/bridge_thread: $(BRIDGE_TSAN_SRC) $(BRIDGE_TSAN_LIB) \
                                tests/bridge/tsan/criterion/criterion.h
	@mkdir -p $(@D)
	$(CC) $(TEST_CFLAGS) -Itests/bridge/tsan -o $@ $(BRIDGE_TSAN_SRC) \
	    $(BRIDGE_TSAN_LIB) $(LDFLAGS) $(call lib_ext,bridge)

check-bridge-tsan:
	$(MAKE) CONFIG=tsan $(BRIDGE_TSAN_LIB) build/tsan/tests/bridge_thread
	TSAN_OPTIONS="halt_on_error=1 exitcode=66" \
	    build/tsan/tests/bridge_thread

# ---- libFuzzer on the frame decoder ----
BRIDGE_FUZZ_SECONDS ?= 20
BRIDGE_FUZZ_CFLAGS := -std=gnu11 -D_GNU_SOURCE -g -O1 -Iinclude -I$(ARCHDIR) \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
# The frame code built with the fuzzer's instrumentation, over the pipe
# layer and the core it uses.
BRIDGE_FUZZ_LIB := $(call lib_a,pipe core,build/asan)
build/fuzz/frame_fuzz: tests/fuzz/frame_fuzz.c src/bridge/frame.c \
                       src/bridge/codec.c src/bridge/internal.h \
                       tests/guarded.h $(BRIDGE_FUZZ_LIB)
	@mkdir -p $(@D)
	clang $(BRIDGE_FUZZ_CFLAGS) -o $@ tests/fuzz/frame_fuzz.c \
	    src/bridge/frame.c src/bridge/codec.c $(BRIDGE_FUZZ_LIB) \
	    $(call lib_ext,bridge)

# The build and the run are separate recipes, so that `make -n` shows
# the run instead of trying it.
check-bridge-fuzz:
	@if ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n){return 0;}' \
	    | clang -x c -fsanitize=fuzzer -o /dev/null - >/dev/null 2>&1; then \
	    echo "check-bridge-fuzz: libFuzzer is missing (clang -fsanitize=fuzzer); skipped"; \
	    exit 0; fi; \
	$(MAKE) CONFIG=asan $(BRIDGE_FUZZ_LIB) && \
	$(MAKE) CONFIG=asan build/fuzz/frame_fuzz && \
	$(MAKE) check-bridge-fuzz-run

.PHONY: check-bridge-fuzz-run
check-bridge-fuzz-run:
	mkdir -p build/fuzz/corpus && \
	printf '\x92\x00\xa3abc' > build/fuzz/corpus/value && \
	printf '\x92\x01\x2a' > build/fuzz/corpus/close && \
	printf '\x94\x02\xaaValueError\xa4boom\xa1g' > build/fuzz/corpus/error && \
	printf '\x92\x00\xd6\x01\x00\x01hi' > build/fuzz/corpus/ptr && \
	printf "\x94\x02\xaaValueError\xa8 (via ')\xa1g" > build/fuzz/corpus/via-open && \
	printf "\x94\x02\xaaValueError\xa7 (via '\xa1g" > build/fuzz/corpus/via-cut && \
	printf "\x94\x02\xa1T\xb5boom (via 'a' <- 'b')\xa0" > build/fuzz/corpus/via-text && \
	printf "\x95\x02\xa1T\xa4boom\xa1g\x92\xa5inner\xa6thread" > build/fuzz/corpus/via-array && \
	printf "\x95\x02\xa1T\xa0\xa0\xdc\x00\x02\xa1a\xa2')" > build/fuzz/corpus/via-array16 && \
	{ build/fuzz/frame_fuzz -max_total_time=$(BRIDGE_FUZZ_SECONDS) -max_len=4096 \
	    -rss_limit_mb=1024 -malloc_limit_mb=256 -print_final_stats=1 -artifact_prefix=build/fuzz/ \
	    build/fuzz/corpus > build/fuzz/frame_fuzz.log 2>&1; rc=$$?; \
	  tail -n 12 build/fuzz/frame_fuzz.log; exit $$rc; }

# `make fuzz`: each target for minutes (FUZZ_SECONDS each, niced); the
# short runs above stay in make test.
FUZZ_SECONDS ?= 300
.PHONY: fuzz fuzz-frame
fuzz: fuzz-frame
fuzz-frame:
	nice -n 10 $(MAKE) check-bridge-fuzz BRIDGE_FUZZ_SECONDS=$(FUZZ_SECONDS)

# ---- benchmarks (bench/README.md: bridge_thread, bridge_process,
# bridge_zmq; items/s) ----
BRIDGE_BENCH := bridge_thread bridge_process bridge_zmq
bench-extra: bench-bridge

build/bench/bridge_%: bench/bridge_%.c bench/bridge_common.h $(call lib_a,bridge,build/release)
	@mkdir -p $(@D)
	gcc -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Iinclude -o $@ $< \
	    $(call lib_a,bridge,build/release) $(call lib_ext,bridge)

# Replaces the bridge_* lines of build/bench/results.tsv, keeping the rest.
bench-bridge:
	@tools/deps.sh build
	$(MAKE) CONFIG=release lib
	$(MAKE) $(patsubst %,build/bench/%,$(BRIDGE_BENCH))
	@mkdir -p build/bench
	@rm -f build/bench/bridge.tsv; mkdir -p build/bench/samples
	@for b in $(BRIDGE_BENCH); do \
	    BENCH_SAMPLES=build/bench/samples build/bench/$$b | tee -a build/bench/bridge.tsv || exit 1; done
	@touch build/bench/results.tsv
	@grep -v "^bridge_" build/bench/results.tsv > build/bench/results.tsv.tmp || true
	@cat build/bench/bridge.tsv >> build/bench/results.tsv.tmp
	@mv build/bench/results.tsv.tmp build/bench/results.tsv
	@awk -F'\t' '$$2 == "inline" { in_[$$1] = $$3 } \
	    $$2 == "zmq-floor" { fl[$$1] = $$3 } \
	    $$2 == "coflow" { printf "%s: coflow / inline %.2f%s\n", $$1, $$3 / in_[$$1], \
	        ($$1 in fl) ? sprintf(", coflow / zmq-floor %.2f", $$3 / fl[$$1]) : "" }' \
	    build/bench/bridge.tsv

# ---- examples and the demo ----
ifeq ($(filter cross-%,$(CONFIG)),)
DEMO_PROGRAMS += cothread coprocess
endif
BRIDGE_DEMO_LINES ?= 100000
demo: bridge-demo
# A sink, two workers and a ventilator on loopback; each process stops by
# itself at the end of the stream (or after 20 s without a frame).
bridge-demo:
	$(MAKE) CONFIG=release examples
	@echo "==== zmq_pipeline (ventilator -> 2 workers -> sink on 127.0.0.1)"
	@port=$$((20000 + $$$$ % 20000)); z=build/release/examples/zmq_pipeline; \
	vent=tcp://127.0.0.1:$$port; sink=tcp://127.0.0.1:$$((port + 1)); \
	$$z sink $$sink 2 & s=$$!; \
	$$z worker $$vent $$sink & w1=$$!; \
	$$z worker $$vent $$sink & w2=$$!; \
	$$z vent $$vent 2 $(BRIDGE_DEMO_LINES); rc=$$?; \
	wait $$w1 || rc=1; wait $$w2 || rc=1; wait $$s || rc=1; exit $$rc
