"""The first sheet of a migrated workbook: the questions that are new or changed since the
version the respondent filled in, each linked to its answer cell, and the answers that could
not be carried over."""

from __future__ import annotations

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from .layout import Plan
from .sheet_common import page_setup
from .spec import ANSWER, CHECK, REMOVED, WorkbookSpec
from .styles import Styles

SHEET = "Changes"
TEXTS = {
    "en": {
        "title": "What changed in this questionnaire",
        "intro": "This workbook replaces the one you filled in, which was made from version "
        "{old} of the questionnaire; the current version is {new}. Your answers were carried "
        "over wherever the question still exists (shaded blue). Answer the questions listed "
        "below, check the others, and send this workbook back instead of the old one.",
        "headers": ("Sheet", "Cell", "Ref", "Question", "What to do"),
        ANSWER: "Answer",
        CHECK: "Check your answer",
        REMOVED: "No longer asked",
        "none": "Nothing to answer: every question was carried over unchanged.",
    },
    "fr": {
        "title": "Ce qui a changé dans ce questionnaire",
        "intro": "Ce classeur remplace celui que vous avez rempli, créé avec la version {old} "
        "du questionnaire ; la version actuelle est {new}. Vos réponses ont été reprises là où "
        "la question existe encore (fond bleu). Répondez aux questions ci-dessous, vérifiez "
        "les autres, et renvoyez ce classeur à la place de l'ancien.",
        "headers": ("Feuille", "Cellule", "Réf.", "Question", "À faire"),
        ANSWER: "Répondre",
        CHECK: "Vérifier votre réponse",
        REMOVED: "N'est plus posée",
        "none": "Rien à répondre : toutes les questions ont été reprises telles quelles.",
    },
}


def changes_sheet(wb: Workbook, st: Styles, spec: WorkbookSpec, p: Plan) -> Worksheet:
    qn, lang = spec.questionnaire, spec.lang
    words = TEXTS.get(lang, TEXTS["en"])
    taken = {s.sheet for s in qn.sections}  # content may name its own sheet "Changes"
    ws = wb.add_worksheet(SHEET if SHEET not in taken else f"{SHEET} {qn.version}"[:31])
    ws.protect(spec.password, {"select_locked_cells": True, "select_unlocked_cells": True})
    page_setup(ws, spec)
    ws.hide_gridlines(2)
    for col, width in enumerate((16, 8, 14, 70, 50)):
        ws.set_column(col, col, width)
    ws.write_string(0, 0, str(words["title"]), st.title)
    ws.set_row(0, 24)
    intro = str(words["intro"]).format(old=spec.migrated_from, new=qn.version)
    ws.merge_range(1, 0, 1, 4, intro, st.long)
    ws.set_row(1, 15 * (len(intro) // 130 + 1) + 6)
    for col, header in enumerate(words["headers"]):
        ws.write_string(3, col, header, st.header)
    ws.repeat_rows(3)
    if not spec.changes:
        ws.write_string(4, 0, str(words["none"]), st.note)
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
        ws.write_string(row, 4, f"{words[change.kind]}: {change.reason}", st.table_cell)
        text = q.label.get(lang) if q else change.reason
        ws.set_row(row, 15 * min(max(len(text) // 65 + 1, len(change.reason) // 45 + 1), 6))
    return ws
