# mk/bench.mk - make bench: coflow against the floor and its peers.
#
#   make bench                       everything: deps, build, run, report
#   make bench BENCH_ARGS="--reps 9 --only roundtrip --no-callgrind"
#   make bench-programs              only build the programs
#
# Results go to build/bench/: results.tsv (bench/README.md's format),
# callgrind.tsv, report.md and report.png. The programs are described in
# bench/README.md. A peer that does not build is left out of the run and
# named, with the reason, in the report.

BENCH_B    := build/bench
BENCH_LIB  := build/release/libcoflow.a
BENCH_ARCH := $(shell uname -m)
BENCH_ARGS ?=
BENCH_PY   ?= python3

BENCH_CFLAGS   := -std=gnu11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Iinclude -Ibench
BENCH_CXXFLAGS := -std=c++14 -O2 -g -Wall -Wextra -Ibench
BENCH_FLAGS    := C: gcc $(BENCH_CFLAGS); C++: g++ $(BENCH_CXXFLAGS); \
                  libcoflow: CONFIG=release ($(OPT_release)); Go: go build

BENCH_COFLOW_SRC := bench/coflow_bench.c bench/coflow_send.c bench/coflow_delegate.c \
                    bench/coflow_grep.c bench/floor.c \
                    $(if $(filter x86_64,$(BENCH_ARCH)),bench/floor_x86_64.S)
BENCH_PEERS_C    := peer_ucontext peer_pcl peer_pth peer_lua_capi
BENCH_PEERS_CXX  := peer_fcontext peer_coroutine2
BENCH_PROGRAMS   := coflow_bench $(BENCH_PEERS_C) $(BENCH_PEERS_CXX) peer_go

# Each program's compiler output goes to build/bench/<program>.log, which
# the report quotes when the program did not build.
bench_log = printf '%s\n' '$(1)'; rm -f $@; mkdir -p $(@D); \
            { $(1); } > $@.log 2>&1; rc=$$?; cat $@.log; exit $$rc

BENCH_GO := GOCACHE=$(abspath $(BENCH_B))/go-cache GOPATH=$(abspath $(BENCH_B))/go-path GO111MODULE=off

LIBS_peer_ucontext   :=
LIBS_peer_pcl        := -lpcl
LIBS_peer_pth        := -lpth
LIBS_peer_lua_capi   := $(shell pkg-config --cflags --libs lua5.4 2>/dev/null || echo -I/usr/include/lua5.4 -llua5.4)
LIBS_peer_fcontext   := -lboost_context
LIBS_peer_coroutine2 := -lboost_context

.PHONY: bench bench-programs bench-run bench-report bench-extra

bench:
	@tools/deps.sh build bench
	$(MAKE) CONFIG=release lib
	$(MAKE) -k bench-programs || echo "make bench: some programs did not build; the report says which" >&2
	$(MAKE) bench-run
	$(MAKE) bench-extra ECHO_SKIP="$(ECHO_PINNED)"
	$(MAKE) bench-report

# Other fragments add their benchmarks here (`bench-extra: bench-grep-log`);
# they run after the figures above, each writing its own lines of
# build/bench/results.tsv, which bench/run.py keeps when it rewrites the file.
bench-extra:

# The echo benchmarks of the C and coflow servers, pinned (servers on CPU 0,
# the load generator on CPU 1, taskset) and interleaved, by bench/run.py
# --echo; they write those servers' echo lines of results.tsv and the
# per-repetition samples the report divides. make bench measures them only
# here: its bench-echo (mk/sched.mk) leaves them out (ECHO_SKIP), so each
# echo server runs once. A bench-echo of its own still runs them all.
ECHO_PINNED := c-epoll coflow-epoll coflow-uring
.PHONY: bench-echo-pinned
bench-extra: bench-echo-pinned
bench-echo-pinned: bench-echo
	$(BENCH_PY) bench/run.py --echo --out $(BENCH_B) --reps 5

bench-programs: $(patsubst %,$(BENCH_B)/%,$(BENCH_PROGRAMS))

bench-run:
	$(BENCH_PY) bench/run.py --out $(BENCH_B) --flags '$(BENCH_FLAGS)' $(BENCH_ARGS)

bench-report:
	$(BENCH_PY) bench/report.py $(BENCH_B)

# The grep figures search with the pipe layer's cf_finder: it links libcoflow-pipe.
$(BENCH_B)/coflow_bench: $(BENCH_COFLOW_SRC) bench/bench.h bench/floor.h bench/coflow_cases.h $(call lib_a,pipe,build/release)
	@$(call bench_log,$(CC_release) $(BENCH_CFLAGS) -o $@ $(BENCH_COFLOW_SRC) $(call lib_a,pipe,build/release) $(call lib_ext,pipe))

$(patsubst %,$(BENCH_B)/%,$(BENCH_PEERS_C)): $(BENCH_B)/%: bench/%.c bench/bench.h
	@$(call bench_log,gcc $(BENCH_CFLAGS) -o $@ $< $(LIBS_$*))

$(patsubst %,$(BENCH_B)/%,$(BENCH_PEERS_CXX)): $(BENCH_B)/%: bench/%.cpp bench/bench.h
	@$(call bench_log,g++ $(BENCH_CXXFLAGS) -o $@ $< $(LIBS_$*))

$(BENCH_B)/peer_go: bench/peer_go.go
	@$(call bench_log,$(BENCH_GO) go build -o $@ $<)
