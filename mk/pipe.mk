# mk/pipe.mk - the pipe layer (include/coflow/pipe.h, src/pipe/): sources,
# filters, routing, sinks; its tests, trace cases (tests/cases/pipe_*_case.c
# are already in CASE_SRC by the top-level wildcard), examples, the demo
# and the grep_log benchmark (docs/pipe.md).
#
#   make demo             also runs the pipe examples on build/demo/access-log
#   make bench-grep-log   grep_log: coflow vs GNU grep -F -c vs Python
#                         (BENCH_LOG_MB=1024 by default) -> build/bench/results.tsv

LIB_SRC  += $(wildcard src/pipe/*.c)
LIBS     += -lpcre2-8
UNIT_SRC += $(wildcard tests/pipe/*.c)
