# mk/install.mk - make install, and its end-to-end check.
#
#   make install [PREFIX=/usr/local] [DESTDIR=]
#                        under PREFIX: include/coflow.h and include/coflow/,
#                        each layer's lib<name>.a and lib<name>.so.$(VERSION)
#                        (with the .so.$(SOVERSION) and .so links),
#                        lib/pkgconfig/<name>.pc, lib/cmake/coflow/ (the
#                        CMake package) and share/man/man3/ (the man pages,
#                        made from docs/man/*.3.md by pandoc); the release
#                        build, or with CONFIG=generic that build (the
#                        portable switch), whose .pc files and CMake package
#                        then give programs -DCF_NO_INLINE_SEND
#                        -DCF_NO_INLINE_YIELD
#   make check-install   installs under build/install-test and uses it as a
#                        program would, then the same for CONFIG=generic
#                        under build/install-test-generic (part of make test)

.PHONY: install check-install
test-extra: check-install
VERSION_MAJOR := $(word 1,$(subst ., ,$(VERSION)))
VERSION_MINOR := $(word 2,$(subst ., ,$(VERSION)))
LIBDIR := $(DESTDIR)$(PREFIX)/lib
# The build installed: CONFIG=generic's, else the release one.
INSTALL_CONFIG := $(if $(filter generic,$(CONFIG)),generic,release)

# A layer's .pc file: the layers it uses are public requirements (their
# headers and functions are the program's too), its third-party libraries
# private ones, which `pkg-config --static` adds (the core's libm, with the
# ucontext switch only, as Libs.private: it has no .pc). The core's Cflags
# carry ABI_CFLAGS (the Makefile: -DCF_NO_INLINE_SEND -DCF_NO_INLINE_YIELD for the portable
# switch), which the other layers' .pc files require through it.
pc_requires = $(strip $(foreach u,$($1_USES),$(call lib_name,$u)))
define install_pc
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@NAME@|$(call lib_name,$1)|' \
	    -e 's|@VERSION@|$(VERSION)|' \
	    -e 's|@DESCRIPTION@|$(PC_DESCRIPTION_$1)|' \
	    -e 's|@REQUIRES@|$(call pc_requires,$1)|' \
	    -e 's|@REQUIRES_PRIVATE@|$($1_PC)|' \
	    -e 's|@LIBS_PRIVATE@|$(if $($1_PC),,$($1_EXT))|' \
	    -e 's|@CFLAGS@|$(if $(filter core,$1),$(addprefix $(eval) ,$(ABI_CFLAGS)))|' \
	    coflow.pc.in > $(LIBDIR)/pkgconfig/$(call lib_name,$1).pc

endef
PC_DESCRIPTION_core   := Python-style generator coroutines for C (needs only libc)
PC_DESCRIPTION_pipe   := coflow: coroutine pipelines: sources, filters, routing, sinks (PCRE2)
PC_DESCRIPTION_sax    := coflow: XML events sent into coroutines (expat)
PC_DESCRIPTION_sched  := coflow: task scheduler on coroutines (epoll, io_uring)
PC_DESCRIPTION_bridge := coflow: pipeline stages on threads, processes and ZeroMQ (MessagePack)

define install_lib
	install -m 644 build/$(INSTALL_CONFIG)/lib$(call lib_name,$1).a $(LIBDIR)/
	install -m 755 build/$(INSTALL_CONFIG)/lib$(call lib_name,$1).so \
	    $(LIBDIR)/lib$(call lib_name,$1).so.$(VERSION)
	ln -sf lib$(call lib_name,$1).so.$(VERSION) $(LIBDIR)/lib$(call lib_name,$1).so.$(SOVERSION)
	ln -sf lib$(call lib_name,$1).so.$(SOVERSION) $(LIBDIR)/lib$(call lib_name,$1).so

endef

# The CMake package's table: name|library|layers used|third-party libraries.
CMAKE_TARGETS = $(foreach l,$(LAYERS),"$l|$(call lib_name,$l)|$(subst $(eval) ,$(comma),$(strip $($l_USES)))|$(subst $(eval) ,$(comma),$(strip $(patsubst -l%,%,$($l_EXT))))")
comma := ,
space := $(subst ,, )

install:
	@tools/deps.sh build install
	$(MAKE) CONFIG=$(INSTALL_CONFIG) lib
	$(MAKE) man
	install -d $(DESTDIR)$(PREFIX)/include/coflow $(LIBDIR)/pkgconfig \
	    $(LIBDIR)/cmake/coflow $(DESTDIR)$(PREFIX)/share/man/man3
	install -m 644 include/coflow.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 include/coflow/*.h $(DESTDIR)$(PREFIX)/include/coflow/
	$(foreach l,$(LAYERS),$(call install_lib,$l))
	$(foreach l,$(LAYERS),$(call install_pc,$l))
	sed -e 's/@TARGETS@/$(CMAKE_TARGETS)/' -e 's/@VERSION@/$(VERSION)/' \
	    -e 's/@SOVERSION@/$(SOVERSION)/' \
	    -e 's/@DEFINES@/$(subst $(space),;,$(strip $(patsubst -D%,%,$(ABI_CFLAGS))))/' \
	    cmake/coflowConfig.cmake.in > $(LIBDIR)/cmake/coflow/coflowConfig.cmake
	sed -e 's/@VERSION@/$(VERSION)/' -e 's/@VERSION_MAJOR@/$(VERSION_MAJOR)/' \
	    -e 's/@VERSION_MINOR@/$(VERSION_MINOR)/' \
	    cmake/coflowConfigVersion.cmake.in > $(LIBDIR)/cmake/coflow/coflowConfigVersion.cmake
	install -m 644 build/man/man3/*.3 $(DESTDIR)$(PREFIX)/share/man/man3/

# ---- the check ----
# Installs under a scratch prefix, then, from the installed tree only:
#   - each library's SONAME and NEEDED entries (readelf -d): libcoflow's are
#     libc and the loader, each other's the layers it uses and its own
#     third-party libraries;
#   - a program per layer built with `pkg-config --cflags --libs`, shared,
#     and run; the core-only one loads no library but libc (ldd); one built
#     with `pkg-config --static` and run;
#   - a program per layer built with CMake (find_package(coflow CONFIG),
#     coflow::<layer>), and run;
#   - `man` finds cf_send(3) with MANPATH set to the prefix's share/man.
INSTALL_TEST := $(CURDIR)/build/install-test
INSTALL_PKG  := PKG_CONFIG_PATH=$(INSTALL_TEST)/lib/pkgconfig
# The programs find the libraries as under a prefix the loader does not
# search by itself.
INSTALL_RUN  := LD_LIBRARY_PATH=$(INSTALL_TEST)/lib
# An example per layer, and what its output shows.
INSTALL_EX_core   := grep_coroutine
INSTALL_EX_pipe   := pipe_grep
INSTALL_EX_sax    := buses
INSTALL_EX_sched  := pyos_roundrobin
INSTALL_EX_bridge := cothread
# The CMake project tests/install built against the install under $1 (more
# cmake options: $2), and each layer's example it builds run with that
# install's libraries, printing what the native pkg-config build printed.
define cmake_check
@set -e; rm -rf $1/cmake-build; \
	cmake -S tests/install -B $1/cmake-build $2 \
	    -DCMAKE_PREFIX_PATH=$1 -DCOFLOW_EXAMPLES=$(CURDIR)/examples \
	    > $1/cmake.log 2>&1 || { cat $1/cmake.log; exit 1; }; \
	cmake --build $1/cmake-build >> $1/cmake.log 2>&1 \
	    || { cat $1/cmake.log; exit 1; }; \
	for ex in $(foreach l,$(LAYERS),$(INSTALL_EX_$l)); do \
	    (cd examples/data && LD_LIBRARY_PATH=$1/lib $1/cmake-build/$$ex $$( [ $$ex = buses ] && echo buses.xml ) \
	        > $1/cmake-$$ex.out); \
	    cmp -s $1/cmake-$$ex.out $(INSTALL_TEST)/pc-$$ex.out || \
	        { echo "check-install: $$ex built by CMake against $1 printed other output"; exit 1; }; \
	done; \
	echo "check-install: CMake find_package(coflow CONFIG) against $1 built and ran $(foreach l,$(LAYERS),$(INSTALL_EX_$l))"
endef
# What each library may need besides the layers it uses: its own libraries.
INSTALL_NEEDED_OK := libc.so ld-linux
check-install:
	@tools/deps.sh build test
	rm -rf $(INSTALL_TEST)
	$(MAKE) install PREFIX=$(INSTALL_TEST) >/dev/null
	@set -e; cd $(INSTALL_TEST); for l in $(foreach l,$(LAYERS),$l:$(call lib_name,$l):$(subst $(eval) ,$(comma),$(strip $(foreach u,$($l_USES),lib$(call lib_name,$u).so) $(patsubst -l%,lib%.so,$($l_EXT))))); do \
	    layer=$${l%%:*}; rest=$${l#*:}; name=$${rest%%:*}; allowed=$${rest#*:}; \
	    so=lib/lib$$name.so; test -L $$so; test -L $$so.$(SOVERSION); \
	    readelf -d $$so > readelf-$$name.txt; \
	    grep -q "SONAME.*\[lib$$name.so.$(SOVERSION)\]" readelf-$$name.txt || \
	        { echo "check-install: $$so: SONAME is not lib$$name.so.$(SOVERSION)"; exit 1; }; \
	    for n in $$(sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' readelf-$$name.txt); do \
	        ok=no; for a in $(INSTALL_NEEDED_OK) $$(echo $$allowed | tr , ' '); do \
	            case $$n in "$$a"*) ok=yes;; esac; done; \
	        [ $$ok = yes ] || { echo "check-install: $$so needs $$n"; exit 1; }; done; \
	    echo "check-install: $$so NEEDED: $$(sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' readelf-$$name.txt | tr '\n' ' ')"; \
	done
	@set -e; $(INSTALL_PKG); export PKG_CONFIG_PATH; \
	for l in $(foreach l,$(LAYERS),$l:$(call lib_name,$l):$(INSTALL_EX_$l)); do \
	    name=$${l#*:}; ex=$${name#*:}; name=$${name%%:*}; \
	    $(CC) -std=c11 -D_GNU_SOURCE -Wall -Werror $$(pkg-config --cflags $$name) \
	        examples/$$ex.c -o $(INSTALL_TEST)/pc-$$ex $$(pkg-config --libs $$name); \
	    (cd examples/data && $(INSTALL_RUN) $(INSTALL_TEST)/pc-$$ex $$( [ $$ex = buses ] && echo buses.xml ) \
	        > $(INSTALL_TEST)/pc-$$ex.out); \
	    echo "check-install: $$ex built with pkg-config --libs $$name ($$(pkg-config --libs $$name)) and ran"; \
	done
	grep -q 'Going away. Goodbye' $(INSTALL_TEST)/pc-grep_coroutine.out
	$(INSTALL_RUN) ldd $(INSTALL_TEST)/pc-grep_coroutine > $(INSTALL_TEST)/ldd-core.txt
	@if grep -v -e 'linux-vdso' -e 'libc\.so' -e 'ld-linux' -e 'libcoflow\.so\.$(SOVERSION) => $(INSTALL_TEST)/lib/' \
	    $(INSTALL_TEST)/ldd-core.txt; then \
	    echo "check-install: a core-only program loads the libraries above"; exit 1; fi
	@echo "check-install: the core-only program loads libcoflow and libc only"
	@set -e; $(INSTALL_PKG); export PKG_CONFIG_PATH; \
	$(CC) -std=c11 -D_GNU_SOURCE -Wall -Werror $$(pkg-config --cflags coflow-sax) \
	    examples/buses.c -o $(INSTALL_TEST)/static-buses \
	    -Wl,-Bstatic $$(pkg-config --static --libs coflow-sax) -Wl,-Bdynamic; \
	$(INSTALL_TEST)/static-buses examples/data/buses.xml > $(INSTALL_TEST)/static-buses.out; \
	cmp -s $(INSTALL_TEST)/static-buses.out $(INSTALL_TEST)/pc-buses.out; \
	! ldd $(INSTALL_TEST)/static-buses | grep -e libcoflow -e libexpat -e libpcre2; \
	echo "check-install: buses linked statically with pkg-config --static --libs coflow-sax ($$(pkg-config --static --libs coflow-sax))"
	$(call cmake_check,$(INSTALL_TEST))
	MANPATH=$(INSTALL_TEST)/share/man man -w cf_send | grep -qx '$(INSTALL_TEST)/share/man/man3/cf_send.3'
	MANPATH=$(INSTALL_TEST)/share/man MANWIDTH=80 man cf_send 2>/dev/null | grep -q 'resume a coroutine'
	@$(INSTALL_PKG) pkg-config --cflags coflow | grep -q -- -DCF_NO_INLINE_SEND; \
	 [ $$? = $(if $(ABI_CFLAGS),0,1) ] || \
	    { echo "check-install: coflow.pc's Cflags are not '$$($(INSTALL_PKG) pkg-config --cflags coflow)' plus '$(ABI_CFLAGS)'"; exit 1; }
	@echo "check-install: installed libraries, headers, .pc files, CMake package and man pages work"
	$(MAKE) check-install-generic

# ---- the portable switch's build, installed ----
# `make install CONFIG=generic` under its own scratch prefix, after the
# check above (whose programs' output it compares with): each .pc file's
# Cflags have -DCF_NO_INLINE_SEND -DCF_NO_INLINE_YIELD (the core's, which the others require);
# tests/install/no_inline_send.c, which does not compile with the inline
# cf_send(), is built with pkg-config and with CMake (coflow::core's
# definitions) and runs; so do the examples of each layer, which must print
# what they printed against the native build.
INSTALL_GENERIC := $(INSTALL_TEST)-generic
INSTALL_GENERIC_PKG := PKG_CONFIG_PATH=$(INSTALL_GENERIC)/lib/pkgconfig
INSTALL_GENERIC_RUN := LD_LIBRARY_PATH=$(INSTALL_GENERIC)/lib
.PHONY: check-install-generic
check-install-generic:
	@test -f $(INSTALL_TEST)/pc-grep_coroutine.out || \
	    { echo "check-install-generic: run by make check-install, after the native check"; exit 1; }
	rm -rf $(INSTALL_GENERIC)
	$(MAKE) CONFIG=generic install PREFIX=$(INSTALL_GENERIC) >/dev/null
	@set -e; $(INSTALL_GENERIC_PKG); export PKG_CONFIG_PATH; \
	for name in $(foreach l,$(LAYERS),$(call lib_name,$l)); do \
	    pkg-config --cflags $$name | grep -q -- "-DCF_NO_INLINE_SEND -DCF_NO_INLINE_YIELD" || \
	        { echo "check-install: generic $$name.pc: Cflags without -DCF_NO_INLINE_SEND"; exit 1; }; \
	done; \
	$(CC) -std=c11 -D_GNU_SOURCE -Wall -Werror $$(pkg-config --cflags coflow) \
	    tests/install/no_inline_send.c -o $(INSTALL_GENERIC)/pc-no_inline_send $$(pkg-config --libs coflow); \
	$(INSTALL_GENERIC_RUN) $(INSTALL_GENERIC)/pc-no_inline_send; \
	for l in $(foreach l,$(LAYERS),$(call lib_name,$l):$(INSTALL_EX_$l)); do \
	    name=$${l%%:*}; ex=$${l#*:}; \
	    $(CC) -std=c11 -D_GNU_SOURCE -Wall -Werror $$(pkg-config --cflags $$name) \
	        examples/$$ex.c -o $(INSTALL_GENERIC)/pc-$$ex $$(pkg-config --libs $$name); \
	    (cd examples/data && $(INSTALL_GENERIC_RUN) $(INSTALL_GENERIC)/pc-$$ex $$( [ $$ex = buses ] && echo buses.xml ) \
	        > $(INSTALL_GENERIC)/pc-$$ex.out); \
	    cmp -s $(INSTALL_GENERIC)/pc-$$ex.out $(INSTALL_TEST)/pc-$$ex.out || \
	        { echo "check-install: $$ex against the generic build printed other output"; exit 1; }; \
	done; \
	echo "check-install: generic build: every .pc gives -DCF_NO_INLINE_SEND -DCF_NO_INLINE_YIELD ($$(pkg-config --cflags coflow)); no_inline_send and $(foreach l,$(LAYERS),$(INSTALL_EX_$l)) built with pkg-config and ran"
	$(call cmake_check,$(INSTALL_GENERIC),-DCOFLOW_GENERIC=ON)
	$(INSTALL_GENERIC_RUN) $(INSTALL_GENERIC)/cmake-build/no_inline_send
	@echo "check-install: generic build: CMake's coflow::core gives CF_NO_INLINE_SEND and CF_NO_INLINE_YIELD (no_inline_send built and ran)"
