# mk/install.mk - `make install` tested end to end: install under a scratch
# PREFIX, then build an example against the installed headers and shared
# library through pkg-config, and run it.

INSTALL_TEST := $(CURDIR)/build/install-test

.PHONY: check-install
test-extra: check-install
check-install:
	rm -rf $(INSTALL_TEST)
	$(MAKE) install PREFIX=$(INSTALL_TEST) >/dev/null
	test -L $(INSTALL_TEST)/lib/libcoflow.so.0
	readelf -d $(INSTALL_TEST)/lib/libcoflow.so | grep -q 'SONAME.*libcoflow.so.0'
	PKG_CONFIG_PATH=$(INSTALL_TEST)/lib/pkgconfig; export PKG_CONFIG_PATH; \
	$(CC) -std=c11 -Wall -Werror $$(pkg-config --cflags coflow) \
	    examples/grep_coroutine.c -o $(INSTALL_TEST)/grep_coroutine \
	    $$(pkg-config --libs coflow) -Wl,-rpath,$(INSTALL_TEST)/lib
	$(INSTALL_TEST)/grep_coroutine | grep -q 'Going away. Goodbye'
	@echo "check-install: installed library, headers and coflow.pc work"
