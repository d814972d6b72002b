# mk/sax.mk - the sax layer (include/coflow/sax.h, src/sax/): XML parsed by
# expat, each event sent into a coroutine (docs/sax.md); its tests, the
# pipe_bus_events trace case, the bus example, the fuzz target and the
# bus_xml benchmark.
#
#   make check-sax-fuzz   a short libFuzzer run of tests/fuzz/sax_fuzz.c
#                         (SAX_FUZZ_SECONDS=20; part of make test)
#   make bench-bus-xml    bus_xml: coflow vs expat alone vs Python's xml.sax
#                         and xml.parsers.expat -> build/bench/results.tsv

# The cross builds leave the layer out, as they leave out the pipe layer it
# builds on.
ifeq ($(filter cross-%,$(CONFIG)),)
LIB_SRC  += $(wildcard src/sax/*.c)
LIBS     += -lexpat
UNIT_SRC += $(wildcard tests/sax/*.c)
# tests/sax/buses.c runs the example program.
TEST_CFLAGS += -DCF_SAX_BUSES='"$(B)/examples/buses"'
$(B)/tests/unit: | $(B)/examples/buses
else
CASE_SRC := $(filter-out tests/cases/pipe_bus_events_case.c,$(CASE_SRC))
TEST_CFLAGS += -DCF_NO_SAX
endif

# ---- the demo ----
.PHONY: sax-demo check-sax-fuzz bench-bus-xml
demo: sax-demo
sax-demo:
	$(MAKE) CONFIG=release examples
	@echo "==== buses (examples/data/buses.xml)"
	build/release/examples/buses examples/data/buses.xml
	@echo "==== buses (tests/data/allroutes.xml, the CTA's bus file)"
	build/release/examples/buses tests/data/allroutes.xml

# ---- the fuzz target ----
SAX_FUZZ_SECONDS ?= 20
SAX_FUZZ := build/fuzz/sax_fuzz
# Deferred (=): LIB_SRC is complete only once every fragment is read, and
# the bridge layer needs the sched layer's sources that come after this one.
SAX_FUZZ_SRC = tests/fuzz/sax_fuzz.c $(filter-out %.S,$(LIB_SRC))
SAX_FUZZ_ASM = $(filter %.S,$(LIB_SRC))

$(SAX_FUZZ): $(SAX_FUZZ_SRC) $(SAX_FUZZ_ASM) $(wildcard include/coflow/*.h src/*/*.h)
	@mkdir -p $(@D)
	clang -std=gnu11 -D_GNU_SOURCE -O1 -g -DCF_DEBUG -DCF_BUILDING \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -Iinclude -I$(ARCHDIR) -o $@ $(SAX_FUZZ_SRC) $(SAX_FUZZ_ASM) \
	    $(LIBS)

check-sax-fuzz:
	@if ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n){return 0;}' \
	    | clang -x c -fsanitize=fuzzer -o /dev/null - >/dev/null 2>&1; then \
	    echo "check-sax-fuzz: skipped: clang cannot build libFuzzer targets"; \
	    exit 0; fi; \
	$(MAKE) $(SAX_FUZZ) && \
	rm -rf build/fuzz/sax-corpus && mkdir -p build/fuzz/sax-corpus && \
	cp tests/fuzz/sax-corpus/* build/fuzz/sax-corpus/ && \
	$(SAX_FUZZ) -max_total_time=$(SAX_FUZZ_SECONDS) -max_len=4096 \
	    -rss_limit_mb=2048 -print_final_stats=0 \
	    -artifact_prefix=build/fuzz/ build/fuzz/sax-corpus \
	    2> build/fuzz/sax_fuzz.log \
	    || { tail -n 60 build/fuzz/sax_fuzz.log; exit 1; }; \
	echo "check-sax-fuzz: $$(grep -c . build/fuzz/sax_fuzz.log) log lines, \
	no crash in $(SAX_FUZZ_SECONDS) s ($$(ls build/fuzz/sax-corpus | wc -l) inputs)"

test-extra: check-sax-fuzz

# ---- the bus_xml benchmark (shared/BENCH.md) ----
BENCH_BUS_MB ?= 30
BENCH_BUS_REPS ?= 5
build/bench/bus_xml: bench/bus_xml.c examples/buses.c build/release/libcoflow.a
	@mkdir -p $(@D)
	gcc -std=gnu11 -D_GNU_SOURCE -O2 -g -Iinclude -o $@ bench/bus_xml.c \
	    build/release/libcoflow.a -lexpat -lpcre2-8 -lpthread -lm

bench-bus-xml:
	$(MAKE) CONFIG=release lib
	$(MAKE) build/bench/bus_xml
	bench/bus_xml.sh build/bench/bus_xml build/bench $(BENCH_BUS_MB) \
	    $(BENCH_BUS_REPS) tests/data/allroutes.xml

bench-extra: bench-bus-xml
