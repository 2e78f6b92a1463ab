"""Returned workbook -> what it says: identity, answers and cached results, each with its cell.

Structure (defined names, sheet paths, document properties, save time) comes from the archive's
XML parts, parsed with defusedxml, by local names so that Strict OOXML (Excel's "Strict Open XML
Spreadsheet": other namespaces for the same elements) reads like transitional; cell values come
from python-calamine, which is fast and refuses XML entities. Every value keeps its sheet and A1
cell, so that issues can point at it.

No reader trusts a size the file declares: the number of defined names and the shared-strings
count are checked first, and each sheet is scanned (sheet_scan.py) before calamine reads it.
A sheet whose cells reach far past the questionnaire's cells (a stray "x" at XFD1048576) is
read with only the cells inside the questionnaire's box; one that would still need too much
memory is refused (`too-large-when-read`).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from io import BytesIO
from typing import Any

import python_calamine
from defusedxml import ElementTree as SafeET

from ..workbook.layout import META, Cell
from .per_object import Cache, once_per
from .preflight import Preflight
from .sheet_cells import Cells, DirectCells, NotPlain, Position, Wanted, wanted_cells
from .sheet_scan import FormulaCell, SheetScan, parse_ref, scan, trimmed, unescape

NS_DCTERMS = "{http://purl.org/dc/terms/}"
NAME_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d{1,7})$")
# What a returned workbook may ask a reader to hold. Ours have a few hundred names and a few
# thousand strings, and no sheet reaches past a few thousand cells.
MAX_DEFINED_NAMES = 20_000
MAX_STRINGS_OVERSTATED = 10_000  # shared strings declared beyond those present
MAX_GRID_CELLS = 2_000_000  # A1 to the farthest cell, per sheet read (calamine: 32 bytes each)
META_BOX = (1000, 8)  # the part of the _meta sheet read: its key rows are far within it
META_ROWS = 40  # the key rows of _meta, read straight from the XML (far more than it has)
META_WANTED = wanted_cells((r, c) for r in range(META_ROWS) for c in (0, 1))
STRINGS_DECLARED = re.compile(rb"""uniqueCount\s*=\s*["']\s*([0-9]+)""")
STRING_ITEM = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?si[\s>/]")


class UnreadableWorkbook(Exception):
    """The archive is sane but its workbook cannot be parsed; `code` is an issue code."""

    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class WorkbookFile:
    """An opened returned workbook: the structure, with values read on demand."""

    name: str
    parts: dict[str, bytes]
    data: bytes
    names: dict[str, Cell] = field(default_factory=dict)
    sheet_paths: dict[str, str] = field(default_factory=dict)
    props: dict[str, str] = field(default_factory=dict)
    saved_at: datetime | None = None
    # The cells of each sheet that are read straight from its XML (sheet_cells.py); any
    # other cell, and every cell of a sheet not in a plain form, is read with calamine.
    wanted: dict[str, tuple[Wanted, ...]] = field(default_factory=lambda: {META: META_WANTED})
    _book: Any = None
    _sheets: dict[str, list[list[Any]]] = field(default_factory=dict)
    _scans: dict[str, SheetScan] = field(default_factory=dict)
    _direct: dict[str, Cells | None] = field(default_factory=dict)
    _cells: DirectCells | None = None

    def sheet_rows(self, sheet: str) -> list[list[Any]]:
        if sheet not in self._sheets:
            if sheet in self.sheet_paths:
                self._make_safe_to_read(sheet)
            try:
                if self._book is None:
                    self._book = python_calamine.CalamineWorkbook.from_filelike(BytesIO(self.data))
                rows = self._book.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            except python_calamine.WorksheetNotFound:
                rows = []
            except python_calamine.CalamineError as exc:  # damaged XML, missing parts...
                raise UnreadableWorkbook(
                    "damaged-workbook", sheet=sheet, detail=str(exc).split("\n")[0][:200]
                ) from None
            self._sheets[sheet] = rows
        return self._sheets[sheet]

    def value(self, ref: Cell) -> Any:
        direct = self._read_direct(ref.sheet)
        if direct is not None and (ref.row, ref.col) in direct.values:
            return direct.values[(ref.row, ref.col)]
        rows = self.sheet_rows(ref.sheet)
        if ref.row < len(rows) and ref.col < len(rows[ref.row]):
            v = rows[ref.row][ref.col]
            return None if v == "" else v
        return None

    def values_read(self, sheet: str) -> Mapping[Position, Any] | None:
        """The values of the wanted cells of a sheet read from its XML (as `value` gives
        them); None when the sheet is read with calamine."""
        direct = self._read_direct(sheet)
        return None if direct is None else direct.values

    def _read_direct(self, sheet: str) -> Cells | None:
        """The wanted cells of a sheet, read straight from its XML (once); None when that
        cannot be."""
        if sheet in self._direct:
            return self._direct[sheet]
        found = None
        wanted = self.wanted.get(sheet)
        path = self.sheet_paths.get(sheet, "")
        if wanted and path in self.parts:
            if self._box_area(sheet) > MAX_GRID_CELLS:
                self._make_safe_to_read(sheet)  # the verdict calamine's reading would get
            if self._cells is None:
                self._cells = DirectCells(self.parts)
            try:
                found = self._cells.read(self.parts[path], wanted)
            except NotPlain:
                found = None
        self._direct[sheet] = found
        return found

    def meta(self) -> dict[str, str]:
        """The key/value rows at the top of the _meta sheet (empty if there is none)."""
        if META not in self.sheet_paths:
            return {}
        direct = self._read_direct(META)
        keys = _meta_keys(direct.values) if direct is not None else None
        if keys is not None:
            return keys
        out: dict[str, str] = {}  # no end within the rows read: read the whole sheet
        for row in self.sheet_rows(META):
            if not row or row[0] in ("", None):
                break
            out[str(row[0])] = "" if len(row) < 2 or row[1] is None else str(row[1])
        return out

    def formula(self, ref: Cell) -> FormulaCell | None:
        """The formula a cell holds, with whether a result was saved with it; None if none."""
        direct = self._read_direct(ref.sheet)
        if direct is not None and (ref.row, ref.col) in direct.values:
            found = direct.formulas.get((ref.row, ref.col))
            return None if found is None else FormulaCell(unescape(found[0]), found[1])
        return self._scan(ref.sheet).formula(ref.a1)

    def formula_cells(self, sheet: str) -> Collection[Position]:
        """Where the cells that hold a formula are on a sheet: among the cells read from its
        XML when it was read that way, else all of them."""
        direct = self._read_direct(sheet)
        if direct is not None:
            return direct.formulas.keys()
        refs = (parse_ref(a1) for a1 in self._scan(sheet).formula_refs)
        return {at for at in refs if at is not None}

    def _scan(self, sheet: str) -> SheetScan:
        if sheet not in self._scans:
            body = self.parts.get(self.sheet_paths.get(sheet, ""), b"")
            try:
                self._scans[sheet] = scan(body, formulas=sheet != META)
            except SafeET.ParseError as exc:
                raise UnreadableWorkbook(
                    "damaged-workbook", sheet=sheet, detail="word.invalid_xml", error=str(exc)
                ) from None
        return self._scans[sheet]

    def _make_safe_to_read(self, sheet: str) -> None:
        """Before calamine reads a sheet: keep its grid within budget, or refuse the file."""
        if self._scan(sheet).area <= MAX_GRID_CELLS:
            return
        rows, cols = self._box(sheet)
        if rows * cols > MAX_GRID_CELLS:
            raise UnreadableWorkbook(
                "too-large-when-read",
                detail="word.grid_too_far",
                rows=rows,
                cols=cols,
                where=sheet,
            )
        path = self.sheet_paths[sheet]
        try:
            self.parts = {**self.parts, path: trimmed(self.parts[path], rows, cols)}
        except SafeET.ParseError as exc:
            raise UnreadableWorkbook(
                "damaged-workbook", sheet=sheet, detail="word.invalid_xml", error=str(exc)
            ) from None
        self.data, self._book = _zipped(self.parts), None

    def _box_area(self, sheet: str) -> int:
        """The area of `_box`, worked out once per template (its names are one object)."""
        areas: dict[str, int] = once_per(_BOX_AREAS, (self.names,), dict)
        if sheet not in areas:
            rows, cols = self._box(sheet)
            areas[sheet] = rows * cols
        return areas[sheet]

    def _box(self, sheet: str) -> tuple[int, int]:
        """The rows and columns that hold what rai-sheets reads on a sheet."""
        if sheet == META:
            return META_BOX
        mine = [c for c in self.names.values() if c.sheet == sheet]
        if not mine:
            return 0, 0
        # question texts sit left of the answers, on the same rows
        return max(c.row for c in mine) + 1, max(max(c.col for c in mine) + 1, 4)


_BOX_AREAS: Cache = {}


def _meta_keys(direct: dict[Position, Any]) -> dict[str, str] | None:
    """The key rows of _meta from its top cells, or None if they do not end within them."""
    out: dict[str, str] = {}
    for row in range(META_ROWS):
        key, value = direct[(row, 0)], direct[(row, 1)]
        if key is None:
            return out
        out[str(key)] = "" if value is None else str(value)
    return None


def _zipped(parts: dict[str, bytes]) -> bytes:
    buf = BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, body in parts.items():
            zf.writestr(name, body)
    return buf.getvalue()


def check_declared_sizes(parts: dict[str, bytes]) -> None:
    """Counts that readers allocate for before reading, against what the parts hold."""
    names = parts.get("xl/workbook.xml", b"").count(b"definedName ")
    if names > MAX_DEFINED_NAMES:
        raise UnreadableWorkbook(
            "too-large-when-read",
            detail="word.too_many_names",
            n=names,
            limit=MAX_DEFINED_NAMES,
        )
    for part, body in parts.items():
        if not part.lower().endswith("sharedstrings.xml"):
            continue
        found = STRINGS_DECLARED.search(body[:4096])
        declared = int(found.group(1)) if found else 0
        if declared > MAX_STRINGS_OVERSTATED:
            present = len(STRING_ITEM.findall(body))
            if declared > present + MAX_STRINGS_OVERSTATED:
                raise UnreadableWorkbook(
                    "too-large-when-read",
                    detail="word.strings_overstated",
                    declared=declared,
                    present=present,
                )


def open_workbook(pf: Preflight) -> WorkbookFile:
    check_declared_sizes(pf.parts)
    wb = WorkbookFile(pf.name, pf.parts, pf.data)
    try:
        wb.sheet_paths, wb.names = _structure(
            pf.parts["xl/workbook.xml"], pf.parts.get("xl/_rels/workbook.xml.rels", b"")
        )
        wb.props = _custom_properties(pf.parts.get("docProps/custom.xml", b""))
        wb.saved_at = _modified(pf.parts.get("docProps/core.xml", b""))
    except KeyError as exc:
        raise UnreadableWorkbook(
            "corrupt-archive", reason="word.part_missing", part=str(exc).strip("'")
        ) from None
    except SafeET.ParseError as exc:
        raise UnreadableWorkbook(
            "corrupt-archive", reason="word.invalid_xml", error=str(exc)
        ) from None
    except Exception as exc:  # defusedxml's DTDForbidden, EntitiesForbidden...
        if type(exc).__module__.startswith("defusedxml"):
            raise UnreadableWorkbook("unsafe-xml", part="xl/workbook.xml or docProps") from None
        raise
    return wb


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


@lru_cache(maxsize=64)
def _structure(workbook_xml: bytes, rels_xml: bytes) -> tuple[dict[str, str], dict[str, Cell]]:
    """Sheet paths and in_/out_ names. Returns made from one template share these parts
    byte for byte, so each distinct structure is parsed once (the bytes are the cache key).
    Callers must not mutate the returned dicts. Elements and attributes are matched by
    their local names: transitional and Strict OOXML differ only in namespaces here."""
    root = SafeET.fromstring(workbook_xml)
    rels = _relationships(rels_xml)
    sheet_paths: dict[str, str] = {}
    names: dict[str, Cell] = {}
    for el in root.iter():
        tag = _local(el.tag)
        if tag == "sheet":
            rel_id = next((v for k, v in el.attrib.items() if _local(k) == "id"), "")
            target = rels.get(rel_id, "")
            target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
            sheet_paths[el.get("name", "")] = target
        elif tag == "definedName":
            name = el.get("name", "")
            if el.get("localSheetId") is not None or not name.startswith(("in_", "out_")):
                continue
            m = NAME_REF.match((el.text or "").strip())
            if m:
                sheet = (m.group(1) or "").replace("''", "'") or (m.group(2) or "")
                names[name] = Cell(sheet, int(m.group(4)) - 1, _col_index(m.group(3)))
    return sheet_paths, names


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _relationships(body: bytes) -> dict[str, str]:
    if not body:
        return {}
    root = SafeET.fromstring(body)
    return {
        r.get("Id", ""): r.get("Target", "") for r in root.iter() if _local(r.tag) == "Relationship"
    }


def _custom_properties(body: bytes) -> dict[str, str]:
    if not body:
        return {}
    out = {}
    for prop in SafeET.fromstring(body):
        name = prop.get("name")
        if name and len(prop):
            out[name] = (prop[0].text or "").strip()
    return out


def _modified(body: bytes) -> datetime | None:
    if not body:
        return None
    el = SafeET.fromstring(body).find(f"{NS_DCTERMS}modified")
    if el is None or not el.text:
        return None
    try:
        return datetime.fromisoformat(el.text.strip().replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return None
