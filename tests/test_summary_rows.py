"""The summary's long tables are written as worksheet XML by rai-sheets itself, row by row, and
spliced into the workbook xlsxwriter makes: a summary of 10,000 returns has over a million
table cells. What a chief sees in LibreOffice, and what Excel's readers find, must be exactly
what was written, hostile text included."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pandas as pd
import pytest
import xlsxwriter

from rai_sheets.consolidate.streamed_rows import RowWriter, splice
from rai_sheets.consolidate.summary_book import Sheet, Styled, SummaryBook

HEADERS = ["Risk", "Score", "Due", "Note"]
ROWS = [
    ['A & B <b> "quoted"', 0.5, date(2026, 11, 27), "  spaces around  "],
    ['=HYPERLINK("http://attacker.example")', None, None, "bell\x07 and a literal _x0041_"],
    [Styled("No mitigation", "flag"), "Not yet due", None, "word " * 120],
    ["", 3, None, "x" * 40000],
    ["عالية", float("nan"), pd.NaT, "🙂 الإجراء"],
]


def write_book(path: Path) -> None:
    book = SummaryBook(SimpleNamespace(lang="en", round_id="R1"))  # type: ignore[arg-type]
    s = Sheet(book, "Items", [30, 10, 12, 40])
    s.title("Risk items", "a test")
    s.list_table("Items", HEADERS, ROWS, ["wrap", "pct", "date", "wrap"], "none")
    s.heading("After the table")
    s.table(["Left", "Right"], [["merged", "too"]], ["cell", "cell"], spans=[2, 2])
    path.write_bytes(book.close())


@pytest.fixture(scope="module")
def summary(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("rows") / "summary.xlsx"
    write_book(path)
    return path


def test_streamed_rows_read_back_as_written_with_their_table_and_what_follows(summary):
    wb = openpyxl.load_workbook(summary)
    ws = wb["Items"]
    assert [c.value for c in ws[4]] == HEADERS
    assert ws["A5"].value == 'A & B <b> "quoted"'
    assert (ws["B5"].value, ws["B5"].number_format) == (0.5, "0%")
    assert ws["C5"].value == datetime(2026, 11, 27)
    assert ws["D5"].value == "  spaces around  "
    assert (ws["A6"].value, ws["A6"].data_type, ws["A6"].quotePrefix) == (
        '=HYPERLINK("http://attacker.example")',
        "s",
        True,
    )
    assert ws["B6"].value is None and ws["C6"].value is None
    assert "_x0041_" in ws["D6"].value  # a literal stays literal
    assert (ws["A7"].value, ws["A7"].font.b) == ("No mitigation", True)  # its own style
    assert ws["B7"].value == "Not yet due"
    assert len(ws["D8"].value) == 32767  # what Excel can hold
    assert ws.row_dimensions[8].height == 409  # as tall as Excel allows
    assert ws["A9"].value == "عالية" and ws["D9"].value == "🙂 الإجراء"
    assert ws["B9"].value is None and ws["C9"].value is None
    assert ws.row_dimensions[7].height > 40  # a long text wraps: its row is as tall as it
    assert ws.tables["Items"].ref == "A4:D9"  # the filter covers every row
    assert ws["A11"].value == "After the table"
    assert ws["A13"].value == "merged" and "A13:B13" in ws.merged_cells
    with zipfile.ZipFile(summary) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").decode()
    assert '<dimension ref="A1:D13"/>' in xml
    rows = [int(r) for r in re.findall(r'<row r="(\d+)"', xml)]
    assert rows == sorted(rows) and len(rows) == len(set(rows))


def test_libreoffice_shows_the_streamed_rows_and_evaluates_none_of_them(summary, libreoffice):
    libreoffice.load(summary)
    try:
        shown = libreoffice.text(
            [("Items", a) for a in ("A5", "B5", "C5", "A6", "A7", "B7", "A9", "A13")]
        )
        assert shown == [
            'A & B <b> "quoted"',
            "50%",
            "2026-11-27",
            '=HYPERLINK("http://attacker.example")',
            "No mitigation",
            "Not yet due",
            "عالية",
            "merged",
        ]
        assert libreoffice.formula_cells() == []
    finally:
        libreoffice.close_doc()


def test_rows_for_a_sheet_the_workbook_lacks_are_refused_not_lost():
    made = io.BytesIO()
    wb = xlsxwriter.Workbook(made)
    wb.add_worksheet("Only")
    wb.close()
    writer = RowWriter(0, 1)
    writer.row(0, ['<c r="A1" s="0"/>'])
    with pytest.raises(ValueError, match="no sheet part xl/worksheets/sheet2.xml"):
        splice(made.getvalue(), {"xl/worksheets/sheet2.xml": [writer.done()]}, {})
