"""Returned workbook -> what it says: identity, answers and cached results, each with its cell.

Structure (defined names, sheet paths, document properties, save time) comes from the archive's
XML parts, parsed with defusedxml; cell values come from python-calamine, which is fast and
refuses XML entities. Every value keeps its sheet and A1 cell, so that issues can point at it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from io import BytesIO
from typing import Any

import python_calamine
from defusedxml import ElementTree as SafeET

from ..workbook.layout import META, Cell
from .preflight import Preflight

NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
NS_DCTERMS = "{http://purl.org/dc/terms/}"
NAME_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Z]{1,3})\$?(\d{1,7})$")


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
    _book: Any = None
    _sheets: dict[str, list[list[Any]]] = field(default_factory=dict)

    def sheet_rows(self, sheet: str) -> list[list[Any]]:
        if sheet not in self._sheets:
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
        rows = self.sheet_rows(ref.sheet)
        if ref.row < len(rows) and ref.col < len(rows[ref.row]):
            v = rows[ref.row][ref.col]
            return None if v == "" else v
        return None

    def meta(self) -> dict[str, str]:
        """The key/value rows at the top of the _meta sheet (empty if there is none)."""
        if META not in self.sheet_paths:
            return {}
        out: dict[str, str] = {}
        for row in self.sheet_rows(META):
            if not row or row[0] in ("", None):
                break
            out[str(row[0])] = "" if len(row) < 2 or row[1] is None else str(row[1])
        return out

    def formula_state(self, ref: Cell) -> tuple[bool, bool]:
        """(has a formula, has a cached value) for one cell, from the sheet's XML.

        Only called when a cached result disagrees with the recomputation, so its cost does not
        fall on every file.
        """
        path = self.sheet_paths.get(ref.sheet)
        body = self.parts.get(path or "")
        if body is None:
            return False, False
        target = ref.a1
        try:
            for _, el in SafeET.iterparse(BytesIO(body), events=("end",)):
                if el.tag == f"{NS_MAIN}c" and el.get("r") == target:
                    f = el.find(f"{NS_MAIN}f")
                    v = el.find(f"{NS_MAIN}v")
                    is_ = el.find(f"{NS_MAIN}is")
                    return f is not None, (
                        v is not None and (v.text or "") != ""
                    ) or is_ is not None
        except SafeET.ParseError as exc:
            raise UnreadableWorkbook(
                "damaged-workbook", sheet=ref.sheet, detail=f"invalid XML ({exc})"
            ) from None
        return False, False


def open_workbook(pf: Preflight) -> WorkbookFile:
    wb = WorkbookFile(pf.name, pf.parts, pf.data)
    try:
        wb.sheet_paths, wb.names = _structure(
            pf.parts["xl/workbook.xml"], pf.parts.get("xl/_rels/workbook.xml.rels", b"")
        )
        wb.props = _custom_properties(pf.parts.get("docProps/custom.xml", b""))
        wb.saved_at = _modified(pf.parts.get("docProps/core.xml", b""))
    except KeyError as exc:
        raise UnreadableWorkbook("corrupt-archive", reason=f"part {exc} is missing") from None
    except SafeET.ParseError as exc:
        raise UnreadableWorkbook("corrupt-archive", reason=f"invalid XML ({exc})") from None
    except Exception as exc:  # defusedxml's DTDForbidden, EntitiesForbidden...
        if type(exc).__module__.startswith("defusedxml"):
            raise UnreadableWorkbook("unsafe-xml", part="xl/workbook.xml or docProps") from None
        raise
    return wb


@lru_cache(maxsize=64)
def _structure(workbook_xml: bytes, rels_xml: bytes) -> tuple[dict[str, str], dict[str, Cell]]:
    """Sheet paths and in_/out_ names. Returns made from one template share these parts
    byte for byte, so each distinct structure is parsed once (the bytes are the cache key).
    Callers must not mutate the returned dicts."""
    root = SafeET.fromstring(workbook_xml)
    rels = _relationships(rels_xml)
    sheet_paths: dict[str, str] = {}
    names: dict[str, Cell] = {}
    for sheet in root.iter(f"{NS_MAIN}sheet"):
        target = rels.get(sheet.get(f"{NS_REL}id", ""), "")
        target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        sheet_paths[sheet.get("name", "")] = target
    for dn in root.iter(f"{NS_MAIN}definedName"):
        name = dn.get("name", "")
        if dn.get("localSheetId") is not None or not name.startswith(("in_", "out_")):
            continue
        m = NAME_REF.match((dn.text or "").strip())
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
    return {r.get("Id", ""): r.get("Target", "") for r in root.iter(f"{NS_PKG_REL}Relationship")}


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
