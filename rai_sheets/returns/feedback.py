"""What goes back to people: the coordinator's issue report and the respondent's feedback copy.

- `write_issue_report`: one row per issue (and per file without issues), filterable, with a
  plain-text cell address, for coordinators who live in Excel.
- `write_feedback`: a copy of the respondent's own workbook with the offending cells
  highlighted and commented, and an "Issues" sheet first. The original is never modified.
  openpyxl reads the whole returned workbook to copy it, so the copy is made in an isolated
  worker process (isolation.py): a workbook that makes it crash or overrun costs only its copy.
All text is written as text: a value found in a return can never become a formula here, and
control characters are shown escaped.
"""

from __future__ import annotations

import io
from functools import partial
from pathlib import Path

import openpyxl
import xlsxwriter
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill

from ..content.load import load_all
from ..files import atomic_write_bytes, safe_filename
from ..issues import ERROR, Issue, printable, render
from ..workbook.layout import ISSUES_SHEET
from .isolation import Failure, run_isolated
from .migrate import migrated_workbook, question_maps
from .report import ValidationReport
from .returned import ReturnedFile

REPORT_COLUMNS = (
    "file",
    "status",
    "questionnaire",
    "unit",
    "system",
    "severity",
    "code",
    "sheet",
    "cell",
    "message",
)
ERROR_FILL = PatternFill("solid", fgColor="F4CCCC")
WARNING_FILL = PatternFill("solid", fgColor="FFF2CC")


def write_issue_report(report: ValidationReport, path: Path) -> None:
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
    header = wb.add_format(
        {
            "bold": True,
            "font_color": "#FFFFFF",
            "bg_color": "#1F3864",
            "text_wrap": True,
            "valign": "top",
        }
    )
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    top = wb.add_format({"valign": "top"})
    ws = wb.add_worksheet("Issues")
    widths = (34, 22, 14, 12, 12, 9, 24, 14, 7, 90)
    for c, (name, width) in enumerate(zip(REPORT_COLUMNS, widths, strict=True)):
        ws.write_string(0, c, name, header)
        ws.set_column(c, c, width)
    r = 0
    for f in report.files:
        rows: list[Issue | None] = list(f.issues) or [None]
        for issue in rows:
            r += 1
            values = (
                f.name,
                f.status,
                f.questionnaire,
                f.unit_id or f.unit_name,
                f.system_id,
                issue.severity if issue else "",
                issue.code if issue else "",
                issue.sheet if issue else "",
                issue.cell if issue else "",
                issue.message if issue else (f.skipped_reason or "no issues"),
            )
            for c, v in enumerate(values):
                text = printable(str(v or ""))
                ws.write_string(r, c, text, wrap if c == len(values) - 1 else top)
    ws.autofilter(0, 0, max(r, 1), len(REPORT_COLUMNS) - 1)
    ws.freeze_panes(1, 0)
    summary = wb.add_worksheet("Summary")
    summary.set_column(0, 0, 28)
    for i, (key, count) in enumerate(report.summary().items()):
        summary.write_string(i, 0, key)
        summary.write_number(i, 1, count)
    wb.close()
    atomic_write_bytes(path, buf.getvalue())


def feedback_name(rf: ReturnedFile) -> str:
    stem = Path(rf.name).stem
    return safe_filename(f"{stem}_feedback", 150) + ".xlsx"


def write_feedback(rf: ReturnedFile, out_dir: Path, content_dir: Path | None = None) -> Path | None:
    """The respondent's own workbook, issues marked on their cells; None if it cannot be made.

    Files whose answers could not be read (not a workbook, damaged, encrypted, refused as too
    large) get no copy: there is nothing to mark, and the report says why. A return made from
    an older content version gets instead the current workbook with its answers carried over
    (see migrate.py): marking up the old one would only have it rejected again.
    """
    made = write_feedbacks([rf], out_dir, content_dir=content_dir)[0]
    return made if isinstance(made, Path) else None


def write_feedbacks(
    files: list[ReturnedFile], out_dir: Path, *, jobs: int = 1, content_dir: Path | None = None
) -> list[Path | str | None]:
    """`write_feedback` for many files, each copy made in an isolated worker: for each file
    the copy, or why it could not be made, or None when it needs none."""
    todo = [rf for rf in files if rf.issues and rf.questionnaire and (rf.read or _old(rf))]
    work = partial(_copy_or_why, out_dir=out_dir, content_dir=content_dir)
    made = run_isolated(todo, work, _why, workers=jobs)
    by_file = {id(rf): path for rf, path in zip(todo, made, strict=True)}
    return [by_file.get(id(rf)) for rf in files]


def _old(rf: ReturnedFile) -> bool:
    return any(i.code == "old-template" for i in rf.issues)


def _why(rf: ReturnedFile, failure: Failure) -> str:
    return render(failure.code, **failure.params)


def _copy_or_why(rf: ReturnedFile, out_dir: Path, content_dir: Path | None) -> Path | str:
    try:
        if _old(rf):
            return _migrated_copy(rf, out_dir, content_dir) or "it could not be migrated"
        return _marked_copy(rf, out_dir)
    except MemoryError:
        raise
    except Exception as exc:  # the copy is a courtesy; the report already has the issues
        return f"{type(exc).__name__}: {exc}"


def _migrated_copy(rf: ReturnedFile, out_dir: Path, content_dir: Path | None) -> Path | None:
    contents = {qn.id: qn for qn in load_all(None, content_dir)}
    _m, data = migrated_workbook(
        Path(rf.path), rf.name, contents, question_maps(contents, content_dir)
    )
    if data is None:
        return None
    target = out_dir / feedback_name(rf)
    atomic_write_bytes(target, data)
    return target


def _marked_copy(rf: ReturnedFile, out_dir: Path) -> Path:
    target = out_dir / feedback_name(rf)
    src = Path(rf.path)
    wb = openpyxl.load_workbook(src, keep_links=False)
    marked: dict[tuple[str, str], list[str]] = {}
    for issue in rf.issues:
        if issue.sheet in wb.sheetnames and issue.cell:
            marked.setdefault((issue.sheet, issue.cell), []).append(issue.message)
            cell = wb[issue.sheet][issue.cell]
            worst = cell.fill == ERROR_FILL or issue.severity == ERROR
            cell.fill = ERROR_FILL if worst else WARNING_FILL
    for (sheet, cell_ref), messages in marked.items():
        text = "\n\n".join(messages)[:2000]
        wb[sheet][cell_ref].comment = Comment(text, "rai-sheets", width=420, height=160)
    ws = wb.create_sheet(ISSUES_SHEET, 0)
    ws.append(["What to fix before you send the workbook back"])
    ws["A1"].font = Font(bold=True, size=14, color="1F3864")
    ws.append(
        [
            f"File: {printable(rf.name)}. Cells with a problem are shaded red (must fix) or yellow "
            "(please check) and carry a note with the explanation."
        ]
    )
    ws.append([])
    ws.append(["Severity", "Sheet", "Cell", "What is wrong and how to fix it"])
    for c in ws[4]:
        c.font = Font(bold=True)
    for issue in rf.issues:
        # Messages quote what the respondent typed; keep them text, never formulas.
        ws.append([issue.severity, issue.sheet, issue.cell, issue.message])
        ws.cell(ws.max_row, 4).data_type = "s"
        ws.cell(ws.max_row, 4).alignment = Alignment(wrap_text=True, vertical="top")
    for col, width in zip("ABCD", (10, 16, 8, 110), strict=True):
        ws.column_dimensions[col].width = width
    wb.active = 0
    for sheet in wb.worksheets:
        sheet.sheet_view.tabSelected = sheet.title == ISSUES_SHEET
    # Cached results are dropped by openpyxl; ask the spreadsheet to recalculate on opening.
    wb.calculation.fullCalcOnLoad = True
    buf = io.BytesIO()
    wb.save(buf)
    atomic_write_bytes(target, buf.getvalue())
    return target
