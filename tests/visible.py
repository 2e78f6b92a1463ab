"""Every string a person can see in a workbook, as the "Done when" test of issue 10 compares them
between languages: the names of the visible sheets, every cell's text (a formula's cached
result included), input messages and their titles, error alerts and their titles, headers and
footers, and the words of the charts."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import openpyxl

CHART_TEXT = re.compile(rb"<a:t>([^<]*)</a:t>|<c:v>([^<]*)</c:v>")


def visible_strings(path: Path) -> Iterator[tuple[str, str]]:
    """(where, text) for every string shown to a person in the workbook at `path`."""
    wb = openpyxl.load_workbook(path, data_only=True)
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        yield f"{ws.title}: sheet name", ws.title
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.strip():
                    yield f"{ws.title}!{cell.coordinate}", cell.value
        for dv in ws.data_validations.dataValidation:
            where = f"{ws.title}!{dv.sqref}"
            for kind in ("promptTitle", "prompt", "errorTitle", "error"):
                value = getattr(dv, kind)
                if value:
                    yield f"{where} {kind}", value
        for part in ("oddHeader", "oddFooter"):
            hf = getattr(ws, part)
            for side in ("left", "center", "right"):
                value = getattr(hf, side).text
                if value:
                    yield f"{ws.title} {part}.{side}", value
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if name.startswith("xl/charts/chart"):
                for m in CHART_TEXT.finditer(zf.read(name)):
                    text = (m.group(1) or m.group(2)).decode("utf-8")
                    if any(c.isalpha() for c in text):
                        yield f"{name}", text


FOOTER_CODES = re.compile(r"&[A-Z]|&&|&\"[^\"]*\"|&\d+")


def words(text: str) -> int:
    """Words of a text: tokens with a letter in them (footer codes, numbers, dashes are not)."""
    return sum(any(c.isalpha() for c in t) for t in FOOTER_CODES.sub(" ", text).split())


def english_left(english: Path, other: Path, ignore: set[str]) -> list[tuple[str, str]]:
    """The strings of `other` that are identical to one in `english` and longer than two
    words, apart from those in `ignore` (ids and proper names)."""
    seen = {text for _, text in visible_strings(english)}
    return [
        (where, text)
        for where, text in visible_strings(other)
        if text in seen and words(text) > 2 and text not in ignore
    ]
