"""What goes back to the respondent: a copy of their own workbook with the offending cells
marked and commented, and an "Issues" sheet first. The original is never modified.

The Issues sheet says, first, what the unit must do given the file's status (rejected: correct
and send it back; accepted with warnings: nothing to send unless they want to correct), then
one row per issue with the question's full text, linked to its cell. Cells that must be fixed
are red with a thick red border, cells to check orange with a dashed border: neither can be
mistaken for an answer cell. The words are the interface catalogue's, in the workbook's own
language; no coordinator's path appears. openpyxl reads the whole returned workbook to copy
it, so the copy is made in an isolated worker process (isolation.py): a workbook that makes it
crash or overrun costs only its copy. All text is written as text: a value found in a return
can never become a formula here, and control characters are shown escaped.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from copy import copy
from functools import partial
from pathlib import Path, PurePath

import openpyxl
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from ..content.load import load_all, load_questionnaire
from ..files import atomic_write_bytes, safe_filename
from ..i18n import is_rtl, text
from ..issues import ERROR, REJECTED, Issue, printable, render
from ..model import Questionnaire
from ..workbook.layout import sheet_ref
from ..workbook.styles import RTL_FONT
from .isolation import Failure, run_isolated
from .migrate import migrated_workbook, question_maps
from .returned import ReturnedFile

ERROR_FILL = PatternFill("solid", fgColor="F4CCCC")
WARNING_FILL = PatternFill("solid", fgColor="F9CB9C")  # orange: unlike any answer cell
ERROR_BORDER = Border(*(Side("thick", color="C00000"),) * 4)
WARNING_BORDER = Border(*(Side("mediumDashed", color="B45F06"),) * 4)
NAVY = "1F3864"
COLUMN_WIDTHS = (14, 16, 11, 55, 80)  # what to do, sheet, cell, question, message
FONT = "Calibri"


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
        return _marked_copy(rf, out_dir, content_dir)
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


def _marked_copy(rf: ReturnedFile, out_dir: Path, content_dir: Path | None) -> Path:
    target = out_dir / feedback_name(rf)
    wb = openpyxl.load_workbook(Path(rf.path), keep_links=False)
    _mark(wb, rf.issues)
    name = text("sheet.issues", rf.lang)  # in the unit's language, beside its own sheets
    ws = wb.create_sheet(name if name not in wb.sheetnames else f"{name} (rai-sheets)", 0)
    _issues_sheet(ws, rf, wb.sheetnames, _questions(rf, content_dir))
    if is_rtl(rf.lang):
        _right_to_left(ws)
    wb.active = 0
    for sheet in wb.worksheets:
        sheet.sheet_view.tabSelected = sheet is ws
    # Cached results are dropped by openpyxl; ask the spreadsheet to recalculate on opening.
    wb.calculation.fullCalcOnLoad = True
    buf = io.BytesIO()
    wb.save(buf)
    atomic_write_bytes(target, buf.getvalue())
    return target


def _mark(wb: openpyxl.Workbook, issues: list[Issue]) -> None:
    """Shade and border each cell with an issue (red wins over orange) and note why."""
    marked: dict[tuple[str, str], list[str]] = {}
    for issue in issues:
        if issue.sheet in wb.sheetnames and issue.cell:
            marked.setdefault((issue.sheet, issue.cell), []).append(issue.message)
            cell = wb[issue.sheet][issue.cell]
            worst = cell.fill == ERROR_FILL or issue.severity == ERROR
            cell.fill = ERROR_FILL if worst else WARNING_FILL
            cell.border = ERROR_BORDER if worst else WARNING_BORDER
    for (sheet, cell_ref), messages in marked.items():
        note = printable("\n\n".join(messages))[:2000]
        wb[sheet][cell_ref].comment = Comment(note, "rai-sheets", width=420, height=160)


def _questions(rf: ReturnedFile, content_dir: Path | None) -> dict[tuple[str, str], str]:
    """(sheet, cell) -> the full text of the question answered there, in the file's language."""
    try:
        qn: Questionnaire = load_questionnaire(rf.questionnaire, content_dir)
    except Exception:  # the content cannot be read: the messages still say what is wrong
        return {}
    by_name = {q.input_name(f): q for q in qn.questions for f in q.fields}
    return {
        place: by_name[name].label.get(rf.lang)
        for name, place in rf.cells.items()
        if name in by_name
    }


def _issues_sheet(
    ws: Worksheet, rf: ReturnedFile, sheets: list[str], questions: dict[tuple[str, str], str]
) -> None:
    """What to do, given the file's status, then one row per issue linked to its cell."""
    lang = rf.lang
    rejected = rf.status == REJECTED or rf.rejected
    what = "rejected" if rejected else "warnings"
    ws.append([text(f"feedback.heading_{what}", lang)])
    ws["A1"].font = Font(name=FONT, bold=True, size=14, color=NAVY)
    ws.append([text(f"feedback.todo_{what}", lang)])
    ws.append([text("feedback.file", lang, file=printable(PurePath(rf.name).name))])
    ws.append([text("feedback.must_fix", lang), text("feedback.please_check", lang)])
    for cell, fill, border in (
        (ws["A4"], ERROR_FILL, ERROR_BORDER),
        (ws["B4"], WARNING_FILL, WARNING_BORDER),
    ):
        cell.fill, cell.border = fill, border
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    ws.merge_cells("A2:E2")
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.row_dimensions[2].height = 48
    # the two colour chips sit in narrow columns: a longer translation wraps, uncut
    ws.row_dimensions[4].height = max(20, 14 * _lines((ws["A4"], ws["B4"])) + 4)
    ws.append([])
    ws.append(
        [
            text("feedback.col_severity", lang),
            text("feedback.col_sheet", lang),
            text("feedback.col_cell", lang),
            text("feedback.col_question", lang),
            text("feedback.col_message", lang),
        ]
    )
    header = ws.max_row
    for c in ws[header]:
        c.font = Font(name=FONT, bold=True, color="FFFFFF")
        c.fill = PatternFill("solid", fgColor=NAVY)
        c.alignment = Alignment(wrap_text=True, vertical="center")
    for issue in rf.issues:
        _issue_row(ws, issue, sheets, questions.get((issue.sheet, issue.cell), ""), lang)
    for col, width in zip("ABCDE", COLUMN_WIDTHS, strict=True):
        ws.column_dimensions[col].width = width
    # a header as long as its translation needs: wrapped in its column, never cut short
    ws.row_dimensions[header].height = max(32, 15 * _lines(ws[header]) + 4)
    ws.freeze_panes = ws.cell(header + 1, 1)
    ws.print_title_rows = f"{header}:{header}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _lines(cells: Sequence[Cell]) -> int:
    """Lines the longest of these cells' texts takes, wrapped in its column of the sheet."""
    widths = zip(cells, COLUMN_WIDTHS, strict=False)  # the first cells of a row: its first columns
    return max(-(-len(str(c.value or "")) // (w - 2)) for c, w in widths)


def _issue_row(ws: Worksheet, issue: Issue, sheets: list[str], question: str, lang: str) -> None:
    severity = "must_fix" if issue.severity == ERROR else "please_check"
    # Messages quote what the respondent typed; keep them text, never formulas, and escaped.
    message = printable(issue.message)
    ws.append([text(f"feedback.{severity}", lang), issue.sheet, issue.cell, question, message])
    r = ws.max_row
    ws.cell(r, 1).fill = ERROR_FILL if issue.severity == ERROR else WARNING_FILL
    for c in range(1, 6):
        ws.cell(r, c).alignment = Alignment(wrap_text=True, vertical="top")
    for c in (4, 5):
        ws.cell(r, c).data_type = "s"
    if issue.cell and issue.sheet in sheets:
        link = ws.cell(r, 3)
        location = f"{sheet_ref(issue.sheet)}!{issue.cell}"
        link.hyperlink = Hyperlink(ref=link.coordinate, location=location)
        link.font = Font(name=FONT, color="0563C1", underline="single")
    longest = max(len(question) / 60, len(message) / 85, 1)
    ws.row_dimensions[r].height = 15 * (int(longest) + 1)


def _right_to_left(ws: Worksheet) -> None:
    """An Arabic unit's Issues sheet reads from the right, in a font with Arabic letters."""
    ws.sheet_view.rightToLeft = True
    for row in ws.iter_rows():
        for cell in row:
            font, alignment = copy(cell.font), copy(cell.alignment)
            font.name, alignment.readingOrder = RTL_FONT, 2
            cell.font, cell.alignment = font, alignment
