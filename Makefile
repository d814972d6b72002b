# coflow - Python's generator coroutines for C.
#
#   make demo        build and run the examples
#   make test        the whole suite: default, ASan+UBSan, Valgrind, ARCH=generic
#   make bench       benchmarks into build/bench/results.tsv
#   make install     headers, one library per layer (static and shared),
#                    their .pc files, the CMake package and the man pages
#                    under PREFIX
#
# One build directory per configuration: build/<CONFIG>/. CONFIG is one of
# debug (the default: -O2 with coflow's debug checks), release, asan, tsan,
# generic (the ucontext switch), and the cross builds in mk/cross.mk.
#
# One library per layer (docs/design.md): libcoflow (src/arch + src/core,
# needs only libc), libcoflow-pipe, libcoflow-sax, libcoflow-sched and
# libcoflow-bridge, each linked with the layers below it that it uses and
# its own third-party libraries, each with its version script
# src/<layer>/lib<name>.map.

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
# The portable switch (ucontext) makes a cf_coro larger, and the inline half
# of cf_send() (coflow/core.h) reads the native layout's offsets: a library
# built with it, and its users, go without the inline half; and without the
# inline cf_yield(), whose entry (cf__yield_jump) is the native switch's.
# ABI_CFLAGS: what a program that uses this build must be compiled with (the
# installed .pc files and CMake package carry it: mk/install.mk).
ABI_CFLAGS := $(if $(filter src/arch/generic,$(ARCHDIR)),-DCF_NO_INLINE_SEND -DCF_NO_INLINE_YIELD)
OPT += $(ABI_CFLAGS)

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

# -MMD -MP: each object's dependencies are the headers it includes,
# written next to it as a .d file that the next make reads.
DEPFLAGS := -MMD -MP
CFLAGS  := -std=c11 -D_GNU_SOURCE $(OPT) $(HARDEN) $(WARN) -Iinclude -I$(ARCHDIR) \
           -fPIC -fvisibility=hidden -DCF_BUILDING $(EXTRA_CFLAGS)
LDFLAGS := $(filter -fsanitize%,$(OPT)) $(EXTRA_LDFLAGS)
TEST_CFLAGS := -std=gnu11 -D_GNU_SOURCE $(OPT) $(HARDEN) $(filter-out -Wpedantic -Wconversion -Wshorten-64-to-32 -Wmissing-prototypes,$(WARN)) \
           -Wno-unused-parameter -Iinclude -Itests

# The layers. Each has a library (lib_name), its sources (<layer>_SRC),
# the layers it uses, all of them (<layer>_USES), and the third-party
# libraries it links (<layer>_EXT, as -l flags; <layer>_PC, the same as
# pkg-config modules for its .pc file). The core is defined here; each
# other layer's fragment, mk/<layer>.mk, adds itself to LAYERS, and its
# tests and examples to the lists below, and may add recipes to test-extra.
LAYERS      := core
core_SRC    := $(wildcard src/core/*.c) $(wildcard $(ARCHDIR)/switch.S $(ARCHDIR)/switch.c)
core_USES   :=
# The ucontext switch keeps the FP environment with <fenv.h>, which is libm.
core_EXT    := $(if $(filter %/generic,$(ARCHDIR)),-lm)
core_PC     :=
# Top first: the order in which static libraries are linked.
LAYER_ORDER := bridge sax sched pipe core
SOVERSION   := 0
VERSION     := 0.1.0

# A layer's library: libcoflow for the core, libcoflow-<layer> else.
lib_name = $(if $(filter core,$1),coflow,coflow-$1)
# Layers $1 and those they use, top first.
layer_closure = $(filter $(sort $1 $(foreach l,$1,$($l_USES))),$(LAYER_ORDER))
# What a program that uses layers $1 links statically: their archives in
# build directory $2 (default $(B)), top first, and their libraries.
lib_a   = $(foreach l,$(call layer_closure,$1),$(or $2,$(B))/lib$(call lib_name,$l).a)
lib_ext = $(foreach l,$(call layer_closure,$1),$($l_EXT))

CASE_SRC   := $(wildcard tests/cases/*_case.c)
UNIT_SRC   := $(wildcard tests/core/*.c) tests/cases/check.c tests/support.c
RUNNER_SRC := tests/cases/runner.c tests/support.c
EXAMPLES   := $(patsubst examples/%.c,%,$(wildcard examples/*.c))
DEMO_PROGRAMS := grep_coroutine priming_decorator
# EXAMPLE_LAYERS_<example>: the layers an example uses (default: core).

# The layers' fragments first, each after the layers it uses, so that
# <layer>_USES is set before any rule's prerequisites call lib_a on it; the
# other fragments after them.
LAYER_MK := mk/pipe.mk mk/sched.mk mk/sax.mk mk/bridge.mk
include $(LAYER_MK)
-include $(filter-out $(LAYER_MK),$(wildcard mk/*.mk))

# Every layer of this configuration (the cross builds have the core only):
# the tests link them all.
ALL_LIB_A = $(call lib_a,$(LAYERS))
LIBS      = $(call lib_ext,$(LAYERS))
LIB_SRC   = $(foreach l,$(LAYERS),$($l_SRC))

.PHONY: all lib test demo bench install clean format format-check deps \
        check-debug check-asan check-valgrind check-generic examples
.DEFAULT_GOAL := all

all: lib examples

deps:
	@tools/deps.sh build test

lib: $(foreach l,$(LAYERS),$(B)/lib$(call lib_name,$l).a $(B)/lib$(call lib_name,$l).so)

$(B)/%.c.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(DEPFLAGS) -c $< -o $@

$(B)/%.S.o: %.S
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -Wpedantic,$(CFLAGS)) $(DEPFLAGS) -c $< -o $@

# A sanitizer's runtime is linked into the program, not the library: its
# symbols stay undefined there.
NO_UNDEFINED := $(if $(findstring -fsanitize,$(OPT)),,-Wl,--no-undefined)

# One layer's libraries: lib<name>.a, and lib<name>.so with the SONAME
# lib<name>.so.$(SOVERSION), linked with the shared libraries of the layers
# it uses (found in $(B)) and its third-party libraries, exporting what
# src/<layer>/lib<name>.map lists.
define layer_rules
$(1)_OBJ := $$(patsubst %,$$(B)/%.o,$$($(1)_SRC))
$(1)_MAP := src/$(1)/lib$(call lib_name,$(1)).map

$$(B)/lib$(call lib_name,$(1)).a: $$($(1)_OBJ)
	@rm -f $$@
	ar rcs $$@ $$^

$$(B)/lib$(call lib_name,$(1)).so: $$($(1)_OBJ) $$($(1)_MAP) \
        $$(foreach u,$$($(1)_USES),$$(B)/lib$$(call lib_name,$$u).so)
	$$(CC) -shared -o $$@ $$($(1)_OBJ) -Wl,--version-script=$$($(1)_MAP) \
	    -Wl,-soname,lib$(call lib_name,$(1)).so.$$(SOVERSION) -Wl,-z,noexecstack \
	    $$(NO_UNDEFINED) $$(LDFLAGS) -L$$(B) \
	    $$(foreach u,$$($(1)_USES),-l$$(call lib_name,$$u)) $$($(1)_EXT)
endef
$(foreach l,$(LAYERS),$(eval $(call layer_rules,$l)))

# ---- tests ----
$(B)/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) $(DEPFLAGS) -c $< -o $@

$(B)/tests/unit: $(patsubst tests/%.c,$(B)/tests/%.o,$(UNIT_SRC) $(CASE_SRC)) $(ALL_LIB_A)
	$(CC) -o $@ $^ $(LDFLAGS) -lcriterion $(LIBS) -lm

$(B)/tests/run_cases: $(patsubst tests/%.c,$(B)/tests/%.o,$(RUNNER_SRC) $(CASE_SRC)) $(ALL_LIB_A)
	$(CC) -o $@ $^ $(LDFLAGS) $(LIBS) -lm

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
	$(MAKE) CONFIG=asan check examples
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

# Each example links the layers it uses (EXAMPLE_LAYERS_<name>) and no more.
ex_layers = $(or $(EXAMPLE_LAYERS_$1),core)
define example_rule
$$(B)/examples/$(1): examples/$(1).c $$(call lib_a,$$(call ex_layers,$(1)))
	@mkdir -p $$(dir $$@)
	$$(CC) $$(TEST_CFLAGS) $$(DEPFLAGS) -o $$@ $$< \
	    $$(call lib_a,$$(call ex_layers,$(1))) $$(LDFLAGS) \
	    $$(call lib_ext,$$(call ex_layers,$(1))) -lm
endef
$(foreach e,$(EXAMPLES),$(eval $(call example_rule,$e)))

demo:
	@tools/deps.sh build
	$(MAKE) CONFIG=release examples
	@for e in $(DEMO_PROGRAMS); do \
	    echo "==== $$e"; build/release/examples/$$e || exit 1; done

# ---- formatting ----
FORMAT_FILES = $(shell git ls-files '*.c' '*.h')
format:
	clang-format -i $(FORMAT_FILES)
format-check:
	clang-format --dry-run --Werror $(FORMAT_FILES)

clean:
	rm -rf build

# The headers each object, test and example was last built with.
-include $(shell find $(B) -name '*.d' 2>/dev/null)
