"""What goes back to people after validation, read as they would read it.

The coordinator's issues.xlsx: a filterable table with file names (no folders), names beside
ids, severities in words and colour, printed landscape one page wide. The unit's feedback
copy: a heading that says what to do given the file's status, each issue with the question's
full text and a link to its cell, cells to fix and cells to check marked unlike any answer
cell, no coordinator path, in the workbook's own language.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from click.testing import CliRunner

from rai_sheets import api
from rai_sheets.cli import cli
from rai_sheets.demo import ROUND
from rai_sheets.i18n import text
from rai_sheets.model import Unit
from rai_sheets.workbook.generator import WorkbookSpec, write_workbook
from rai_sheets.workbook.layout import ISSUES_SHEET, plan
from rai_sheets.workbook.styles import INPUT_FILL

from .factory import returned


def issues_sheet(path: Path) -> tuple[list[tuple], list[dict[str, Any]]]:
    """The feedback's Issues sheet: its rows, and the issue rows keyed by their header."""
    rows = list(openpyxl.load_workbook(path)[ISSUES_SHEET].iter_rows(values_only=True))
    at = next(i for i, r in enumerate(rows) if r[0] == text("feedback.col_severity"))
    return rows, [dict(zip(rows[at], r, strict=False)) for r in rows[at + 1 :] if r[0]]


def test_the_issue_report_is_a_filterable_landscape_table_with_names_and_no_folders(demo):
    wb = openpyxl.load_workbook(demo.issues)
    ws = wb[text("report.sheet_issues")]
    assert list(ws.tables)  # a table, with its filter buttons
    assert ws.page_setup.orientation == "landscape"
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0  # 1 wide
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    rows = list(ws.iter_rows(values_only=True))
    header, body = rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert header[:7] == (
        "File",
        "Status",
        "Questionnaire",
        "Unit id",
        "Unit",
        "System id",
        "AI system",
    )
    assert not any("/" in r["File"] or str(demo.folder) in r["File"] for r in body)
    hotspot = next(r for r in body if r["File"] == f"risk_U06_S-HOTSPOT_{ROUND}.xlsx")
    assert (hotspot["Unit"], hotspot["AI system"]) == (
        "Neighbourhood Policing",
        "Burglary hot-spot forecasting",
    )
    assert (hotspot["Status"], hotspot["Severity"]) == ("Rejected", "Error")
    assert {r["Severity"] for r in body} <= {"Error", "Warning", ""}  # "" where no issue
    coloured = {str(rng.sqref) for rng in ws.conditional_formatting}
    assert any(ref.startswith("H2") for ref in coloured)  # the severity column


def test_a_rejected_unit_is_told_to_correct_and_resend_each_issue_linked_to_its_cell(
    demo, questionnaires
):
    copy = demo.feedback / f"risk_U09_S-DARA_{ROUND}_feedback.xlsx"
    rows, issues = issues_sheet(copy)
    assert rows[0][0] == text("feedback.heading_rejected")
    assert rows[1][0] == text("feedback.todo_rejected")
    assert rows[2][0] == f"Your file: risk_U09_S-DARA_{ROUND}.xlsx"
    assert not any(str(demo.folder) in str(v) for r in rows for v in r if v)  # no path of ours
    qn = questionnaires["risk"]
    where = plan(qn).inputs["in_vulner_1_impact"]
    (impact,) = [i for i in issues if i["Cell (click to go there)"] == where.a1]
    assert impact["What to do"] == "Must fix"
    assert impact["Question"] == qn.questions_by_id["vulner_1"].label.get()  # in full
    wb = openpyxl.load_workbook(copy)
    ws = wb[ISSUES_SHEET]
    link = next(c for c in ws["C"] if c.value == where.a1).hyperlink
    assert link.location == f"'{where.sheet}'!{where.a1}"
    marked = wb[where.sheet][where.a1]
    assert marked.border.left.style == "thick"
    assert marked.fill.fgColor.rgb[-6:] != INPUT_FILL.lstrip("#")


def test_a_unit_accepted_with_warnings_is_told_there_is_nothing_to_send(tmp_path, questionnaires):
    qn = questionnaires["action"]
    path = returned(tmp_path, qn, in_plan_1_status="done", in_plan_1_evidence=None)
    fb = tmp_path / "feedback"
    result = CliRunner().invoke(cli, ["validate", str(path), "--feedback", str(fb)])
    assert result.exit_code == 0, result.output  # warnings only: accepted
    copy = fb / f"{path.stem}_feedback.xlsx"
    rows, issues = issues_sheet(copy)
    assert rows[0][0] == text("feedback.heading_warnings")
    (issue,) = issues
    assert issue["What to do"] == "Please check"
    assert issue["Question"] == qn.questions_by_id["plan_1"].label.get()
    marked = openpyxl.load_workbook(copy)[issue["Sheet"]][issue["Cell (click to go there)"]]
    answer_fill = INPUT_FILL.lstrip("#").upper()
    assert marked.fill.fgColor.rgb[-6:].upper() not in (answer_fill, "FFF2CC")  # not yellow
    assert marked.border.left.style == "mediumDashed"


def test_the_feedback_frame_speaks_the_workbook_s_language(tmp_path, questionnaires):
    qn = questionnaires["readiness"]
    unit = Unit("U12", "Unité des frontières", language="fr")
    path = tmp_path / "readiness_U12_R1.xlsx"
    answers = {"in_lead_01": "sometimes"}
    with path.open("wb") as fh:
        write_workbook(WorkbookSpec(qn, unit, "R1", "fr", answers=answers), fh)
    report = api.validate([path], jobs=1)
    (written,) = api.write_feedback(report, tmp_path / "fb")
    rows, issues = issues_sheet_fr(written)
    assert rows[0][0] == text("feedback.heading_rejected", "fr")
    lead = next(i for i in issues if i["Question"] == qn.questions_by_id["lead_01"].label.get("fr"))
    assert lead["À faire"] == "À corriger"


def issues_sheet_fr(path: Path) -> tuple[list[tuple], list[dict[str, Any]]]:
    sheet = text("sheet.issues", "fr")  # the sheet too is named in the unit's language
    rows = list(openpyxl.load_workbook(path)[sheet].iter_rows(values_only=True))
    at = next(i for i, r in enumerate(rows) if r[0] == text("feedback.col_severity", "fr"))
    header = [("Question" if h == text("feedback.col_question", "fr") else h) for h in rows[at]]
    return rows, [dict(zip(header, r, strict=False)) for r in rows[at + 1 :] if r[0]]
