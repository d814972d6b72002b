# mk/cross.mk - the aarch64 and riscv64 switches built with Debian's cross
# compilers and run under qemu-user, and the CPU-state conformance test
# (tests/conformance/), natively and under emulation.
#
#   make test-cross          both cross configurations: build, then run the
#                            trace cases and the conformance test under qemu
#   make cross-aarch64       one of them (also cross-riscv64)
#   make test-conformance    the conformance test natively: debug, asan, generic
#   make check-conformance   the conformance test of one CONFIG
#
# Under emulation only plain programs that never fork run: qemu-aarch64 7.2
# hangs in a forked child, and Debian has no riscv64 Criterion, so
# Criterion's suite stays native. A cross configuration is debug-like (-O2
# with CF_DEBUG) and builds only the core's libcoflow.a and the two test
# programs.

CROSS_CC_aarch64  := aarch64-linux-gnu-gcc
CROSS_CC_riscv64  := riscv64-linux-gnu-gcc
CROSS_RUN_aarch64 := qemu-aarch64 -L /usr/aarch64-linux-gnu
CROSS_RUN_riscv64 := qemu-riscv64 -L /usr/riscv64-linux-gnu
CROSS_OPT         := -O2 -g -DCF_DEBUG

# The Makefile picks CC, OPT and ARCHDIR from CONFIG before it reads the
# fragments, so a cross configuration gets them from the command line
# (test-cross passes them); anything else would build for this machine.
ifneq ($(filter cross-%,$(CONFIG)),)
CROSS_ARCH := $(patsubst cross-%,%,$(CONFIG))
CROSS_RUN  := $(CROSS_RUN_$(CROSS_ARCH))
ifneq ($(CC) $(ARCH),$(CROSS_CC_$(CROSS_ARCH)) $(CROSS_ARCH))
$(error CONFIG=$(CONFIG) needs CC=$(CROSS_CC_$(CROSS_ARCH)) ARCH=$(CROSS_ARCH): use `make cross-$(CROSS_ARCH)`)
endif
endif

CONFORMANCE := $(B)/tests/conformance/conformance

# The ucontext switch promises only the rounding mode and the traps.
$(B)/tests/conformance/conformance.o: TEST_CFLAGS += -frounding-math \
    -DCF_TEST_GENERIC=$(if $(filter %/generic,$(ARCHDIR)),1,0)

$(CONFORMANCE): $(B)/tests/conformance/conformance.o $(B)/libcoflow.a
	$(CC) -o $@ $^ $(LDFLAGS) -lm

.PHONY: check-conformance test-conformance check-cross test-cross \
        cross-aarch64 cross-riscv64

check-conformance: $(CONFORMANCE)
	$(CONFORMANCE)

test-conformance:
	$(MAKE) CONFIG=debug check-conformance
	$(MAKE) CONFIG=asan check-conformance
	$(MAKE) CONFIG=generic check-conformance

# One cross configuration, run under qemu (CONFIG=cross-<arch>).
check-cross: $(B)/tests/run_cases $(CONFORMANCE)
	$(CROSS_RUN) $(B)/tests/run_cases
	$(CROSS_RUN) $(CONFORMANCE)

cross-aarch64 cross-riscv64: cross-%:
	@tools/deps.sh cross
	$(MAKE) CONFIG=cross-$* ARCH=$* CC=$(CROSS_CC_$*) OPT='$(CROSS_OPT)' \
	    check-cross

test-cross: cross-aarch64 cross-riscv64

test-extra: test-conformance test-cross
