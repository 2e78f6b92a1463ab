"""Table rows written straight as worksheet XML, then spliced into the workbook xlsxwriter made.

A summary of 10,000 returns has over a million table cells. Held in xlsxwriter's cell store
until the file closes, they cost most of the summary's time and a few hundred MB. The
tables are written here instead, row by row, to temporary files: inline strings, numbers and
styled blanks, with the formats' style numbers from xlsxwriter. When xlsxwriter has written the
workbook, `splice` puts each block of rows in its sheet's XML, in row order, adds their merged
ranges to the sheet's, widens its dimension to cover them, and sets each filterable table's
range to all its rows (xlsxwriter is told of one, or it records every cell a table covers).
Tables that charts read stay in xlsxwriter's store: a chart keeps a copy of the values it
shows, and xlsxwriter fills it from there.
"""

from __future__ import annotations

import io
import math
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO

from ..workbook.layout import col_letter

MAX_STRING = 32767  # Excel's limit on the characters of one cell
MAX_ROW_HEIGHT = 409  # and on the points of one row's height
_ESCAPED_ESCAPE = re.compile(r"(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\ufffe\uffff]")
_MARKUP = re.compile(r"[&<>]")
_ROW = re.compile(rb'<row r="(\d+)"')
_DIMENSION = re.compile(rb'<dimension ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"/>')
EXCEL_EPOCH = datetime(1899, 12, 30)
_MERGE_CELLS = re.compile(rb'<mergeCells count="(\d+)">')
# what follows <mergeCells> in a worksheet, in the order the schema sets
_AFTER_MERGES = re.compile(
    rb"<(?:phoneticPr|conditionalFormatting|dataValidations|hyperlinks|printOptions|pageMargins"
    rb"|pageSetup|headerFooter|rowBreaks|colBreaks|ignoredErrors|drawing|legacyDrawing"
    rb"|tableParts|extLst)\b"
)
_TABLE_NAME = re.compile(rb'<table [^>]*displayName="([^"]+)"')
FLUSH_EVERY = 2000  # rows held as text before they go to the temporary file


def string_tail(style: int, value: str) -> str:
    """A text cell's XML after its reference (`<c r="B7"` comes first), as Excel writes one
    without the shared string table: the same for every cell of that style and text."""
    if not value:
        return f' s="{style}"/>'
    value = value[:MAX_STRING]
    if "_x" in value:  # a literal "_x0041_" must not be read as an escaped character
        value = _ESCAPED_ESCAPE.sub(r"_x005F\1", value)
    if _CONTROL.search(value):  # characters XML cannot carry, in Excel's escape
        value = _CONTROL.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
    if _MARKUP.search(value):
        value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    space = ' xml:space="preserve"' if value[0].isspace() or value[-1].isspace() else ""
    return f' s="{style}" t="inlineStr"><is><t{space}>{value}</t></is></c>'


def excel_serial(when: datetime) -> float:
    """Days since Excel's day 0 (1899-12-30 in its 1900 date system, for dates after 1900-03-01,
    which is every date a return can carry)."""
    return (when.replace(tzinfo=None) - EXCEL_EPOCH) / timedelta(days=1)


def number(ref: str, style: int, value: float | None) -> str:
    """A number cell (a blank one, styled, when there is no finite number)."""
    if value is None or not math.isfinite(value):
        return f'<c r="{ref}" s="{style}"/>'
    return f'<c r="{ref}" s="{style}"><v>{value:.16G}</v></c>'


@dataclass
class Block:
    """Consecutive rows of one sheet (0-based, inclusive), held in a temporary file."""

    first: int
    last: int
    columns: int
    merges: list[str] = field(default_factory=list)  # ranges such as "B7:D7"
    file: IO[bytes] = field(default_factory=lambda: tempfile.TemporaryFile())  # noqa: SIM115


class RowWriter:
    """Writes the rows of one block; `row` takes the cells' XML already made."""

    def __init__(self, first: int, columns: int):
        self.block = Block(first, first - 1, columns)
        self.letters = [col_letter(c) for c in range(columns)]
        self._pending: list[str] = []

    def row(self, r: int, cells: list[str], height: int = 0) -> None:
        # Excel refuses a row taller than 409 points; the text stays whole, in its cell
        ht = f' ht="{min(height, MAX_ROW_HEIGHT)}" customHeight="1"' if height else ""
        self._pending.append(f'<row r="{r + 1}"{ht}>{"".join(cells)}</row>')
        self.block.last = r
        if len(self._pending) >= FLUSH_EVERY:
            self.flush()

    def merge(self, cells: str) -> None:
        self.block.merges.append(cells)

    def flush(self) -> None:
        if self._pending:
            self.block.file.write("".join(self._pending).encode("utf-8"))
            self._pending.clear()

    def done(self) -> Block:
        self.flush()
        return self.block


def splice(
    xlsx: bytes, blocks: dict[str, list[Block]], tables: dict[str, tuple[str, str]]
) -> bytes:
    """The workbook with each sheet's blocks of rows in place (`blocks` by part name) and each
    named table's range as meant (`tables`: name -> (range written, range meant))."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx)) as zin,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout,
    ):
        for info in zin.infolist():
            data = zin.read(info)
            those = sorted(blocks.get(info.filename, ()), key=lambda b: b.first)
            if info.filename.startswith("xl/tables/"):
                data = _table_range(data, tables)
            if not those:
                zout.writestr(info, data)
                continue
            part = zipfile.ZipInfo(info.filename, date_time=info.date_time)
            part.compress_type = zipfile.ZIP_DEFLATED
            with zout.open(part, "w") as w:
                try:
                    _write_sheet(w, data, those)
                except ValueError as exc:
                    raise ValueError(f"{info.filename}: {exc}") from None
        lost = blocks.keys() - set(zin.namelist())
        if lost:  # rows for a sheet the workbook does not have would vanish without a word
            raise ValueError(f"no sheet part {sorted(lost)[0]} to put streamed rows in")
    return out.getvalue()


def _write_sheet(w: IO[bytes], xml: bytes, blocks: list[Block]) -> None:
    xml = xml.replace(b"<sheetData/>", b"<sheetData></sheetData>", 1)  # a sheet with no cells
    xml = _merge(_widen(xml, blocks), [m for b in blocks for m in b.merges])
    end = xml.index(b"</sheetData>")
    rows = [(int(m.group(1)), m.start()) for m in _ROW.finditer(xml, 0, end)]
    at = 0
    for b in blocks:
        clash = [n for n, _ in rows if b.first < n <= b.last + 1]
        if clash:  # two <row> elements for one row make a file Excel refuses to open
            raise ValueError(f"row {clash[0]} is written twice")
        cut = next((pos for n, pos in rows if n > b.last + 1), end)
        w.write(xml[at:cut])
        b.file.seek(0)
        shutil.copyfileobj(b.file, w, 1 << 20)
        b.file.close()
        at = cut
    w.write(xml[at:])


def _merge(xml: bytes, ranges: list[str]) -> bytes:
    """The sheet's <mergeCells> with these ranges too (made where the schema puts it)."""
    if not ranges:
        return xml
    cells = "".join(f'<mergeCell ref="{r}"/>' for r in ranges).encode()
    m = _MERGE_CELLS.search(xml)
    if m:
        count = int(m.group(1)) + len(ranges)
        end = xml.index(b"</mergeCells>", m.end())
        return b"".join(
            (
                xml[: m.start()],
                b'<mergeCells count="%d">' % count,
                xml[m.end() : end],
                cells,
                xml[end:],
            )
        )
    at = _AFTER_MERGES.search(xml, xml.index(b"</sheetData>"))
    cut = at.start() if at else xml.rindex(b"</worksheet>")
    made = b'<mergeCells count="%d">' % len(ranges) + cells + b"</mergeCells>"
    return xml[:cut] + made + xml[cut:]


def _table_range(xml: bytes, tables: dict[str, tuple[str, str]]) -> bytes:
    m = _TABLE_NAME.search(xml)
    if m and m.group(1).decode() in tables:
        written, meant = tables[m.group(1).decode()]
        xml = xml.replace(f'ref="{written}"'.encode(), f'ref="{meant}"'.encode())
    return xml


def _widen(xml: bytes, blocks: list[Block]) -> bytes:
    """The sheet's <dimension> covering the blocks' rows and columns too."""
    m = _DIMENSION.search(xml)
    if not m:
        return xml
    c0, r0 = _col(m.group(1)), int(m.group(2))
    c1, r1 = (_col(m.group(3)), int(m.group(4))) if m.group(3) else (c0, r0)
    for b in blocks:
        r0, r1 = min(r0, b.first + 1), max(r1, b.last + 1)
        c0, c1 = min(c0, 0), max(c1, b.columns - 1)
    ref = f"{col_letter(c0)}{r0}:{col_letter(c1)}{r1}".encode()
    return xml[: m.start()] + b'<dimension ref="' + ref + b'"/>' + xml[m.end() :]


def _col(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1
