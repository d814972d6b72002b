# SPDX-License-Identifier: MIT
"""pipe_bus_events: Beazley's coexpat. expat's callbacks become sends of
(event, value) pairs into buses_to_dicts -> filter_on_field(route 22) ->
filter_on_field(North Bound) -> bus_locations; the parse ends, then the
pipeline is closed (docs/semantics.md item 67). The XML is
examples/data/buses.xml, five buses."""
import os
import xml.parsers.expat

from casekit import coroutine

HERE = os.path.dirname(os.path.abspath(__file__))
XML = os.path.join(HERE, '..', '..', '..', 'examples', 'data', 'buses.xml')


@coroutine
def buses_to_dicts(target):
    try:
        while True:
            event, value = yield
            if event != 'start' or value[0] != 'bus':
                continue
            record, pieces = {}, []
            while True:
                event, value = yield
                if event == 'start':
                    pieces = []
                elif event == 'text':
                    pieces.append(value)
                elif value == 'bus':
                    print(f'bus {record.get("id")} complete')
                    target.send(record)
                    break
                else:
                    record[value] = ''.join(pieces)
    finally:
        target.close()


@coroutine
def filter_on_field(field, wanted, target):
    try:
        while True:
            record = yield
            if record.get(field) == wanted:
                target.send(record)
    finally:
        target.close()


@coroutine
def bus_locations():
    seen = 0
    try:
        while True:
            bus = yield
            seen += 1
            print('{route},{id},"{direction}",{latitude},{longitude}'
                  .format(**bus))
    except GeneratorExit:
        print(f'bus_locations closed after {seen} buses')


def expat_parse(path, target):
    parser = xml.parsers.expat.ParserCreate()
    parser.StartElementHandler = lambda name, attrs: target.send(
        ('start', (name, attrs)))
    parser.EndElementHandler = lambda name: target.send(('end', name))
    parser.CharacterDataHandler = lambda text: target.send(('text', text))
    with open(path, 'rb') as f:
        parser.ParseFile(f)
    print('parse finished, closing pipeline')
    target.close()


expat_parse(XML, buses_to_dicts(
    filter_on_field('route', '22',
                    filter_on_field('direction', 'North Bound',
                                    bus_locations()))))
