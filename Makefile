# coflow - Python's generator coroutines for C.
#
#   make demo        build and run the examples
#   make test        the whole suite: default, ASan+UBSan, Valgrind, ARCH=generic
#   make bench       benchmarks into build/bench/results.tsv
#   make install     headers, libcoflow.a, libcoflow.so and coflow.pc under PREFIX
#
# One build directory per configuration: build/<CONFIG>/. CONFIG is one of
# debug (the default: -O2 with coflow's debug checks), release, asan, tsan,
# generic (the ucontext switch), and the cross builds in mk/cross.mk.

CONFIG  ?= debug
ARCH    ?= $(shell uname -m)
PREFIX  ?= /usr/local
B       := build/$(CONFIG)

CC_debug   := gcc
CC_release := gcc
CC_asan    := clang
CC_tsan    := clang
CC_generic := gcc
CC         := $(or $(CC_$(CONFIG)),gcc)

OPT_debug   := -O2 -g -DCF_DEBUG
OPT_release := -O2 -g -DNDEBUG
OPT_asan    := -O1 -g -DCF_DEBUG -fsanitize=address,undefined \
               -fno-sanitize-recover=all -fno-omit-frame-pointer
OPT_tsan    := -O1 -g -DCF_DEBUG -fsanitize=thread
OPT_generic := -O2 -g -DCF_DEBUG
OPT         := $(or $(OPT_$(CONFIG)),-O2 -g)

ifeq ($(CONFIG),generic)
ARCH := generic
endif
ARCHDIR := $(if $(wildcard src/arch/$(ARCH)/ctx.h),src/arch/$(ARCH),src/arch/generic)

WARN := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Wold-style-definition -Wundef -Wwrite-strings \
        -Wconversion -Wcast-align -Wvla -Wformat=2 -Wimplicit-fallthrough \
        -Werror
WARN_gcc   := -Wlogical-op
WARN_clang := -Wshorten-64-to-32 -Wunreachable-code
WARN += $(if $(findstring clang,$(CC)),$(WARN_clang),$(WARN_gcc))

# Stack clash protection: a frame larger than a page is probed a page at a
# time, so that it meets a coroutine's guard page instead of jumping it
# (aarch64's gcc assumes a 64 KiB guard unless told the page size; gcc 12
# accepts the option for riscv64 but does not probe there yet).
HARDEN_aarch64 := --param stack-clash-protection-guard-size=12
HARDEN  := -fstack-clash-protection $(HARDEN_$(ARCH))

CFLAGS  := -std=c11 -D_GNU_SOURCE $(OPT) $(HARDEN) $(WARN) -Iinclude -I$(ARCHDIR) \
           -fPIC -fvisibility=hidden -DCF_BUILDING $(EXTRA_CFLAGS)
LDFLAGS := $(filter -fsanitize%,$(OPT)) $(EXTRA_LDFLAGS)
TEST_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(OPT) $(HARDEN) $(filter-out -Wpedantic -Wconversion -Wshorten-64-to-32 -Wmissing-prototypes,$(WARN)) \
           -Wno-unused-parameter -Iinclude -Itests

# What the library, the tests and the demo are made of. Each layer's
# fragment, mk/<layer>.mk, adds its sources, libraries, tests and examples
# to these lists and may add recipes to test-extra.
LIB_SRC    := $(wildcard src/core/*.c) $(wildcard $(ARCHDIR)/switch.S $(ARCHDIR)/switch.c)
LIBS       := -lpthread -lm
CASE_SRC   := $(wildcard tests/cases/*_case.c)
UNIT_SRC   := $(wildcard tests/core/*.c) tests/cases/check.c tests/support.c
RUNNER_SRC := tests/cases/runner.c tests/support.c
EXAMPLES   := $(patsubst examples/%.c,%,$(wildcard examples/*.c))
DEMO_PROGRAMS := grep_coroutine priming_decorator

-include mk/*.mk

LIB_OBJ := $(patsubst %,$(B)/%.o,$(LIB_SRC))

.PHONY: all lib test demo bench install clean format format-check deps \
        check-debug check-asan check-valgrind check-generic examples
.DEFAULT_GOAL := all

all: lib examples

deps:
	@tools/deps.sh build test

lib: $(B)/libcoflow.a $(B)/libcoflow.so

$(B)/%.c.o: %.c $(wildcard include/*.h include/coflow/*.h src/*/*.h src/arch/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(B)/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -Wpedantic,$(CFLAGS)) -c $< -o $@

$(B)/libcoflow.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(B)/libcoflow.so: $(LIB_OBJ) cf.map
	$(CC) -shared -o $@ $(LIB_OBJ) -Wl,--version-script=cf.map \
	    -Wl,-soname,libcoflow.so.0 -Wl,-z,noexecstack $(LDFLAGS) $(LIBS)

# ---- tests ----
$(B)/tests/%.o: tests/%.c $(wildcard include/*.h include/coflow/*.h tests/*.h tests/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -c $< -o $@

$(B)/tests/unit: $(patsubst tests/%.c,$(B)/tests/%.o,$(UNIT_SRC) $(CASE_SRC)) $(B)/libcoflow.a
	$(CC) -o $@ $^ $(LDFLAGS) -lcriterion $(LIBS)

$(B)/tests/run_cases: $(patsubst tests/%.c,$(B)/tests/%.o,$(RUNNER_SRC) $(CASE_SRC)) $(B)/libcoflow.a
	$(CC) -o $@ $^ $(LDFLAGS) $(LIBS)

tests: $(B)/tests/unit $(B)/tests/run_cases

# One configuration's suite: the trace cases without forking, then
# Criterion's tests (each in its own process).
check: export LSAN_OPTIONS := suppressions=$(CURDIR)/tests/lsan.supp
check: $(B)/tests/unit $(B)/tests/run_cases
	$(B)/tests/run_cases
	$(B)/tests/unit --jobs 2 $(CRITERION_ARGS)

# Criterion's own runner leaves "possibly lost" blocks in the children of
# tests that end in an expected signal; coflow's leaks are definite.
VALGRIND := valgrind --quiet --error-exitcode=99 --leak-check=full \
            --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
            --track-fds=no
check-valgrind-run: $(B)/tests/unit $(B)/tests/run_cases
	$(VALGRIND) $(B)/tests/run_cases
	$(VALGRIND) --trace-children=yes $(B)/tests/unit --jobs 1 $(CRITERION_ARGS)

test:
	@tools/deps.sh build test
	$(MAKE) CONFIG=debug check
	$(MAKE) CONFIG=asan check
	$(MAKE) CONFIG=debug check-valgrind-run
	$(MAKE) CONFIG=generic check
	$(MAKE) test-extra
	@echo "make test: all configurations passed"

# Layers add their own checks to this (mk/*.mk): `test-extra: my-check`.
test-extra: format-check

# The send/yield fast path of the release build has no locked instruction
# (docs/design.md, "The guard"); x86-64, where the fast protocol is.
.PHONY: check-nolock
ifeq ($(shell uname -m),x86_64)
test-extra: check-nolock
endif
check-nolock:
	$(MAKE) CONFIG=release lib
	tools/check-nolock build/release/libcoflow.a

# ---- examples ----
examples: $(patsubst %,$(B)/examples/%,$(EXAMPLES))

$(B)/examples/%: examples/%.c $(B)/libcoflow.a
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -o $@ $< $(B)/libcoflow.a $(LDFLAGS) $(LIBS)

demo:
	@tools/deps.sh build
	$(MAKE) CONFIG=release examples
	@for e in $(DEMO_PROGRAMS); do \
	    echo "==== $$e"; build/release/examples/$$e || exit 1; done

# ---- install ----
install: 
	$(MAKE) CONFIG=release lib
	install -d $(DESTDIR)$(PREFIX)/include/coflow $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 644 include/coflow.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 include/coflow/*.h $(DESTDIR)$(PREFIX)/include/coflow/
	install -m 644 build/release/libcoflow.a $(DESTDIR)$(PREFIX)/lib/
	install -m 755 build/release/libcoflow.so $(DESTDIR)$(PREFIX)/lib/libcoflow.so.0.1.0
	ln -sf libcoflow.so.0.1.0 $(DESTDIR)$(PREFIX)/lib/libcoflow.so.0
	ln -sf libcoflow.so.0 $(DESTDIR)$(PREFIX)/lib/libcoflow.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBS@|$(LIBS)|' coflow.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/coflow.pc

# ---- formatting ----
FORMAT_FILES = $(shell git ls-files '*.c' '*.h')
format:
	clang-format -i $(FORMAT_FILES)
format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)

clean:
	rm -rf build
