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
# libcoflow-sax: the pipe layer (a parse is a graph's source) and the core
# below it, expat.
ifeq ($(filter cross-%,$(CONFIG)),)
LAYERS   += sax
sax_SRC  := $(wildcard src/sax/*.c)
sax_USES := pipe core
sax_EXT  := -lexpat
sax_PC   := expat
UNIT_SRC += $(wildcard tests/sax/*.c)
EXAMPLE_LAYERS_buses := sax
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
# The sax layer and the layers below it, built from source with the
# fuzzer's instrumentation.
SAX_FUZZ_LIB := $(foreach l,sax pipe core,$($l_SRC))
SAX_FUZZ_SRC := tests/fuzz/sax_fuzz.c $(filter-out %.S,$(SAX_FUZZ_LIB))
SAX_FUZZ_ASM := $(filter %.S,$(SAX_FUZZ_LIB))

$(SAX_FUZZ): $(SAX_FUZZ_SRC) $(SAX_FUZZ_ASM) $(wildcard include/coflow/*.h src/*.h src/*/*.h) \
             tests/guarded.h
	@mkdir -p $(@D)
	clang -std=gnu11 -D_GNU_SOURCE -O1 -g -DCF_DEBUG -DCF_BUILDING \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	    -Iinclude -I$(ARCHDIR) -o $@ $(SAX_FUZZ_SRC) $(SAX_FUZZ_ASM) \
	    $(call lib_ext,sax)

check-sax-fuzz:
	@if ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n){return 0;}' \
	    | clang -x c -fsanitize=fuzzer -o /dev/null - >/dev/null 2>&1; then \
	    echo "check-sax-fuzz: skipped: clang cannot build libFuzzer targets"; \
	    exit 0; fi; \
	$(MAKE) $(SAX_FUZZ) && $(MAKE) check-sax-fuzz-run

# Apart from the build, so that `make -n` shows the run instead of trying it.
.PHONY: check-sax-fuzz-run
check-sax-fuzz-run:
	rm -rf build/fuzz/sax-corpus && mkdir -p build/fuzz/sax-corpus && \
	cp tests/fuzz/sax-corpus/* build/fuzz/sax-corpus/ && \
	$(SAX_FUZZ) -max_total_time=$(SAX_FUZZ_SECONDS) -max_len=4096 \
	    -rss_limit_mb=2048 -print_final_stats=1 \
	    -artifact_prefix=build/fuzz/ build/fuzz/sax-corpus \
	    2> build/fuzz/sax_fuzz.log \
	    || { tail -n 60 build/fuzz/sax_fuzz.log; exit 1; }; \
	echo "check-sax-fuzz: $$(grep -m1 number_of_executed_units build/fuzz/sax_fuzz.log \
	| tr -s ' ' | cut -d' ' -f2) runs, no crash in $(SAX_FUZZ_SECONDS) s \
	($$(ls build/fuzz/sax-corpus | wc -l) inputs)"

test-extra: check-sax-fuzz

.PHONY: fuzz-sax
fuzz: fuzz-sax
fuzz-sax:
	nice -n 10 $(MAKE) check-sax-fuzz SAX_FUZZ_SECONDS=$(FUZZ_SECONDS)

# ---- the bus_xml benchmark (bench/README.md) ----
BENCH_BUS_MB ?= 30
BENCH_BUS_REPS ?= 5
build/bench/bus_xml: bench/bus_xml.c examples/buses.c $(call lib_a,sax,build/release)
	@mkdir -p $(@D)
	gcc -std=gnu11 -D_GNU_SOURCE -O2 -g -Iinclude -o $@ bench/bus_xml.c \
	    $(call lib_a,sax,build/release) $(call lib_ext,sax)

bench-bus-xml:
	$(MAKE) CONFIG=release lib
	$(MAKE) build/bench/bus_xml
	bench/bus_xml.sh build/bench/bus_xml build/bench $(BENCH_BUS_MB) \
	    $(BENCH_BUS_REPS) tests/data/allroutes.xml

bench-extra: bench-bus-xml
