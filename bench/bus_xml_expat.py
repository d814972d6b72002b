#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/bus_xml_expat.py - the bus pipeline with xml.parsers.expat, as
the seeds write it (coexpat.py: buffer_text, a 64 KiB buffer, the same
stages as buses.py). Prints the lines to stdout, then "SECONDS<TAB>LINES"
to stderr: the time of the parse alone.

Usage: bus_xml_expat.py FILE
"""
import sys
import time
import xml.parsers.expat


def coroutine(func):
    def start(*args, **kwargs):
        cr = func(*args, **kwargs)
        next(cr)
        return cr
    return start


def expat_parse(f, target):
    parser = xml.parsers.expat.ParserCreate()
    parser.buffer_size = 65536
    parser.buffer_text = True
    parser.StartElementHandler = \
        lambda name, attrs: target.send(('start', (name, attrs)))
    parser.EndElementHandler = \
        lambda name: target.send(('end', name))
    parser.CharacterDataHandler = \
        lambda data: target.send(('text', data))
    parser.ParseFile(f)


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


t0 = time.perf_counter()
with open(sys.argv[1], "rb") as f:
    expat_parse(f,
                buses_to_dicts(
                    filter_on_field("route", "22",
                                    filter_on_field("direction",
                                                    "North Bound",
                                                    bus_locations()))))
print("%.6f\t%d" % (time.perf_counter() - t0, count), file=sys.stderr)
