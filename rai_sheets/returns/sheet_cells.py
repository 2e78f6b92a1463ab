"""Cell values read straight from a sheet's XML, where that gives what calamine gives, for less.

calamine reads a whole sheet into a grid, and opening a workbook parses its shared strings,
styles and names: about 3 ms for a returned risk assessment, of which rai-sheets uses a few
hundred cells. The parts are already decompressed and checked (preflight), so the cells
rai-sheets reads are found here by searching for each one's start tag, in order, in the
sheet's bytes. Values come out as python-calamine gives them: shared and inline strings,
numbers as floats, booleans, dates as `date` where the cell's number format is a date, error
results as blanks.

Only the forms spreadsheet programs write are read this way: cells that carry their reference
first (`<c r="D6" ...>`), no namespace prefixes, shared strings as `<si>` items of `<t>` texts
(runs allowed), number formats whose kind is certain, and whole-day dates of the 1900 date
system. Anything else raises `NotPlain`, and the caller reads the sheet with calamine as
before (tests/test_sheet_cells.py holds the two readers to the same values). The search
trusts a sheet as spreadsheet programs write it: a cell written twice, or inside a comment, is
read where it is first found, and damage in a part of a sheet that is not read goes unseen.
Either can only change what the file itself says.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import Any

from ..workbook.layout import col_letter
from .sheet_scan import CACHED_SHEET_BYTES, PREFIXED

Position = tuple[int, int]  # 0-based (row, column)
Wanted = tuple[Position, bytes]  # a cell, and the start of its tag as searched for

OTHER, DATE, UNSURE = 0, 1, 2  # what a number format makes of a number
BUILTIN_DATES = {b"%d" % n for n in (*range(14, 23), 45, 47)}  # as calamine: by the raw id
BUILTIN_UNSURE = {b"46"}  # a duration: calamine gives a timedelta
EXCEL_EPOCH = date(1899, 12, 30)
FIRST_PLAIN_SERIAL, LAST_SERIAL = 61, 2958465  # 1900-03-01 (past the 1900 leap bug), 9999-12-31
DATE_1904 = re.compile(rb'<workbookPr\b[^>]*?\sdate1904="([^"]*)"')
MAX_MISSES = 16  # cells searched for and not found, before the whole sheet is read instead

NOT_CANONICAL = re.compile(rb'<c(?! r="[A-Z]{1,3}[0-9]{1,7}")[\s>/]')
# After the reference, the common form: style, type, an optional formula and a value.
QUICK_CELL = re.compile(
    rb'(?: s="([0-9]{1,9})")?(?: t="([A-Za-z]{1,9})")?'
    rb"(?:/>|>(<f(?:\s[^>]*)?(?:/>|>([^<]*)</f>))?(?:<v>([^<]*)</v>)?</c>)"
)
# After the reference, any form: the attributes, then the cell's content or its end.
CELL = re.compile(rb'((?:\s+[A-Za-z]+="[^"<]*")*)\s*(?:/>|>(.*?)</c>)', re.S)
STYLES_PREFIXED = re.compile(rb"<\w+:(?:numFmts?|xf|cellXfs)\b")
ATTR = re.compile(rb'([A-Za-z]+)="([^"<]*)"')
# A cell's content: an optional formula, then an optional value (or an inline string).
CONTENT = re.compile(
    rb"(?P<f><f(?:\s[^>]*)?(?:/>|>(?P<text>[^<]*)</f>))?\s*"
    rb"(?:<v>(?P<v>[^<]*)</v>|<v/>|<is>(?P<inline>.*)</is>)?",
    re.S,
)
NUMBER = re.compile(rb"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
DIGITS = re.compile(rb"[0-9]{1,9}")
TYPES = {None, b"n", b"s", b"str", b"b", b"e", b"inlineStr"}  # a cell's t= (b"d": calamine's)
ERRORS = {b"#DIV/0!", b"#N/A", b"#NAME?", b"#NULL!", b"#NUM!", b"#REF!", b"#VALUE!"}
TEXT = re.compile(rb'<t(?P<keep> xml:space="preserve")?(?:/>|>(?P<text>[^<]*)</t>)')
RUN_PARTS = re.compile(
    rb"<rPh\b.*?</rPh>|<rPr>.*?</rPr>|<rPr/>|<phoneticPr\b[^>]*/>|</?r>|" + TEXT.pattern, re.S
)
ENTITY = re.compile(rb"&(lt|gt|quot|apos|amp);")
ENTITIES = {b"lt": b"<", b"gt": b">", b"quot": b'"', b"apos": b"'", b"amp": b"&"}
ASCII_SPACE = " \t\r\n"
# Number formats whose kind is certain: plain numbers, and dates and times made of these.
PLAIN_NUMBER = re.compile(r"(?:[0#?.,%+\-() Ee@;]|\\[^A-Za-z])*")
# A date's first section (calamine looks no further), after an optional locale.
PLAIN_DATE = re.compile(
    r"(?:\[\$-[0-9A-Fa-f]{1,8}\])?(?P<first>(?:[yYmMdDhHsS]|[-/.:, ]|\\[^A-Za-z])*)(?:;.*)?"
)


class NotPlain(Exception):
    """This sheet or cell is not in a form read here: read it with calamine."""


def plain_sheet(body: bytes) -> bool:
    """Every cell carries its reference first and no element has a namespace prefix. Returns
    made from one template often share a sheet byte for byte (values are indices into their
    own shared strings), so small sheets are looked at once."""
    return _plain_small(body) if len(body) <= CACHED_SHEET_BYTES else _plain(body)


@lru_cache(maxsize=32)
def _plain_small(body: bytes) -> bool:
    return _plain(body)


def _plain(body: bytes) -> bool:
    return not PREFIXED.search(body) and not NOT_CANONICAL.search(body)


def format_kind(code: str) -> int:
    """What calamine makes of numbers shown in this format: OTHER, DATE or (not known) UNSURE."""
    if code.lower() == "general" or PLAIN_NUMBER.fullmatch(code):
        return OTHER
    date = PLAIN_DATE.fullmatch(code)
    if date and any(c in "yYmMdDhHsS" for c in date.group("first")):
        return DATE
    return UNSURE


@lru_cache(maxsize=32)
def number_kinds(styles: bytes) -> tuple[int, ...] | None:
    """The kind of number format of each cell style (cellXfs), or None if not plain XML."""
    if STYLES_PREFIXED.search(styles) or b"'" in styles or b"<!" in styles:
        return None
    custom: dict[bytes, int] = {}
    for attrs in re.findall(rb"<numFmt\b([^>]*)>", styles):
        found = dict(ATTR.findall(attrs))
        if b"numFmtId" in found and b"formatCode" in found:
            code = found[b"formatCode"]
            plain = b"&#" not in code
            text = _unescape(code).decode("utf-8", "replace") if plain else ""
            custom[found[b"numFmtId"]] = format_kind(text) if plain else UNSURE
    xfs = re.search(rb"<cellXfs\b[^>]*>(.*?)</cellXfs>", styles, re.S)
    if xfs is None:
        return () if b"cellXfs" not in styles else None
    kinds = []
    for attrs in re.findall(rb"<xf\b([^>]*)>", xfs.group(1)):
        fmt = dict(ATTR.findall(attrs)).get(b"numFmtId")
        if fmt is None:
            kinds.append(OTHER)
        elif fmt in custom:
            kinds.append(custom[fmt])
        else:
            kinds.append(
                DATE if fmt in BUILTIN_DATES else UNSURE if fmt in BUILTIN_UNSURE else OTHER
            )
    return tuple(kinds)


def _unescape(raw: bytes) -> bytes:
    return ENTITY.sub(lambda m: ENTITIES[m.group(1)], raw) if b"&" in raw else raw


def _text(raw: bytes, keep_space: bool) -> str:
    if b"&#" in raw or b"\r" in raw or b"_x00" in raw:
        raise NotPlain  # character references, line ends and _xHHHH_ escapes: calamine's way
    text = _unescape(raw).decode("utf-8")
    return text if keep_space else text.strip(ASCII_SPACE)


def string_item(item: bytes) -> str:
    """The text of one shared or inline string: its `<t>` texts, outside phonetic runs."""
    if item.startswith(b"<t>") and item.endswith(b"</t>") and item.count(b"<") == 2:
        return _text(item[3:-4], False)  # the common form: one text, no runs
    out = []
    end = 0
    for m in RUN_PARTS.finditer(item):
        if m.start() != end:
            raise NotPlain
        end = m.end()
        if m.group(0).startswith(b"<t"):
            out.append(_text(m.group("text") or b"", bool(m.group("keep"))))
    if end != len(item):
        raise NotPlain
    return "".join(out)


class SharedStrings:
    """The shared-strings table, split into items once; each item decoded when asked for."""

    def __init__(self, body: bytes):
        self.items = body.split(b"<si>")[1:]
        # every item is a plain <si>: none with attributes, empty, prefixed or in a comment
        if body.count(b"<si") != len(self.items) or b":si>" in body:
            raise NotPlain
        if b"!" in body and b"<!" in body:
            raise NotPlain
        self.decoded: dict[int, str] = {}

    def __getitem__(self, index: int) -> str:
        if index not in self.decoded:
            if index >= len(self.items):
                raise NotPlain  # calamine refuses the sheet: let it say so
            item, close, _ = self.items[index].partition(b"</si>")
            if not close:
                raise NotPlain
            self.decoded[index] = string_item(item)
        return self.decoded[index]


@dataclass
class Cells:
    """What was read of a sheet: values, and the formulas of the cells that hold one."""

    values: dict[Position, Any] = field(default_factory=dict)
    # the formula as written in the XML, and whether a result was saved with it
    formulas: dict[Position, tuple[bytes, bool]] = field(default_factory=dict)


class DirectCells:
    """Reads chosen cells of a workbook's sheets from its parts; raises NotPlain when it can't."""

    def __init__(self, parts: dict[str, bytes]):
        self.parts = parts
        self._strings: SharedStrings | None = None
        self._kinds: tuple[int, ...] | None = None
        self._seen: dict[Any, Any] = {}
        self._1900: bool | None = None  # the 1900 date system, not 1904

    def read(self, body: bytes, wanted: Sequence[Wanted]) -> Cells:
        """The wanted cells' values (None for blank or absent ones) and formulas, in one pass:
        `wanted` as `wanted_cells` makes it."""
        out = Cells()
        values, formulas = out.values, out.formulas
        at = misses = 0
        find, quick, seen = body.find, QUICK_CELL.match, self._seen
        for pos, needle in wanted:
            found = find(needle, at)
            if found < 0:
                misses += 1
                if misses == 1 and not plain_sheet(body):
                    raise NotPlain  # a cell may be there, written in another form
                if misses > MAX_MISSES or find(needle, 0, at) >= 0:
                    raise NotPlain  # many cells absent, or cells out of order
                values[pos] = None
                continue
            start = found + len(needle)
            m = quick(body, start)
            if m is None:
                m = CELL.match(body, start)
                if m is None:
                    raise NotPlain
                at = m.end()
                values[pos] = self._unusual(pos, dict(ATTR.findall(m.group(1))), m.group(2), out)
                continue
            at = m.end()
            key = m.group(1, 2, 5)  # (style, type, value): cells alike have one value
            value = seen.get(key, seen)
            if value is seen:
                value = seen[key] = self._value(key[1], key[2], key[0])
            values[pos] = value
            if m.group(3):
                formulas[pos] = (m.group(4) or b"", bool(key[2]))
        return out

    def _unusual(self, pos: Position, attrs: dict[bytes, bytes], content: bytes, out: Cells) -> Any:
        """A cell in a less common form: attributes in another order, an inline string."""
        if attrs.keys() - {b"s", b"t"}:
            raise NotPlain
        m = CONTENT.fullmatch(content or b"")
        if m is None:
            raise NotPlain
        kind, v, inline = attrs.get(b"t"), m.group("v"), m.group("inline")
        if m.group("f"):
            out.formulas[pos] = (m.group("text") or b"", bool(v) or inline is not None)
        if kind == b"inlineStr":
            return None if inline is None else string_item(inline) or None
        if inline is not None:
            raise NotPlain
        return self._value(kind, v, attrs.get(b"s"))

    def _value(self, kind: bytes | None, v: bytes | None, style: bytes | None) -> Any:
        if kind not in TYPES:
            raise NotPlain
        if not v or kind == b"inlineStr":  # an inline string's <v> is ignored, as calamine does
            return None
        if kind is None or kind == b"n":
            if not NUMBER.fullmatch(v):
                raise NotPlain
            return self._number(float(v), style)
        if kind == b"s":
            if not DIGITS.fullmatch(v):
                raise NotPlain
            return self.strings[int(v)] or None
        if kind == b"str":
            return _text(v, True) or None
        if kind == b"b":
            return v != b"0"
        if kind == b"e" and v in ERRORS:
            return None
        raise NotPlain

    def _number(self, value: float, style: bytes | None) -> Any:
        if style is None:
            return value
        if not DIGITS.fullmatch(style):
            raise NotPlain
        kinds = self.kinds
        index = int(style)
        kind = kinds[index] if index < len(kinds) else OTHER
        if kind == OTHER:
            return value
        if kind == DATE and value.is_integer() and FIRST_PLAIN_SERIAL <= value <= LAST_SERIAL:
            if self._1900 is None:
                self._1900 = _dates_from_1900(self.parts.get("xl/workbook.xml", b""))
            if self._1900:
                return EXCEL_EPOCH + timedelta(days=int(value))
        raise NotPlain  # a time, a duration, a date of 1900 or 1904: calamine knows best

    @property
    def strings(self) -> SharedStrings:
        if self._strings is None:
            self._strings = SharedStrings(self._part("xl/sharedstrings.xml"))
        return self._strings

    @property
    def kinds(self) -> tuple[int, ...]:
        if self._kinds is None:
            kinds = number_kinds(self._part("xl/styles.xml"))
            if kinds is None:
                raise NotPlain
            self._kinds = kinds
        return self._kinds

    def _part(self, lower: str) -> bytes:
        """A part by its name, as calamine finds it (its case does not matter)."""
        for name, body in self.parts.items():
            if name.lower() == lower:
                return body
        return b""


def _dates_from_1900(workbook: bytes) -> bool:
    """The workbook counts dates from 1900 (as calamine reads `date1904`); False if unsure."""
    if b"date1904" not in workbook:
        return True
    said = DATE_1904.findall(workbook)
    return len(said) == workbook.count(b"date1904") and all(v not in (b"1", b"true") for v in said)


def wanted_cells(positions: Iterable[Position]) -> tuple[Wanted, ...]:
    """Cells to read, in the order a sheet holds them, each with its start tag."""
    return tuple((p, b'<c r="%s%d"' % (_letters(p[1]), p[0] + 1)) for p in sorted(set(positions)))


@lru_cache(maxsize=4096)
def _letters(col: int) -> bytes:
    return col_letter(col).encode("ascii")
