# mk/trace.mk - the trace (include/coflow/trace.h, src/core/trace.c,
# docs/trace.md): Chrome's trace-event JSON, for ui.perfetto.dev.
#
#   make demo          also writes build/demo/echoserver.trace.json (the echo
#                      server and its ten clients, traced by COFLOW_TRACE),
#                      build/demo/buses.trace.json (the bus pipeline on
#                      tests/data/allroutes.xml, traced by cf_trace_start())
#                      and build/demo/buses.svg (its graph, by Graphviz)
#   make check-trace   the same two traces from the debug build, checked by
#                      tools/check-trace (part of make test)
#
# The library's trace code is core's (src/core/*.c is already in LIB_SRC);
# its Criterion tests are tests/core/trace.c.

TRACE_DEMO := build/demo

.PHONY: trace-demo check-trace
demo: trace-demo
trace-demo:
	@tools/deps.sh docs
	$(MAKE) CONFIG=release examples
	@mkdir -p $(TRACE_DEMO)
	@echo "==== echoserver, traced (COFLOW_TRACE)"
	COFLOW_TRACE=$(TRACE_DEMO)/echoserver.trace.json build/release/examples/echoserver >/dev/null
	tools/check-trace --expect coro:client --expect sched:poll \
	    --expect "sched:wait read" $(TRACE_DEMO)/echoserver.trace.json
	@echo "==== buses on tests/data/allroutes.xml, traced (-t) and drawn (-g)"
	build/release/examples/buses -t $(TRACE_DEMO)/buses.trace.json \
	    -g $(TRACE_DEMO)/buses.dot tests/data/allroutes.xml >/dev/null
	tools/check-trace --expect pipe:recv --expect pipe:drop \
	    --expect coro:buses_to_dicts $(TRACE_DEMO)/buses.trace.json
	dot -Tsvg $(TRACE_DEMO)/buses.dot -o $(TRACE_DEMO)/buses.svg
	@echo "open $(TRACE_DEMO)/*.trace.json in https://ui.perfetto.dev;" \
	    "the graph is $(TRACE_DEMO)/buses.svg"

test-extra: check-trace
check-trace:
	$(MAKE) CONFIG=debug examples
	@mkdir -p build/debug/trace
	COFLOW_TRACE=build/debug/trace/echoserver.json build/debug/examples/echoserver >/dev/null
	tools/check-trace --tracks 10 --expect coro:client --expect sched:ready \
	    --expect sched:poll --expect "sched:wait read" --expect sched:spawn \
	    build/debug/trace/echoserver.json
	build/debug/examples/buses -t build/debug/trace/buses.json tests/data/allroutes.xml >/dev/null
	tools/check-trace --expect pipe:recv --expect pipe:pass --expect pipe:drop \
	    --expect coro:buses_to_dicts build/debug/trace/buses.json
