#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/bus_xml_expat.py - the bus pipeline with xml.parsers.expat, as
the seeds write it (coexpat.py: buffer_text, a 64 KiB buffer; the stages
of buses.py, in bus_stages.py). Prints the lines to stdout, then
"SECONDS<TAB>LINES" to stderr: the time of the parse alone.

Usage: bus_xml_expat.py FILE
"""
import sys
import xml.parsers.expat

import bus_stages


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


def parse(target):
    with open(sys.argv[1], "rb") as f:
        expat_parse(f, target)


bus_stages.run(parse)
