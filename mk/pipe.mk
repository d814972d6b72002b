# mk/pipe.mk - the pipe layer (include/coflow/pipe.h, src/pipe/): sources,
# filters, routing, sinks; its tests, trace cases (tests/cases/pipe_*_case.c
# are already in CASE_SRC by the top-level wildcard), examples, the demo
# and the grep_log benchmark (docs/pipe.md).
#
#   make demo             also runs the pipe examples on build/demo/access-log
#   make bench-grep-log   grep_log and grep_log_regex: coflow's pipeline,
#                         coflow-grep, GNU grep -c, Python (BENCH_LOG_MB=1024
#                         by default) -> build/bench/results.tsv; part of
#                         make bench (bench-extra)

# Debian has no PCRE2 for the cross targets: their builds leave the layer out.
# libcoflow-pipe: the core below it, PCRE2.
ifeq ($(filter cross-%,$(CONFIG)),)
LAYERS    += pipe
pipe_SRC  := $(wildcard src/pipe/*.c)
pipe_USES := core
pipe_EXT  := -lpcre2-8
pipe_PC   := libpcre2-8
UNIT_SRC  += $(wildcard tests/pipe/*.c)
else
CASE_SRC := $(filter-out tests/cases/pipe_%,$(CASE_SRC))
TEST_CFLAGS += -DCF_NO_PIPE
endif

# ---- examples and the demo ----
# Programs that need arguments or data run from pipe-demo, not DEMO_PROGRAMS.
DEMO_PROGRAMS += pipe_grep pipe_broadcast pipe_exercises pipe_minmax \
                 pipe_round_robin
$(foreach e,loggrep log_follower pipe_broadcast pipe_exercises pipe_grep \
    pipe_minmax pipe_round_robin,$(eval EXAMPLE_LAYERS_$e := pipe))
PIPE_DEMO_LOG := build/demo/access-log

.PHONY: pipe-demo bench-grep-log
demo: pipe-demo
pipe-demo:
	$(MAKE) CONFIG=release examples
	@mkdir -p build/demo
	build/release/examples/logsim -n 20000 -o $(PIPE_DEMO_LOG)
	@echo "==== loggrep (file)"
	build/release/examples/loggrep -q -d build/demo/loggrep.dot ' 404 ' $(PIPE_DEMO_LOG)
	@echo "==== loggrep (stdin, regex)"
	build/release/examples/logsim -n 2000 -s 7 | build/release/examples/loggrep -q -E 'GET /ply/.*\.tar\.gz'
	@echo "==== log_follower (1 s, while a thread appends lines)"
	build/release/examples/log_follower $(PIPE_DEMO_LOG) python 1
	@if command -v dot >/dev/null 2>&1; then \
	    dot -Tpng build/demo/loggrep.dot -o build/demo/loggrep.png && \
	    echo "wrote build/demo/loggrep.png"; \
	else echo "graphviz not installed: build/demo/loggrep.dot not rendered"; fi

# ---- the grep_log benchmark (bench/README.md) ----
BENCH_LOG_MB ?= 1024
BENCH_LOG_REPS ?= 5
build/bench/grep_log: bench/grep_log.c $(call lib_a,pipe,build/release)
	@mkdir -p $(@D)
	gcc -std=gnu11 -D_GNU_SOURCE -O2 -g -Iinclude -o $@ $< \
	    $(call lib_a,pipe,build/release) $(call lib_ext,pipe)

bench-extra: bench-grep-log
bench-grep-log:
	$(MAKE) CONFIG=release lib examples grep
	$(MAKE) build/bench/grep_log
	bench/run_grep_log.sh build/release/examples/logsim build/bench/grep_log \
	    build/release/bin/coflow-grep build/bench $(BENCH_LOG_MB) $(BENCH_LOG_REPS)
