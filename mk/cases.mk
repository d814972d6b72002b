# mk/cases.mk - the trace cases' expected output (tests/cases/expected/),
# which is CPython's: tests/cases/py/NAME.py prints NAME.expected, and the C
# port tests/cases/NAME_case.c must print the same (make check runs them).
#
#   make check-cases    each script prints its committed file exactly
#                       (python3 -X dev -W error; part of make check-meta)
#   make regen-cases    rewrite tests/cases/expected/ from the scripts;
#                       PYTHON=python3.13 to use another CPython

PYTHON ?= python3

.PHONY: check-cases regen-cases

check-cases:
	$(PYTHON) tools/check-cases

regen-cases:
	$(PYTHON) tools/check-cases --write
