"""The hidden sheets of a generated workbook: `_lists` (dropdowns, points, matrix, bands,
referenced through defined names) and `_meta` (the contract for reading back)."""

from __future__ import annotations

from collections.abc import Mapping

from xlsxwriter.workbook import Workbook

from ..model import Questionnaire
from .layout import (
    BAND_LABELS,
    BAND_MINS,
    LEVEL_LABELS,
    LEVEL_RANKS,
    LISTS,
    MATRIX,
    MATRIX_COLS,
    MATRIX_ROWS,
    META,
    META_CARRIED,
    META_NAMES_HEADER,
    Plan,
    col_letter,
    list_name,
    points_name,
)
from .styles import Styles


def lists_sheet(wb: Workbook, st: Styles, qn: Questionnaire, lang: str) -> None:
    ws = wb.add_worksheet(LISTS)
    ws.hide()
    ws.protect("", {})
    col = 0
    for sid, scale in qn.scales.items():
        ws.write_string(0, col, sid, st.bold)
        ws.write_string(0, col + 1, "points", st.bold)
        for i, ch in enumerate(scale.choices, start=1):
            ws.write_string(i, col, ch.label.get(lang))
            if ch.points is None:
                ws.write_string(i, col + 1, "n/a")
            else:
                ws.write_number(i, col + 1, ch.points)
        n = len(scale.choices)
        wb.define_name(
            list_name(sid), f"='{LISTS}'!${col_letter(col)}$2:${col_letter(col)}${n + 1}"
        )
        wb.define_name(
            points_name(sid), f"='{LISTS}'!${col_letter(col + 1)}$2:${col_letter(col + 1)}${n + 1}"
        )
        col += 3
        if scale.na_codes:  # the choices with points, for answers that cannot be N/A
            rated = [c for c in scale.choices if c.points is not None]
            ws.write_string(0, col, f"{sid} (rated)", st.bold)
            for i, ch in enumerate(rated, start=1):
                ws.write_string(i, col, ch.label.get(lang))
            ref = f"='{LISTS}'!${col_letter(col)}$2:${col_letter(col)}${len(rated) + 1}"
            wb.define_name(list_name(sid, rated_only=True), ref)
            col += 2
    if qn.levels:
        levels = sorted(qn.levels, key=lambda lv: lv.rank)
        ws.write_string(0, col, "level", st.bold)
        ws.write_string(0, col + 1, "rank", st.bold)
        for i, lv in enumerate(levels, start=1):
            ws.write_string(i, col, lv.label.get(lang))
            ws.write_number(i, col + 1, lv.rank)
        n = len(levels)
        wb.define_name(LEVEL_LABELS, f"='{LISTS}'!${col_letter(col)}$2:${col_letter(col)}${n + 1}")
        wb.define_name(
            LEVEL_RANKS, f"='{LISTS}'!${col_letter(col + 1)}$2:${col_letter(col + 1)}${n + 1}"
        )
        col += 3
    if qn.matrix:
        lik = [c for c in qn.scales["likelihood"].choices if c.points is not None]
        imp = [c for c in qn.scales["impact"].choices if c.points is not None]
        ws.write_string(0, col, "likelihood \\ impact", st.bold)
        for j, ci in enumerate(imp, start=1):
            ws.write_string(0, col + j, ci.label.get(lang))
        for i, cl in enumerate(lik, start=1):
            ws.write_string(i, col, cl.label.get(lang))
            for j, ci in enumerate(imp, start=1):
                ws.write_string(
                    i, col + j, qn.levels_by_id[qn.matrix[(cl.code, ci.code)]].label.get(lang)
                )
        c0, c1 = col_letter(col + 1), col_letter(col + len(imp))
        wb.define_name(MATRIX, f"='{LISTS}'!${c0}$2:${c1}${len(lik) + 1}")
        wb.define_name(
            MATRIX_ROWS, f"='{LISTS}'!${col_letter(col)}$2:${col_letter(col)}${len(lik) + 1}"
        )
        wb.define_name(MATRIX_COLS, f"='{LISTS}'!${c0}$1:${c1}$1")
        col += len(imp) + 2
    if qn.bands:
        ws.write_string(0, col, "band from", st.bold)
        ws.write_string(0, col + 1, "band", st.bold)
        for i, b in enumerate(qn.bands, start=1):
            ws.write_number(i, col, b.min_fraction)
            ws.write_string(i, col + 1, b.label.get(lang))
        n = len(qn.bands)
        wb.define_name(BAND_MINS, f"='{LISTS}'!${col_letter(col)}$2:${col_letter(col)}${n + 1}")
        wb.define_name(
            BAND_LABELS, f"='{LISTS}'!${col_letter(col + 1)}$2:${col_letter(col + 1)}${n + 1}"
        )


def meta_sheet(
    wb: Workbook, meta: Mapping[str, str], p: Plan, carried: Mapping[str, str] | None = None
) -> None:
    """Key/value rows, then the table of names; a fourth column, only in workbooks that
    carry answers over, records each carried answer as it was written."""
    ws = wb.add_worksheet(META)
    ws.very_hidden()
    ws.protect("", {})
    ws.set_column(0, 0, 26)
    ws.set_column(1, 2, 20)
    r = 0
    for key, value in meta.items():
        ws.write_string(r, 0, key)
        ws.write_string(r, 1, value)
        r += 1
    r += 1
    for c, h in enumerate(META_NAMES_HEADER + ((META_CARRIED,) if carried else ())):
        ws.write_string(r, c, h)
    qn = p.questionnaire
    for name in p.inputs:
        r += 1
        q, f = qn.input_names[name]
        for c, v in enumerate((name, "input", q.id + (f"_{f.key}" if f.key else ""))):
            ws.write_string(r, c, v)
        if carried and name in carried:
            ws.write_string(r, 3, carried[name])
    for mid in p.outputs:
        r += 1
        for c, v in enumerate((f"out_{mid}", "output", mid)):
            ws.write_string(r, c, v)
