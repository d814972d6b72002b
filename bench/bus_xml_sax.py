#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""bench/bus_xml_sax.py - the bus pipeline with xml.sax, as the seeds write
it (cosax.py's EventHandler; the stages of buses.py, in bus_stages.py).
Prints the lines to stdout, then "SECONDS<TAB>LINES" to stderr: the time
of the parse alone.

Usage: bus_xml_sax.py FILE
"""
import sys
import xml.sax

import bus_stages


class EventHandler(xml.sax.ContentHandler):
    def __init__(self, target):
        self.target = target

    def startElement(self, name, attrs):
        self.target.send(('start', (name, attrs._attrs)))

    def characters(self, text):
        self.target.send(('text', text))

    def endElement(self, name):
        self.target.send(('end', name))


bus_stages.run(lambda target: xml.sax.parse(sys.argv[1],
                                            EventHandler(target)))
