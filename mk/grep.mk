# mk/grep.mk - coflow-grep (cmd/coflow-grep/): GNU grep's everyday
# interface on the pipe layer, its man page (docs/man/coflow-grep.1.md) and
# its comparison test against GNU grep (tests/grep/compare.sh).
#
#   make grep            build/<CONFIG>/bin/coflow-grep
#   make check-grep      the comparison table and the --follow tests
#                        (part of make test)
#   make install         also installs bin/coflow-grep and man1/coflow-grep.1

ifeq ($(filter cross-%,$(CONFIG)),)
GREP_BIN := $(B)/bin/coflow-grep

.PHONY: grep check-grep install-grep
all: grep
grep: $(GREP_BIN)

# It links the pipe layer (and the core below it) and PCRE2, no more.
$(GREP_BIN): cmd/coflow-grep/coflow-grep.c $(call lib_a,pipe)
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) $(DEPFLAGS) -o $@ $< $(call lib_a,pipe) $(LDFLAGS) \
	    $(call lib_ext,pipe) -lm

check-grep: $(GREP_BIN) $(B)/examples/logsim
	tests/grep/compare.sh $(GREP_BIN) $(B)/examples/logsim
	tests/grep/follow.sh $(GREP_BIN)

test-extra: check-grep-configs
.PHONY: check-grep-configs
check-grep-configs:
	$(MAKE) CONFIG=debug check-grep
	$(MAKE) CONFIG=asan check-grep

install: install-grep
install-grep:
	$(MAKE) CONFIG=release grep
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 build/release/bin/coflow-grep $(DESTDIR)$(PREFIX)/bin/
	@if command -v pandoc >/dev/null 2>&1; then \
	    pandoc -s -f markdown -t man docs/man/coflow-grep.1.md \
	        -o $(DESTDIR)$(PREFIX)/share/man/man1/coflow-grep.1; \
	else echo "install: pandoc not found; man page not installed"; fi
endif
