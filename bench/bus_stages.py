# SPDX-License-Identifier: MIT
"""bench/bus_stages.py - the stages of the seeds' bus pipeline (buses.py,
as cosax.py and coexpat.py use them), shared by bus_xml_sax.py and
bus_xml_expat.py, which differ only in how they parse:

    parse(buses_to_dicts(
        filter_on_field("route", "22",
            filter_on_field("direction", "North Bound",
                bus_locations()))))

run(parse) builds that pipeline, hands it to parse(target), prints the
lines to stdout, then "SECONDS<TAB>LINES" to stderr: the time of the parse
(the pipeline's construction included), as bench/bus_xml.c times coflow's.
"""
import sys
import time

from benchmark import coroutine  # the seeds' priming decorator


@coroutine
def buses_to_dicts(target):
    while True:
        event, value = (yield)
        # Look for the start of a <bus> element
        if event == 'start' and value[0] == 'bus':
            busdict = {}
            fragments = []
            # Capture text of inner elements in a dict
            while True:
                event, value = (yield)
                if event == 'start':
                    fragments = []
                elif event == 'text':
                    fragments.append(value)
                elif event == 'end':
                    if value != 'bus':
                        busdict[value] = "".join(fragments)
                    else:
                        target.send(busdict)
                        break


@coroutine
def filter_on_field(fieldname, value, target):
    while True:
        d = (yield)
        if d.get(fieldname) == value:
            target.send(d)


count = 0


@coroutine
def bus_locations():
    global count
    while True:
        bus = (yield)
        count += 1
        print("%(route)s,%(id)s,\"%(direction)s\","
              "%(latitude)s,%(longitude)s" % bus)


def run(parse):
    t0 = time.perf_counter()
    parse(buses_to_dicts(
        filter_on_field("route", "22",
                        filter_on_field("direction", "North Bound",
                                        bus_locations()))))
    print("%.6f\t%d" % (time.perf_counter() - t0, count), file=sys.stderr)
