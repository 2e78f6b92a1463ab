"""Answers read straight from the sheet XML are the values calamine reads, cell for cell.

The validator reads the cells it needs from each sheet's XML (returns/sheet_cells.py) and hands
anything it does not read that way to calamine. Each test reads the same workbook both ways and
compares every cell the validator reads, value and type: returns as rai-sheets writes them, as
LibreOffice saves them and without cached results, and cells in every form a spreadsheet
program or a hand-edited file may write them.
"""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import xlsxwriter

from rai_sheets.returns.preflight import preflight
from rai_sheets.returns.reader import UnreadableWorkbook, WorkbookFile, open_workbook
from rai_sheets.returns.returned import ReturnedFile, _identify, _wanted
from rai_sheets.returns.sheet_cells import wanted_cells
from rai_sheets.workbook.layout import Cell

from .factory import returned, rewrite_zip

SAVED_RESULT = re.compile(rb"(</f>|<f [^>]*/>)<v>[^<]*</v>")


def both_ways(path: Path, contents: dict | None = None, wanted=None) -> tuple[WorkbookFile, dict]:
    """The workbook read straight from its XML where it can be, and what calamine reads for
    every cell read that way: {(sheet, row, col): (direct value, calamine value)}."""
    pf = preflight(path)
    assert pf.ok, pf.issues
    direct, by_calamine = open_workbook(pf), open_workbook(pf)
    by_calamine.wanted = {}  # every cell from calamine's grid
    if wanted is None:
        qn = _identify(ReturnedFile(str(path), path.name), direct, contents or {})
        assert qn is not None
        wanted = _wanted(direct, qn)
    direct.wanted = wanted
    pairs = {}
    for sheet, cells in wanted.items():
        for (row, col), _ in cells:
            ref = Cell(sheet, row, col)
            pairs[(sheet, row, col)] = (_value(direct, ref), _value(by_calamine, ref))
    return direct, pairs


def _value(wb: WorkbookFile, ref: Cell) -> Any:
    try:
        return wb.value(ref)
    except UnreadableWorkbook as exc:  # calamine refuses the sheet: so must the other way
        return ("refused", exc.code)


def assert_same(pairs: dict) -> None:
    differ = {at: (d, c) for at, (d, c) in pairs.items() if d != c or type(d) is not type(c)}
    assert differ == {}


def read_directly(wb: WorkbookFile) -> set[str]:
    return {sheet for sheet, found in wb._direct.items() if found is not None}


def strip_results(src: Path, dst: Path) -> Path:
    """As a tool that does not calculate saves it: formulas kept, their results dropped."""
    return rewrite_zip(
        src,
        dst,
        lambda name, data: (
            SAVED_RESULT.sub(rb"\1<v></v>", data) if name.startswith("xl/worksheets/") else data
        ),
    )


@pytest.mark.parametrize("qid", ["readiness", "risk", "action"])
def test_a_return_reads_the_same_as_written_saved_without_results(qid, questionnaires, tmp_path):
    qn = questionnaires[qid]
    written = returned(tmp_path, qn)
    for path in (written, strip_results(written, tmp_path / "uncached.xlsx")):
        wb, pairs = both_ways(path, questionnaires)
        assert_same(pairs)
        assert read_directly(wb) == {sheet for sheet, _, _ in pairs}  # none fell back
        assert sum(d is not None for d, _ in pairs.values()) > 50


def test_a_return_saved_by_libreoffice_reads_the_same(questionnaires, tmp_path, libreoffice):
    for qid, qn in questionnaires.items():
        written = returned(tmp_path, qn)
        saved = tmp_path / f"{qid}_saved.xlsx"
        libreoffice.load(written)
        libreoffice.save(saved)
        libreoffice.close_doc()
        wb, pairs = both_ways(saved, questionnaires)
        assert_same(pairs)
        assert read_directly(wb) == {sheet for sheet, _, _ in pairs}
        assert sum(isinstance(d, date) for d, _ in pairs.values()) or qid == "readiness"


# ---- cells in every form ---------------------------------------------------------------------

FORMATS = [
    "yyyy-mm-dd",
    "yyyy\\-mm\\-dd",
    "dd/mm/yyyy",
    "[$-409]d-mmm-yy",
    "mmm yyyy",
    "hh:mm",
    "0.00",
    "#,##0",
    "0%",
    "0.00E+00",
    "0;\\-0;;",
    "@",
    "[h]:mm",
    '"$"#,##0',
    "d/m/yyyy;@",
    "#,##0*y",
]
NUMBERS = [46000, 46000.25, 30, 0.5, 61, 60, -3, 1234567.5]


def _book(path: Path, strings: list[str]) -> Path:
    """A sheet of numbers in many formats, strings and booleans, as xlsxwriter writes them."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("S")
    for col, code in enumerate(FORMATS):
        fmt = wb.add_format({"num_format": code})
        for row, n in enumerate(NUMBERS):
            ws.write_number(row, col, n, fmt)
    for row, text in enumerate(strings):
        ws.write_string(row, len(FORMATS), text)
    ws.write_boolean(0, len(FORMATS) + 1, True)
    ws.write_boolean(1, len(FORMATS) + 1, False)
    ws.write_formula(2, len(FORMATS) + 1, "=1/0", None, "#DIV/0!")
    ws.write_formula(3, len(FORMATS) + 1, '="a&b"', None, "a&b")
    ws.write_number(4, len(FORMATS) + 1, 12.5)
    wb.close()
    return path


def _everything(rows: int = 10, cols: int = len(FORMATS) + 3):
    return {"S": wanted_cells((r, c) for r in range(rows) for c in range(cols))}


def test_numbers_in_every_format_read_as_calamine_reads_them(tmp_path):
    path = _book(tmp_path / "formats.xlsx", ["plain", "  padded  ", "a & b <c>", "é ü 中"])
    wb, pairs = both_ways(path, wanted=_everything())
    assert_same(pairs)
    # the formats whose kind is not certain, and the odd dates, were handed to calamine
    assert read_directly(wb) == set()
    plain = _book(tmp_path / "plain.xlsx", ["plain", "a & b <c>"])
    certain = {"S": wanted_cells((r, c) for r in (0, 4) for c in range(12))}
    wb, pairs = both_ways(plain, wanted=certain)
    assert_same(pairs)
    assert read_directly(wb) == {"S"}
    assert pairs[("S", 0, 0)][0] == date(2025, 12, 9)


def _edited(src: Path, dst: Path, cells: dict[str, bytes], strings: list[bytes] = ()) -> Path:
    """A copy with cells of sheet S rewritten by hand and shared strings added."""

    def edit(name: str, data: bytes) -> bytes:
        if name == "xl/worksheets/sheet1.xml":
            refs = b"|".join(ref.encode() for ref in cells)
            data, n = re.subn(
                rb'<c r="(%s)"[^>]*?(?:/>|>.*?</c>)' % refs,
                lambda m: cells[m.group(1).decode()],
                data,
            )
            assert n == len(cells)
        if name == "xl/sharedStrings.xml" and strings:
            data = data.replace(b"</sst>", b"".join(strings) + b"</sst>")
        return data

    return rewrite_zip(src, dst, edit)


# Cells as other programs, or hands, write them: (cell XML with {s} for a new shared string,
# shared strings added, whether it is read straight from the XML).
UNUSUAL = {
    "inline": (b'<c r="{r}" t="inlineStr"><is><t>inline</t></is></c>', [], True),
    "inline runs": (
        b'<c r="{r}" t="inlineStr"><is><r><t>a</t></r><r><rPr><b/><sz val="9"/></rPr>'
        b'<t xml:space="preserve"> b </t></r></is></c>',
        [],
        True,
    ),
    "runs and phonetic": (
        b'<c r="{r}" t="s"><v>{s}</v></c>',
        [b'<si><r><t>x</t></r><rPh sb="0" eb="1"><t>ph</t></rPh><r><t>y</t></r></si>'],
        True,
    ),
    "spaces kept": (
        b'<c r="{r}" t="s"><v>{s}</v></c>',
        [b'<si><t xml:space="preserve">  kept  </t></si>'],
        True,
    ),
    "spaces trimmed": (
        b'<c r="{r}" t="s"><v>{s}</v></c>',
        [b"<si><t>\n  trimmed \t</t></si>"],
        True,
    ),
    "empty string": (b'<c r="{r}" t="s"><v>{s}</v></c>', [b"<si><t></t></si>"], True),
    "escape": (b'<c r="{r}" t="s"><v>{s}</v></c>', [b"<si><t>a_x000D_b</t></si>"], False),
    "char reference": (b'<c r="{r}" t="s"><v>{s}</v></c>', [b"<si><t>a&#10;b</t></si>"], False),
    "attributes reversed": (b'<c r="{r}" t="s" s="0"><v>0</v></c>', [], True),
    "exponent": (b'<c r="{r}"><v>1.5E3</v></c>', [], True),
    "explicit number": (b'<c r="{r}" t="n"><v>-.5</v></c>', [], True),
    "not a number": (b'<c r="{r}"><v>abc</v></c>', [], False),
    "boolean false": (b'<c r="{r}" t="b"><v>0</v></c>', [], True),
    "error": (b'<c r="{r}" t="e"><v>#N/A</v></c>', [], True),
    "formula string": (b'<c r="{r}" t="str"><f>"x"</f><v>x &amp; y</v></c>', [], True),
    "shared formula": (b'<c r="{r}"><f t="shared" si="0"/><v>4</v></c>', [], True),
    "empty value": (b'<c r="{r}"><v/></c>', [], True),
    "iso date": (b'<c r="{r}" t="d"><v>2026-01-31</v></c>', [], False),
    "cell metadata": (b'<c r="{r}" cm="1"><v>1</v></c>', [], False),
    "unknown type": (b'<c r="{r}" t="x"><v></v></c>', [], False),
}


@pytest.mark.parametrize("case", sorted(UNUSUAL))
def test_cells_in_unusual_forms_read_as_calamine_reads_them(case, tmp_path):
    xml, strings, direct = UNUSUAL[case]
    base = _book(tmp_path / "base.xlsx", ["one", "two"])
    with zipfile.ZipFile(base) as zf:
        count = zf.read("xl/sharedStrings.xml").count(b"<si>")
    ref = "R1"  # column R: the strings
    cell = xml.replace(b"{r}", ref.encode()).replace(b"{s}", b"%d" % count)
    path = _edited(base, tmp_path / "edited.xlsx", {ref: cell}, strings)
    wanted = {"S": wanted_cells((r, c) for r in range(3) for c in (16, 17, 18))}
    wb, pairs = both_ways(path, wanted=wanted)
    assert_same(pairs)
    assert read_directly(wb) == ({"S"} if direct else set())


def test_cells_out_of_order_or_mostly_absent_are_left_to_calamine(tmp_path):
    base = _book(tmp_path / "base.xlsx", ["one", "two"])
    swapped = _edited(
        base,
        tmp_path / "swapped.xlsx",
        {"R1": b'<c r="R2" t="s"><v>1</v></c>', "R2": b'<c r="R1" t="s"><v>0</v></c>'},
    )
    wb, pairs = both_ways(swapped, wanted={"S": wanted_cells([(0, 17), (1, 17)])})
    assert_same(pairs)
    assert read_directly(wb) == set()
    far = {"S": wanted_cells((r, 30) for r in range(40))}  # forty cells that are not there
    wb, pairs = both_ways(base, wanted=far)
    assert_same(pairs)
    assert read_directly(wb) == set()


def test_dates_of_a_workbook_counted_from_1904_read_as_calamine_reads_them(tmp_path):
    path = tmp_path / "1904.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"date_1904": True})
    ws = wb.add_worksheet("S")
    ws.write_number(0, 0, 44000, wb.add_format({"num_format": "yyyy-mm-dd"}))
    ws.write_number(0, 1, 44000)
    wb.close()
    book, pairs = both_ways(path, wanted={"S": wanted_cells([(0, 0), (0, 1)])})
    assert_same(pairs)
    assert pairs[("S", 0, 0)][1] == date(2024, 6, 19)  # 1904-01-01 + 44000 days
