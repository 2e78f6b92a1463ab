"""The first sheet of a migrated workbook: the questions that are new or changed since the
version the respondent filled in, each linked to its answer cell, and the answers that could
not be carried over."""

from __future__ import annotations

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..i18n import text
from .layout import CHANGES, Plan, fixed_sheet
from .sheet_common import page_setup
from .spec import ANSWER, CHECK, REMOVED, WorkbookSpec
from .styles import Styles

HEADERS = ("changes.sheet", "changes.cell", "changes.ref", "changes.question", "changes.what_to_do")
KIND_WORDS = {ANSWER: "changes.answer", CHECK: "changes.check", REMOVED: "changes.removed"}


def changes_sheet(wb: Workbook, st: Styles, spec: WorkbookSpec, p: Plan) -> Worksheet:
    qn, lang = spec.questionnaire, spec.lang
    name = fixed_sheet(CHANGES, lang)
    taken = {sp.name for sp in p.sheets}  # content may name its own sheet "Changes"
    ws = wb.add_worksheet(name if name not in taken else f"{name} {qn.version}"[:31])
    ws.protect(spec.password, {"select_locked_cells": True, "select_unlocked_cells": True})
    page_setup(ws, spec)
    ws.hide_gridlines(2)
    for col, width in enumerate((16, 8, 14, 70, 50)):
        ws.set_column(col, col, width)
    ws.write_string(0, 0, text("changes.title", lang), st.title)
    ws.set_row(0, 24)
    intro = text("changes.intro", lang, old=spec.migrated_from, new=qn.version)
    ws.merge_range(1, 0, 1, 4, intro, st.long)
    ws.set_row(1, 15 * (len(intro) // 130 + 1) + 6)
    for col, header in enumerate(HEADERS):
        ws.write_string(3, col, text(header, lang), st.header)
    ws.repeat_rows(3)
    if not spec.changes:
        ws.write_string(4, 0, text("changes.none", lang), st.note)
    for row, change in enumerate(spec.changes, start=4):
        q = qn.questions_by_id.get(change.question_id)
        cell = p.inputs.get(q.input_name(q.fields[0])) if q else None
        if cell is not None:
            ws.write_string(row, 0, cell.sheet, st.table_cell)
            ws.write_url(row, 1, f"internal:{cell.abs_ref.replace('$', '')}", string=cell.a1)
        else:
            ws.write_string(row, 0, "", st.table_cell)
            ws.write_string(row, 1, "", st.table_cell)
        ws.write_string(row, 2, change.question_id, st.table_cell)
        ws.write_string(row, 3, q.label.get(lang) if q else "", st.table_cell)
        what = text(KIND_WORDS[change.kind], lang)
        ws.write_string(row, 4, f"{what}: {change.reason}", st.table_cell)
        shown = q.label.get(lang) if q else change.reason
        ws.set_row(row, 15 * min(max(len(shown) // 65 + 1, len(change.reason) // 45 + 1), 6))
    return ws
