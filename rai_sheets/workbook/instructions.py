"""The Instructions sheet: purpose, who answers, how, how scores are computed, how to return."""

from __future__ import annotations

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..content.parts import ROLE_SCALE
from ..i18n import text
from .layout import INSTRUCTIONS, fixed_sheet
from .sheet_common import page_setup
from .spec import WorkbookSpec
from .styles import Styles


def write_instructions(wb: Workbook, st: Styles, spec: WorkbookSpec) -> None:
    qn, lang = spec.questionnaire, spec.lang
    ws = wb.add_worksheet(fixed_sheet(INSTRUCTIONS, lang))
    ws.protect(spec.password, {"select_locked_cells": True, "select_unlocked_cells": True})
    ws.set_column(0, 0, 24)
    ws.set_column(1, 1, 95)
    ws.set_column(2, 6, 16)
    page_setup(ws, spec, landscape=bool(qn.matrix))  # the risk matrix needs the width
    ws.hide_gridlines(2)
    ws.write_string(0, 0, qn.title.get(lang), st.title)
    notice = qn.setting("notice", lang)
    ws.merge_range(1, 0, 1, 2, "", st.note_wrap)
    ws.write_string(1, 0, notice, st.note_wrap)
    ws.set_row(1, 13 * (len(notice) // 150 + 1))
    r = 3
    u = spec.unit

    def say(key: str) -> str:
        return qn.say(key, lang)

    about = [
        (
            say("label_questionnaire"),
            f"{qn.title.get(lang)} ({say('label_version')} {qn.version})",
        ),
        (
            say("label_unit"),
            f"{u.unit_name} ({u.unit_id})" if u else say("label_blank_unit"),
        ),
    ]
    if u and u.system_id:
        about.append((say("label_system"), f"{u.system_name} ({u.system_id})"))
    if spec.round_id:
        about.append((say("label_round"), spec.round_id))
    if spec.carried:
        about.append((text("workbook.carried_label", lang), spec.carried_note))
    for key, value in about:
        ws.write_string(r, 0, key, st.bold)
        ws.write_string(r, 1, value, st.long)
        r += 1
    r += 1
    for key in ("purpose", "respondent", "how_to_answer", "scoring"):
        r = _block(ws, st, r, say(f"heading_{key}"), qn.setting(key, lang))
        if key == "scoring":
            r = _score_table(ws, st, spec, r)
            r = _levels_table(ws, st, spec, r)
            if qn.setting("definitions", lang):
                heading = qn.setting("heading_definitions", lang)
                r = _block(ws, st, r, heading, qn.setting("definitions", lang))
            r = _acceptance_table(ws, st, spec, r)
    r = _block(ws, st, r, say("heading_colours"), say("colours"))
    _block(ws, st, r, say("heading_return"), qn.setting("return", lang))
    if not spec.migrated_from:  # a migrated workbook opens on its Changes sheet instead
        ws.activate()


def _block(ws: Worksheet, st: Styles, r: int, heading: str, text: str) -> int:
    ws.write_string(r, 0, heading, st.h2)
    r += 1
    ws.write_string(r, 0, "", st.long)
    ws.merge_range(r, 0, r, 2, text, st.long)
    ws.set_row(r, 15 * (len(text) // 120 + 1 + text.count("\n")))
    return r + 2


def _score_table(ws: Worksheet, st: Styles, spec: WorkbookSpec, r: int) -> int:
    qn, lang = spec.questionnaire, spec.lang
    if qn.bands:
        max_pts = max(
            (
                qn.scales[q.scale_id].max_points
                for q in qn.questions
                if q.type == "scale" and q.scale_id
            ),
            default=0,
        )
        headers = (
            qn.say("header_band", lang),
            qn.say("header_score_percent", lang),
            qn.say("header_average_points", lang),
        )
        for c, h in enumerate(headers):
            ws.write_string(r, c, h, st.header)
        ws.set_row(r, _height(headers[2], 14))  # a narrow column: a long header wraps
        for i, b in enumerate(qn.bands):
            upper = qn.bands[i + 1].min_fraction if i + 1 < len(qn.bands) else None
            below = qn.say("range_below", lang)
            to = qn.say("range_to", lang)
            if upper is None:
                pct = to.format(low=f"{b.min_fraction:.0%}", high="100%")
                pts = to.format(low=f"{b.min_fraction * max_pts:.1f}", high=f"{max_pts:.1f}")
            else:
                pct = below.format(low=f"{b.min_fraction:.0%}", high=f"{upper:.0%}")
                pts = below.format(
                    low=f"{b.min_fraction * max_pts:.1f}", high=f"{upper * max_pts:.1f}"
                )
            ws.write_string(r + 1 + i, 0, b.label.get(lang), st.centered_fill(b.colour))
            ws.write_string(r + 1 + i, 1, pct, st.table_cell)
            ws.write_string(r + 1 + i, 2, pts, st.table_center)
        return r + len(qn.bands) + 2
    if qn.matrix:
        lik = [c for c in qn.scales["likelihood"].choices if c.points is not None]
        imp = [c for c in qn.scales["impact"].choices if c.points is not None]
        ws.write_string(r, 0, qn.say("label_likelihood_impact", lang), st.header)
        ws.write_string(r, 1, "", st.header)
        for j, ci in enumerate(imp):
            ws.write_string(r, 2 + j, ci.label.get(lang), st.header)
        for i, cl in enumerate(lik, start=1):
            ws.write_string(r + i, 0, cl.label.get(lang), st.bold)
            ws.write_string(r + i, 1, cl.description.get(lang), st.small)
            ws.set_row(r + i, _height(cl.description.get(lang), 105))
            for j, ci in enumerate(imp):
                lv = qn.levels_by_id[qn.matrix[(cl.code, ci.code)]]
                ws.write_string(r + i, 2 + j, lv.label.get(lang), st.centered_fill(lv.colour))
        r += len(lik) + 2
        ws.write_string(r, 0, qn.say("label_impact_levels", lang), st.bold)
        for i, ci in enumerate(imp, start=1):
            ws.write_string(r + i, 0, ci.label.get(lang), st.table_cell)
            ws.write_string(r + i, 1, ci.description.get(lang), st.table_cell)
            ws.set_row(r + i, _height(ci.description.get(lang), 80))
        return r + len(imp) + 2
    return r


def _levels_table(ws: Worksheet, st: Styles, spec: WorkbookSpec, r: int) -> int:
    """The answer levels of the scored statements (the maturity levels), with what each means:
    every answer cell's message repeats them in short."""
    qn, lang = spec.questionnaire, spec.lang
    scale_ids = {q.scale_id for q in qn.questions if q.type == "scale" and q.scale_id}
    if not scale_ids or not qn.setting("heading_levels", lang):
        return r
    ws.write_string(r, 0, qn.setting("heading_levels", lang), st.h2)
    r += 1
    for sid in sorted(scale_ids):
        for choice in qn.scales[sid].choices:
            ws.write_string(r, 0, choice.label.get(lang), st.bold)
            ws.merge_range(r, 1, r, 2, "", st.table_cell)
            ws.write_string(r, 1, choice.description.get(lang), st.table_cell)
            ws.set_row(r, 15 * (len(choice.description.get(lang)) // 110 + 1))
            r += 1
    return r + 1


def _acceptance_table(ws: Worksheet, st: Styles, spec: WorkbookSpec, r: int) -> int:
    """Which role may accept which residual level (acceptance.csv)."""
    qn, lang = spec.questionnaire, spec.lang
    roles = qn.scales.get(ROLE_SCALE)
    if roles is None:
        return r
    ws.write_string(r, 0, qn.setting("heading_acceptance", lang), st.h2)
    r += 1
    ws.write_string(r, 0, qn.say("header_role", lang), st.header)
    ws.write_string(r, 1, qn.say("header_accepts_up_to", lang), st.header)
    for i, role in enumerate(roles.choices, start=1):
        level = next(lv for lv in qn.levels if lv.rank == role.points)
        ws.write_string(r + i, 0, role.label.get(lang), st.table_cell)
        ws.set_row(r + i, _height(role.label.get(lang), 18))
        ws.write_string(r + i, 1, level.label.get(lang), st.centered_fill(level.colour))
    return r + len(roles.choices) + 2


def _height(text: str, chars_per_line: int) -> int:
    """Points of row height for a text wrapped in a column of about this many characters."""
    return 13 * (len(text) // chars_per_line + 1)
