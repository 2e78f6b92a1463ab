"""One pass over a worksheet's XML before any reader trusts it: how far its cells really
reach, and which cells hold formulas.

A reader allocates for the area from A1 to the farthest cell present (calamine: 32 bytes a
cell, so one stray "x" at XFD1048576 asks for 550 GB), so that area is measured here from the
cells themselves, never from the `<dimension>` the file declares. The same pass finds every
formula cell (its formula, and whether a result was saved with it), so that answers holding
a formula and results saved without a value are known without parsing the sheet again.

Three tiers, cheapest first. Spreadsheet programs write cells in one canonical form
(`<c r="D6" ...>`, no namespace prefix, the formula first inside the cell): when no cell
lies past column Z or row 9999, a few searches over the bytes bound the area; when one does,
every cell's reference is read to measure it exactly. Whenever the sheet is not in canonical
form, a streaming parse places every cell the way calamine does (a row or cell without `r`
follows the one before). `trimmed` rewrites a sheet keeping only the cells inside a box.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from operator import itemgetter
from xml.etree.ElementTree import Element, tostring

from defusedxml import ElementTree as SafeET

from ..workbook.layout import col_letter

Position = tuple[int, int]  # 0-based (row, column)

CACHED_SHEET_BYTES = 1024 * 1024
QUICK_ROWS, QUICK_COLS = 9999, 26  # the bound when no reference is longer than "Z9999"
# A cell start tag that is not canonical (a single space, then its reference), or whose
# reference lies past column Z or row 9999; and namespace-prefixed cells, rows and formulas.
UNUSUAL = re.compile(rb'<c(?! r="[A-Z][0-9]{1,4}")[\s>/]')
PREFIXED = re.compile(rb":(?:c|f|row)[\s>/]")
ANY_CELL = re.compile(rb"<c[\s>/]")
CELL_REF = re.compile(rb'<c\s+r="([A-Z]{1,3})([0-9]{1,7})"')
# The canonical cells whose first child is a formula; then, read only when a formula is asked
# about, each with its formula's text and the start of a saved value (b"" when none was saved).
# One pass finds both: a canonical formula cell gives its reference, any other <f gives b"".
FORMULA_CELL = re.compile(rb'<(?:c r="([A-Z]{1,3}[0-9]{1,7})"[^>]*>\s*<f|f)[\s>/]')
FORMULA = re.compile(
    rb'<c r="([A-Z]{1,3}[0-9]{1,7})"[^>]*>\s*'
    rb"<f(?:\s[^>]*?)?(?:/>|>([^<]*)</f>)\s*(<v>[^<]|<is>)?"
)
REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")
ENTITIES = {"&lt;": "<", "&gt;": ">", "&quot;": '"', "&apos;": "'", "&amp;": "&"}


@dataclass
class FormulaCell:
    formula: str
    has_value: bool  # a result was saved with the formula


@dataclass
class SheetScan:
    rows: int = 0  # no cell lies past row `rows` (1-based) or column `cols`
    cols: int = 0
    formula_refs: Collection[str] = ()  # the A1 references of the cells holding a formula
    _body: bytes = b""  # the canonical sheet, to read the formulas from when asked
    # A1 reference -> (formula text as in the XML, the start of a saved value or b"")
    _formulas: dict[str, tuple[bytes, bytes]] | None = None

    @property
    def area(self) -> int:
        """At most the cells a reader allocates for the sheet: A1 to the farthest cell."""
        return self.rows * self.cols

    def formula(self, a1: str) -> FormulaCell | None:
        """The formula in a cell, if it holds one (read and decoded only when asked for)."""
        if a1 not in self.formula_refs:
            return None
        if self._formulas is None:
            found = FORMULA.findall(self._body)
            self._formulas = {ref.decode("ascii"): (text, value) for ref, text, value in found}
        text, value = self._formulas.get(a1, (b"", b""))
        return FormulaCell(unescape(text), bool(value))


def col_number(letters: bytes | str) -> int:
    """1-based column number of A1-style letters."""
    text = letters.decode("ascii") if isinstance(letters, bytes) else letters
    n = 0
    for ch in text.upper():
        n = n * 26 + ord(ch) - 64
    return n


def scan(body: bytes, formulas: bool = True) -> SheetScan:
    """How far the cells reach and, when asked, the formula cells. Returns made from one
    template share sheets byte for byte (the `_meta` sheet, often more), so small sheets are
    scanned once (the bytes are the cache key); callers must not change the result."""
    if len(body) <= CACHED_SHEET_BYTES:
        return _scan_cached(body, formulas)
    return _scan(body, formulas)


@lru_cache(maxsize=32)
def _scan_cached(body: bytes, formulas: bool) -> SheetScan:
    return _scan(body, formulas)


def _scan(body: bytes, formulas: bool) -> SheetScan:
    if PREFIXED.search(body):
        return _streamed(body)
    if UNUSUAL.search(body):
        out = _measured(body)
        if out is None:
            return _streamed(body)
    else:
        out = SheetScan(QUICK_ROWS, QUICK_COLS)
    if formulas:
        refs = FORMULA_CELL.findall(body)
        if not all(refs):
            return _streamed(body)  # a formula that is not a cell's first child
        out.formula_refs, out._body = {r.decode("ascii") for r in refs}, body
    return out


def _measured(body: bytes) -> SheetScan | None:
    """Every cell's reference read; None when a cell does not carry its reference first."""
    refs = CELL_REF.findall(body)
    if len(ANY_CELL.findall(body)) != len(refs):
        return None
    if not refs:
        return SheetScan()
    rows = max(map(int, map(itemgetter(1), refs)))
    return SheetScan(rows, max(map(col_number, set(map(itemgetter(0), refs)))))


def _escape(text: str) -> bytes:
    return text.replace("&", "&amp;").replace("<", "&lt;").encode("utf-8")


def unescape(raw: bytes) -> str:
    """A formula's text as written in the XML, its entities replaced."""
    text = raw.decode("utf-8", errors="replace")
    if "&" in text:
        text = re.sub(r"&(?:lt|gt|quot|apos|amp);", lambda m: ENTITIES[m.group()], text)
    return text


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_ref(ref: str) -> Position | None:
    m = REF.match(ref)
    return (int(m.group(2)) - 1, col_number(m.group(1)) - 1) if m else None


class _Placer:
    """Positions of rows and cells as calamine assigns them, `r` or not."""

    def __init__(self) -> None:
        self.row = 0
        self.col = 0

    def start_row(self, el: Element) -> None:
        r = el.get("r")
        if r and r.isdigit():
            self.row = int(r) - 1

    def end_row(self) -> None:
        self.row += 1
        self.col = 0

    def cell(self, el: Element) -> Position:
        at = parse_ref(el.get("r", ""))
        if at is None:
            at = (self.row, self.col)
        self.col = at[1] + 1
        return at


def _streamed(body: bytes) -> SheetScan:
    """The careful reading: every element by its local name, whatever its prefix."""
    out = SheetScan()
    place = _Placer()
    cell_at: Position | None = None
    formula: str | None = None
    has_value = False
    found: dict[str, tuple[bytes, bytes]] = {}
    for event, el in SafeET.iterparse(BytesIO(body), events=("start", "end")):
        name = _local(el.tag)
        if event == "start":
            if name == "row":
                place.start_row(el)
            elif name == "c":
                cell_at, formula, has_value = place.cell(el), None, False
                out.rows, out.cols = max(out.rows, cell_at[0] + 1), max(out.cols, cell_at[1] + 1)
            continue
        if name == "f" and cell_at is not None:
            formula = el.text or ""
        elif name in ("v", "is") and cell_at is not None:
            has_value = has_value or name == "is" or bool(el.text)
        elif name == "c":
            if cell_at is not None and formula is not None:
                a1 = f"{col_letter(cell_at[1])}{cell_at[0] + 1}"
                found[a1] = (_escape(formula), b"v" if has_value else b"")
            cell_at = None
            el.clear()
        elif name == "row":
            place.end_row()
            el.clear()
    out.formula_refs, out._formulas = found.keys(), found
    return out


def trimmed(body: bytes, rows: int, cols: int) -> bytes:
    """The sheet with only the cells in the box A1 to (rows, cols), every kept row and cell
    given an explicit `r`, so that nothing moves."""
    root = SafeET.fromstring(body)
    place = _Placer()
    for data in [el for el in root.iter() if _local(el.tag) == "sheetData"]:
        for row in list(data):
            if _local(row.tag) != "row":
                data.remove(row)
                continue
            place.start_row(row)
            for cell in list(row):
                if _local(cell.tag) != "c":
                    continue
                r, c = place.cell(cell)
                if r < rows and c < cols:
                    cell.set("r", f"{col_letter(c)}{r + 1}")
                else:
                    row.remove(cell)
            if len(row):
                row.attrib.pop("r", None)  # its cells say where they are
            else:
                data.remove(row)
            place.end_row()
    return tostring(root)
