"""A question sheet of a generated workbook: headers, question rows, answer cells with their
dropdowns or typed validation, item results and hidden helper formulas."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..model import (
    DATE,
    FREE_KINDS,
    INTEGER,
    NUMBER,
    SCORED_TYPES,
    SELECT,
    Field,
    Question,
    Questionnaire,
    Section,
)
from ..scoring import metric_label
from .formulas import FormulaBuilder
from .layout import (
    FIRST_ROW,
    HEADER_ROW,
    HELPERS,
    NOTE_ROW,
    Cell,
    Plan,
    SheetPlan,
    column_header,
    field_list,
    text_limit,
)
from .progress import shade_answers, write_progress
from .sheet_common import PROTECTION, cached, level_colours, page_setup, sheet_title
from .spec import WorkbookSpec
from .styles import Styles

DATE_RANGE = (date(2000, 1, 1), date(2100, 12, 31))
TITLE_LIMIT, MESSAGE_LIMIT = 32, 255  # Excel's limits for an input message
FROZEN_COLUMNS = {"risk": 2, "check": 2}  # the item text stays in view when scrolling right


def question_sheet(
    wb: Workbook,
    st: Styles,
    spec: WorkbookSpec,
    sp: SheetPlan,
    p: Plan,
    fb: FormulaBuilder,
    answers: Mapping[str, Any],
    scores: Mapping[str, Any],
    helpers: Mapping[tuple[str, str], Any],
) -> Worksheet:
    qn = spec.questionnaire
    ws = wb.add_worksheet(sp.name)
    ws.protect(spec.password, PROTECTION)
    _frame(ws, st, spec, sp)
    for i, (kind, ident) in enumerate(sp.rows):
        row = FIRST_ROW + i
        if kind == "section":
            _section_heading(ws, st, sp, next(s for s in qn.sections if s.id == ident), row, spec)
        elif kind == "log":
            ws.write_number(row, 0, int(ident.split(":")[1]), st.ref)
        else:
            _question_row(ws, st, spec, sp, p, fb, qn.questions_by_id[ident], row, helpers)
    _inputs(ws, st, spec, sp, p, answers)
    _item_results(ws, st, spec, sp, p, fb, scores)
    write_progress(ws, st, spec, sp, p, fb, answers, scores)
    shade_answers(ws, st, spec, sp, p, fb)
    if sp.rows:
        level_colours(ws, st, qn, spec.lang, FIRST_ROW, FIRST_ROW + len(sp.rows) - 1, sp)
    return ws


def _section_heading(
    ws: Worksheet, st: Styles, sp: SheetPlan, s: Section, row: int, spec: WorkbookSpec
) -> None:
    """The section's name, then what it covers, so that the sheet itself says what to answer
    here (the applicability section says when the respondent may stop)."""
    name, about = s.label.get(spec.lang), s.description.get(spec.lang)
    last = len(sp.columns) - 1
    ws.merge_range(row, 0, row, last, name, st.section)
    if not about:
        ws.set_row(row, 20)
        return
    ws.write_rich_string(row, 0, st.section_name, name, st.section_about, f"   {about}", st.section)
    chars_per_line = sum(width for _, width in sp.columns) * 1.2
    lines = int((len(name) + len(about) + 3) // chars_per_line) + 1
    ws.set_row(row, max(20, 14 * lines + 6))


def _frame(ws: Worksheet, st: Styles, spec: WorkbookSpec, sp: SheetPlan) -> None:
    """Title, the note above the table, column headers and widths, hidden helper columns,
    panes and print set-up."""
    qn, lang = spec.questionnaire, spec.lang
    section = next(s for s in qn.sections if s.sheet == sp.key)
    sheet_title(ws, st, spec, section.label.get(lang) if sp.family == "log" else sp.name)
    ncols = len(sp.columns)
    for c, (key, width) in enumerate(sp.columns):
        ws.set_column(c, c, width)
        ws.write_string(HEADER_ROW, c, column_header(qn, sp.family, key, lang), st.header)
    hidden = max(len(HELPERS[sp.family]), 3)  # the item helpers, and the sheet's own counts
    ws.set_column(ncols, ncols + hidden - 1, 6, None, {"hidden": True})
    ws.set_row(HEADER_ROW, 30)
    ws.freeze_panes(FIRST_ROW, FROZEN_COLUMNS.get(sp.family, 0))
    ws.repeat_rows(HEADER_ROW)
    page_setup(ws, spec)
    note = section.description.get(lang) if sp.family == "log" else _sheet_note(qn, sp, lang)
    if note:
        ws.merge_range(NOTE_ROW, 0, NOTE_ROW, min(ncols, 8) - 1, "", st.note_wrap)
        ws.write_string(NOTE_ROW, 0, note, st.note_wrap)
        ws.set_row(NOTE_ROW, 15 * (len(note) // 160 + 1))


def _sheet_note(qn: Questionnaire, sp: SheetPlan, lang: str) -> str:
    """The line above the table: the sheet's legend, else the general hint."""
    return qn.setting(f"legend_{sp.family}", lang) or qn.setting("hint", lang)


def _question_row(
    ws: Worksheet,
    st: Styles,
    spec: WorkbookSpec,
    sp: SheetPlan,
    p: Plan,
    fb: FormulaBuilder,
    q: Question,
    row: int,
    helpers: Mapping[tuple[str, str], Any],
) -> None:
    """The fixed cells of one question's row: ref, text, principle, guidance, helpers."""
    qn, lang = spec.questionnaire, spec.lang
    keys = {k for k, _ in sp.columns}
    ref = q.id + (f" {qn.setting('critical_mark', lang, '*')}" if q.critical else "")
    ws.write_string(row, sp.col("ref"), ref, st.ref_critical if q.critical else st.ref)
    ws.write_string(row, sp.col("label"), q.label.get(lang), st.wrap)
    if q.guidance:
        shown = {"validate": "any"} | _message(q.id, q.guidance.get(lang))
        ws.data_validation(row, sp.col("label"), row, sp.col("label"), shown)
    if q.principle_id and "principle" in keys:
        label = qn.principles_by_id[q.principle_id].label.get(lang)
        ws.write_string(row, sp.col("principle"), label, st.small)
    if "guidance" in keys:
        ws.write_string(row, sp.col("guidance"), q.guidance.get(lang), st.small)
    for key in HELPERS[sp.family] if q.type in SCORED_TYPES else ():
        cell = p.helpers[(q.id, key)]
        formula = fb.helper_formula(q, key, sp.name)
        ws.write_formula(row, cell.col, formula, st.helper, cached(helpers.get((q.id, key))))
    ws.set_row(row, 15 * min(_lines(sp, q, lang), 10))


def _lines(sp: SheetPlan, q: Question, lang: str) -> int:
    """Lines the row needs: a text answer gets room for a paragraph."""
    widths = dict(sp.columns)
    lines = [2, len(q.label.get(lang)) // max(widths["label"] - 6, 10) + 1]
    if "guidance" in widths:
        lines.append(len(q.guidance.get(lang)) // max(widths["guidance"] - 2, 10) + 1)
    if sp.family == "text" and any(f.kind == "longtext" for f in q.fields):
        lines.append(5)
    return max(lines)


def _inputs(
    ws: Worksheet,
    st: Styles,
    spec: WorkbookSpec,
    sp: SheetPlan,
    p: Plan,
    answers: Mapping[str, Any],
) -> None:
    """The answer cells, with their validation and any answers given."""
    qn, lang = spec.questionnaire, spec.lang
    for name, cell in p.inputs.items():
        if cell.sheet != sp.name:
            continue
        q, f = qn.input_names[name]
        locked = bool(q.prefill and spec.unit)
        fmt = st.locked if locked else st.input_for(f.kind)
        if name in spec.carried and not locked:
            fmt = st.carried_for(f.kind)
        _write_answer(ws, cell, f.kind, f.scale_id, answers.get(name), fmt, qn, lang)
        if not locked:
            title = column_header(qn, sp.family, _column_key(sp, f), lang)
            v = _validation(qn, f, lang) | _message(title, _field_message(qn, q, f, lang))
            ws.data_validation(cell.row, cell.col, cell.row, cell.col, v)


def _column_key(sp: SheetPlan, f: Field) -> str:
    return f.key.split("_", 1)[1] if sp.family == "log" else f.key


def _field_message(qn: Questionnaire, q: Question, f: Field, lang: str) -> str:
    """What an answer cell says when selected: the content's message for this kind of field
    (`message_<type>[_<field>]` such as the maturity levels, then `message_<field>` such as
    the likelihood scale), else the question's guidance."""
    key = f.key.split("_", 1)[1] if q.type == "log" else f.key
    for setting in (f"message_{q.type}" + (f"_{key}" if key else ""), f"message_{key}" * bool(key)):
        text = qn.setting(setting, lang) if setting else ""
        if text:
            return text
    return q.guidance.get(lang) or q.label.get(lang)


def _message(title: str, message: str) -> dict[str, Any]:
    """An input message within Excel's limits (a short title, the text in the message)."""
    if len(title) > TITLE_LIMIT:
        title = title[: TITLE_LIMIT - 1].rsplit(" ", 1)[0] + "…"
    if len(message) > MESSAGE_LIMIT:
        message = message[: MESSAGE_LIMIT - 1].rsplit(" ", 1)[0] + "…"
    return {"input_title": title, "input_message": message}


def _item_results(
    ws: Worksheet,
    st: Styles,
    spec: WorkbookSpec,
    sp: SheetPlan,
    p: Plan,
    fb: FormulaBuilder,
    scores: Mapping[str, Any],
) -> None:
    """Points, levels and attention flags on the question rows."""
    qn = spec.questionnaire
    for mid, cell in p.outputs.items():
        if cell.sheet != sp.name:
            continue
        m = qn.metrics_by_id[mid]
        ws.write_formula(
            cell.row,
            cell.col,
            fb.metric(m),
            st.result_for(m.rule.rule),
            cached(metric_label(qn, m, scores.get(mid), spec.lang)),
        )


def _write_answer(
    ws: Worksheet,
    cell: Cell,
    kind: str,
    scale_id: str | None,
    value: Any,
    fmt: Any,
    qn: Questionnaire,
    lang: str,
) -> None:
    r, c = cell.row, cell.col
    if value is None or value == "":
        ws.write_blank(r, c, None, fmt)
    elif kind == SELECT and scale_id and isinstance(value, str):
        try:
            label = qn.scales[scale_id].by_code(value).label.get(lang)
        except KeyError:
            label = value  # not a code: written as typed (simulates a paste past the dropdown)
        ws.write_string(r, c, label, fmt)
    elif isinstance(value, datetime | date):
        ws.write_datetime(
            r,
            c,
            value if isinstance(value, datetime) else datetime(value.year, value.month, value.day),
            fmt,
        )
    elif isinstance(value, bool):
        ws.write_string(r, c, str(value), fmt)
    elif isinstance(value, int | float):
        ws.write_number(r, c, value, fmt)
    else:
        ws.write_string(r, c, str(value), fmt)


def _validation(qn: Questionnaire, f: Field, lang: str) -> dict[str, Any]:
    """What an answer cell accepts: a dropdown, a date, a number or text of a length; the
    message shown when something else is typed comes from the content."""

    def say(key: str) -> str:
        return qn.say(key, lang)

    v: dict[str, Any] = {"error_type": "stop", "show_error": True}
    if f.kind == SELECT and f.scale_id:
        v |= {
            "validate": "list",
            "source": f"={field_list(qn, f.scale_id, f.rated_only)}",
            "error_title": say("error_list_title"),
            "error_message": say("error_list"),
        }
    elif f.kind == DATE:
        v |= {
            "validate": "date",
            "criteria": "between",
            "minimum": datetime(*DATE_RANGE[0].timetuple()[:3]),
            "maximum": datetime(*DATE_RANGE[1].timetuple()[:3]),
            "error_title": say("error_date_title"),
            "error_message": say("error_date"),
        }
    elif f.kind in (NUMBER, INTEGER):
        v |= {
            "validate": "decimal" if f.kind == NUMBER else "integer",
            "criteria": ">=",
            "value": 0,
            "error_title": say("error_number_title"),
            "error_message": say("error_number"),
        }
    elif f.kind in FREE_KINDS:
        limit = text_limit(f.kind)
        v |= {
            "validate": "length",
            "criteria": "<=",
            "value": limit,
            "error_title": say("error_text_title"),
            "error_message": say("error_text").format(limit=limit),
        }
    return v
