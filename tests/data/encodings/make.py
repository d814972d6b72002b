#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/data/encodings/make.py - the documents of tests/sax/encodings.c
and pyexpat's events for each (issue 19: XML in any encoding pyexpat reads).

Writes NAME.xml (the document, encoded with Python's codec) and
NAME.events (pyexpat's events, one a line, as tests/sax/encodings.c
prints coflow's) for each document below. Run from anywhere:

    python3 tests/data/encodings/make.py

pyexpat reads single-byte encodings itself (its unknown-encoding handler
builds expat's map from Python's codec); it refuses multibyte ones
("multi-byte encodings are not supported"), so for Shift_JIS the events are
pyexpat's on the same document decoded by Python's shift_jis codec and
given to expat as UTF-8.
"""
import os
import xml.parsers.expat

HERE = os.path.dirname(os.path.abspath(__file__))

CZECH = """<?xml version="1.0" encoding="{enc}"?>
<!-- Jízdní řád: linka 136, zastávky a odjezdy -->
<jizdni-rad linka="136" dopravce="Dopravní podnik hl. m. Prahy">
  <zastavka nazev="Želivského" pasmo="P">
    <odjezd cas="6:04" smer="Černý Most">Příliš žluťoučký kůň úpěl ďábelské ódy.</odjezd>
    <odjezd cas="6:19" smer="Jižní Město">Šťastný řidič &amp; spokojení cestující</odjezd>
  </zastavka>
  <poznamka><![CDATA[Výluka: <Ďáblice> - náhradní doprava]]> od 1. ledna &#x20AC;5</poznamka>
  <?tisk strana="2"?>
  <zastavka nazev="Šeberov" pasmo="1"/>
</jizdni-rad>
"""

POLISH = """<?xml version="1.0" encoding="{enc}"?>
<rozklad miasto="Łódź" przewoźnik="MPK Łódź">
  <przystanek nazwa="Piotrkowska Centrum">
    <kurs godzina="7:15" kierunek="Zgierz">Zażółć gęślą jaźń</kurs>
    <kurs godzina="7:45" kierunek="Pabianice">Źródło: świeże dane, ćwiczenia
i żółte łąki</kurs>
  </przystanek>
  <uwaga>Ś Ć Ń Ó Ż Ź Ą Ę Ł &lt;objazd&gt;</uwaga>
</rozklad>
"""

JAPANESE = """<?xml version="1.0" encoding="{enc}"?>
<天気予報 地域="東京都" 発表="気象庁">
  <予報 日付="十二月五日" 時間帯="午前">晴れ、のち曇り。北の風、やや強く。</予報>
  <予報 日付="十二月五日" 時間帯="午後">曇り、所により一時雨。</予報>
  <注意報>乾燥注意報：火の取り扱いに注意してください。カタカナ　ｶﾀｶﾅ</注意報>
  <気温 最高="１２" 最低="４">単位：度</気温>
</天気予報>
"""

DOCS = [
    # name, text, codec, declared encoding (None: no declaration; the test
    # gives the encoding as an option)
    ("czech-windows-1250", CZECH, "cp1250", "windows-1250"),
    ("czech-iso-8859-2", CZECH, "iso8859_2", "ISO-8859-2"),
    ("polish-iso-8859-2", POLISH, "iso8859_2", "ISO-8859-2"),
    ("polish-windows-1250-undeclared", POLISH, "cp1250", None),
    ("japanese-shift_jis", JAPANESE, "shift_jis", "Shift_JIS"),
]


def esc(s):
    return (s.replace("\\", "\\\\").replace("\n", "\\n")
            .replace("\t", "\\t"))


def events(data, encoding=None):
    """pyexpat's events, text buffered whole as coflow delivers it."""
    out = []
    p = xml.parsers.expat.ParserCreate(encoding)
    p.buffer_text = True
    p.buffer_size = 1 << 20
    p.ordered_attributes = True

    def start(name, attrs):
        kv = " ".join(esc(attrs[i]) + "=" + esc(attrs[i + 1])
                      for i in range(0, len(attrs), 2))
        out.append("start " + esc(name) + (" " + kv if kv else ""))

    p.StartElementHandler = start
    p.EndElementHandler = lambda name: out.append("end " + esc(name))
    p.CharacterDataHandler = lambda text: out.append("text " + esc(text))
    p.Parse(data, True)
    return "".join(line + "\n" for line in out)


def main():
    for name, text, codec, declared in DOCS:
        if declared is None:
            doc = text.replace(' encoding="{enc}"', "")
        else:
            doc = text.format(enc=declared)
        data = doc.encode(codec)
        with open(os.path.join(HERE, name + ".xml"), "wb") as f:
            f.write(data)
        if codec == "shift_jis":
            # pyexpat refuses multibyte encodings: the same characters as
            # UTF-8 (Python's codec decodes them).
            got = events(data.decode(codec).replace(
                'encoding="%s"' % declared, 'encoding="UTF-8"')
                .encode("utf-8"))
        elif declared is None:
            got = events(data, declared or codec_name(codec))
        else:
            got = events(data)
        with open(os.path.join(HERE, name + ".events"), "w",
                  encoding="utf-8", newline="\n") as f:
            f.write(got)


def codec_name(codec):
    return {"cp1250": "windows-1250", "iso8859_2": "ISO-8859-2"}[codec]


if __name__ == "__main__":
    main()
