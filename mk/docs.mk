# mk/docs.mk - the man pages (docs/man/*.3.md) and the meta-tests that keep
# docs, headers and exports in step (STYLE.md 2.8, 2.9, 2.11).
#
#   make check-meta   headers compile alone; every public function has a page;
#                     each library's exports match its map (src/<layer>/
#                     lib<name>.map) and headers; page EXAMPLEs run; each
#                     layer includes only what docs/design.md lets it
#                     (tools/check-layers); every "item N" cited is in
#                     docs/semantics.md; the trace cases' Python prints
#                     tests/cases/expected/ exactly
#   make man          docs/man/*.3.md -> build/man/man3/*.3 (needs pandoc)

MAN_PAGES := $(wildcard docs/man/*.3.md)

.PHONY: check-meta check-headers check-docs check-exports check-examples \
        check-layers check-items man

# Runs every check even when one fails, so one run reports all problems.
check-meta:
	$(MAKE) CONFIG=debug lib
	@rc=0; \
	tools/check-headers || rc=1; \
	tools/check-docs || rc=1; \
	tools/check-layers || rc=1; \
	tools/check-exports build/debug || rc=1; \
	LIBCOFLOW='$(call lib_a,$(LAYERS),build/debug)' LIBS='$(LIBS)' \
	    tools/check-examples || rc=1; \
	tools/check-items || rc=1; \
	tools/check-cases || rc=1; \
	if [ $$rc -ne 0 ]; then echo "check-meta: FAILED (see above)" >&2; fi; \
	exit $$rc

test-extra: check-meta

check-headers:
	tools/check-headers
check-items:
	tools/check-items
check-docs:
	tools/check-docs
check-layers:
	tools/check-layers
check-exports:
	$(MAKE) CONFIG=debug lib
	tools/check-exports build/debug
check-examples: export LIBS = $(call lib_ext,$(LAYERS))
check-examples: export LIBCOFLOW = $(call lib_a,$(LAYERS),build/debug)
check-examples:
	$(MAKE) CONFIG=debug lib
	tools/check-examples

# pandoc's man writer takes title and section from each page's YAML block.
man:
	@if ! command -v pandoc >/dev/null 2>&1; then \
	    echo "make man: pandoc not found; skipping (apt-get install pandoc)"; \
	    exit 0; fi; \
	mkdir -p build/man/man3; \
	for p in $(MAN_PAGES); do \
	    n=$$(basename $$p .md); \
	    pandoc -s -f markdown -t man $$p -o build/man/man3/$$n || exit 1; \
	done; \
	echo "make man: $(words $(MAN_PAGES)) pages in build/man/man3/"
