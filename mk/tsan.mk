# mk/tsan.mk - ThreadSanitizer over the thread tests (make check-tsan, part
# of make test). The clang build of CONFIG=tsan tells TSan about each fiber
# switch (core/switch.c). Criterion does not start under TSan
# (Snaipe/Criterion#274), so the thread tests are built a second time
# against a small stand-in for its interface (tests/tsan/) into a plain
# program, build/tsan/tests/tsan_threads.

TSAN_TESTS   := threads guard hammer
TSAN_FILTERS := 'threads/*' 'guard/*thread*' 'hammer/*'

.PHONY: check-tsan check-tsan-run
test-extra: check-tsan

check-tsan:
	$(MAKE) CONFIG=tsan check-tsan-run

$(B)/tests/tsan/%.o: tests/core/%.c
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) $(DEPFLAGS) -Itests/tsan -c $< -o $@

# The core's tests: libcoflow.a alone.
$(B)/tests/tsan_threads: $(patsubst %,$(B)/tests/tsan/%.o,$(TSAN_TESTS)) $(B)/tests/tsan/main.o $(B)/tests/support.o $(B)/libcoflow.a
	$(CC) -o $@ $^ $(LDFLAGS)

check-tsan-run: $(B)/tests/tsan_threads
	TSAN_OPTIONS="halt_on_error=1 exitcode=66 $(TSAN_OPTIONS)" \
	    $(B)/tests/tsan_threads $(TSAN_FILTERS)
