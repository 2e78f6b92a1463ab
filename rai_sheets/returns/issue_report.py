"""The coordinator's issue report (`validate --report`, the demo's issues.xlsx): one row per
issue, and one per file without any, as a filterable table. File names without their folders,
unit and AI system names beside their ids, statuses and severities in words and in colour, a
plain-text cell address; printed landscape, one page wide, the header on every page.
All text is written as text: a value found in a return can never become a formula here, and
control characters are shown escaped.
"""

from __future__ import annotations

import io
from pathlib import Path, PurePath
from typing import Any

import xlsxwriter

from ..files import atomic_write_bytes
from ..i18n import is_rtl, text
from ..issues import (
    ACCEPTED,
    ACCEPTED_WITH_WARNINGS,
    ERROR,
    REJECTED,
    SKIPPED,
    WARNING,
    Issue,
    printable,
)
from ..workbook.styles import NAVY, RTL_FONT
from .report import ValidationReport

COLUMNS = (  # (interface key, width)
    ("report.file", 30),
    ("report.status", 14),
    ("report.questionnaire", 13),
    ("report.unit_id", 8),
    ("report.unit", 22),
    ("report.system_id", 10),
    ("report.system", 24),
    ("report.severity", 9),
    ("report.code", 20),
    ("report.sheet", 11),
    ("report.cell", 6),
    ("report.message", 72),
)
STATUS_FILLS = {
    ACCEPTED: "#D9EAD3",
    ACCEPTED_WITH_WARNINGS: "#FFF2CC",
    REJECTED: "#F4CCCC",
    SKIPPED: "#EEEEEE",
}
SEVERITY_FILLS = {ERROR: "#F4CCCC", WARNING: "#FFE599"}


def issue_rows(report: ValidationReport, lang: str = "en") -> list[list[str]]:
    """The report's rows, in words: one per issue, one per file without any."""
    rows = []
    for f in report.files:
        issues: list[Issue | None] = list(f.issues) or [None]
        for issue in issues:
            message = issue.message if issue else f.skipped_reason or text("report.no_issues", lang)
            rows.append(
                [
                    PurePath(f.name).name,
                    text(f"status.{f.status}", lang) if f.status else "",
                    f.questionnaire,
                    f.unit_id,
                    f.unit_name,
                    f.system_id,
                    f.system_name,
                    text(f"severity.{issue.severity}", lang) if issue else "",
                    issue.code if issue else "",
                    issue.sheet if issue else "",
                    issue.cell if issue else "",
                    message,
                ]
            )
    return rows


def write_issue_report(report: ValidationReport, path: Path, lang: str = "en") -> None:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(
        buf,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    font = {"font_name": RTL_FONT} if is_rtl(lang) else {}  # Arabic letters
    header = wb.add_format(
        {"bold": True, "font_color": "#FFFFFF", "bg_color": NAVY, "text_wrap": True}
        | {"valign": "vcenter", "border": 1}
        | font
    )
    wrap = wb.add_format({"text_wrap": True, "valign": "top", "border": 1} | font)
    ws = wb.add_worksheet(text("report.sheet_issues", lang))
    rows = issue_rows(report, lang)
    for c, (_key, width) in enumerate(COLUMNS):
        ws.set_column(c, c, width)
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values):
            ws.write_string(r, c, printable(value), wrap)  # control characters escaped
        ws.set_row(r, _height(values))  # spreadsheets do not fit wrapped rows on opening
    last = max(len(rows), 1)
    ws.add_table(
        0,
        0,
        last,
        len(COLUMNS) - 1,
        {
            "name": "Issues",
            "style": None,
            "columns": [{"header": text(key, lang), "header_format": header} for key, _ in COLUMNS],
        },
    )
    _colour(wb, ws, last, lang)
    ws.set_row(0, 30)
    ws.freeze_panes(1, 1)
    _print_setup(ws, lang)
    _counts(wb, report, lang)
    wb.close()
    atomic_write_bytes(path, buf.getvalue())


def _height(values: list[str]) -> int:
    """Points of row height that the row's wrapped texts need in their columns."""
    lines = max(
        -(-len(value) // max(int(width * 1.15) - 1, 4))
        for value, (_k, width) in zip(values, COLUMNS, strict=True)
    )
    return 13 * max(lines, 1) + 3


def _colour(wb: Any, ws: Any, last: int, lang: str) -> None:
    """Statuses and severities coloured, by what they say."""
    for column, words, fills in ((1, "status", STATUS_FILLS), (7, "severity", SEVERITY_FILLS)):
        for key, colour in fills.items():
            value = text(f"{words}.{key}", lang)
            ws.conditional_format(
                1,
                column,
                last,
                column,
                {
                    "type": "cell",
                    "criteria": "==",
                    "value": '"' + value.replace('"', '""') + '"',
                    "format": wb.add_format({"bg_color": colour}),
                },
            )


def _print_setup(ws: Any, lang: str) -> None:
    if is_rtl(lang):  # the coordinator's own words read from the right
        ws.right_to_left()
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.6)
    footer = text("report.footer", lang).replace("&", "&&")
    ws.set_footer(f"&L{footer}&R{text('summary.page', lang)}")


def _counts(wb: Any, report: ValidationReport, lang: str) -> None:
    summary = wb.add_worksheet(text("report.sheet_summary", lang))
    if is_rtl(lang):
        summary.right_to_left()
    summary.set_column(0, 0, 30)
    for i, (key, count) in enumerate(report.summary().items()):
        summary.write_string(i, 0, text(f"report.count_{key}", lang))
        summary.write_number(i, 1, count)
