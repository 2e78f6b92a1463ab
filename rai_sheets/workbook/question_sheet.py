"""A question sheet of a generated workbook: headers, question rows, answer cells with their
dropdowns or typed validation, item results and hidden helper formulas."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..model import DATE, FREE_KINDS, INTEGER, NUMBER, SELECT, Question, Questionnaire
from ..scoring import metric_label
from .formulas import FormulaBuilder
from .layout import FIRST_ROW, HEADER_ROW, HELPERS, Cell, Plan, SheetPlan, list_name, text_limit
from .sheet_common import PROTECTION, cached, level_colours, page_setup, sheet_title
from .spec import WorkbookSpec
from .styles import Styles

DATE_RANGE = (date(2000, 1, 1), date(2100, 12, 31))


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
            s = next(s for s in qn.sections if s.id == ident)
            ws.merge_range(row, 0, row, len(sp.columns) - 1, s.label.get(spec.lang), st.section)
            ws.set_row(row, 20)
        elif kind == "log":
            ws.write_number(row, 0, int(ident.split(":")[1]), st.ref)
        else:
            _question_row(ws, st, spec, sp, p, fb, qn.questions_by_id[ident], row, helpers)
    _inputs(ws, st, spec, sp, p, answers)
    _item_results(ws, st, spec, sp, p, fb, scores)
    if sp.rows:
        level_colours(ws, st, qn, spec.lang, FIRST_ROW, FIRST_ROW + len(sp.rows) - 1, sp)
    return ws


def _frame(ws: Worksheet, st: Styles, spec: WorkbookSpec, sp: SheetPlan) -> None:
    """Title, column headers and widths, hidden helper columns, panes and print set-up."""
    qn, lang = spec.questionnaire, spec.lang
    section = next(s for s in qn.sections if s.sheet == sp.name)
    sheet_title(ws, st, spec, section.label.get(lang) if sp.family == "log" else sp.name)
    ncols = len(sp.columns)
    for c, (key, default, width) in enumerate(sp.columns):
        ws.set_column(c, c, width)
        ws.write_string(
            HEADER_ROW,
            c,
            qn.setting(f"column_{key.replace(':', '_').strip('_') or 'answer'}", lang, default),
            st.header,
        )
    helper_keys = HELPERS[sp.family]
    if helper_keys:
        ws.set_column(ncols, ncols + len(helper_keys) - 1, 6, None, {"hidden": True})
    ws.set_row(HEADER_ROW, 30)
    ws.freeze_panes(FIRST_ROW, 0)
    ws.repeat_rows(HEADER_ROW)
    page_setup(ws, spec)
    if sp.family == "log":
        ws.write_string(2, 0, section.description.get(lang), st.note)


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
    keys = {k for k, _, _ in sp.columns}
    ws.write_string(row, sp.col("ref"), q.id, st.ref)
    ws.write_string(row, sp.col("label"), q.label.get(lang), st.wrap)
    if q.principle_id and "principle" in keys:
        label = qn.principles_by_id[q.principle_id].label.get(lang)
        ws.write_string(row, sp.col("principle"), label, st.small)
    if "guidance" in keys:
        ws.write_string(row, sp.col("guidance"), q.guidance.get(lang), st.small)
    helper_keys = HELPERS[sp.family]
    for key in helper_keys if (q.id, helper_keys[0]) in p.helpers else ():
        cell = p.helpers[(q.id, key)]
        ws.write_formula(
            row,
            cell.col,
            fb.helper_formula(q, key, sp.name),
            st.helper,
            cached(helpers.get((q.id, key))),
        )
    lines = max(2, len(q.label.get(lang)) // 55 + 1, len(q.guidance.get(lang)) // 50 + 1)
    ws.set_row(row, 15 * min(lines, 8))


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
            ws.data_validation(
                cell.row,
                cell.col,
                cell.row,
                cell.col,
                _validation(
                    qn, q.label.get(lang), q.guidance.get(lang), f.kind, f.scale_id, lang, f.key
                ),
            )


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


def _validation(
    qn: Questionnaire,
    label: str,
    guidance: str,
    kind: str,
    scale_id: str | None,
    lang: str,
    key: str,
) -> dict[str, Any]:
    title = label if len(label) <= 32 else label[:31] + "…"
    message = guidance or label
    if key and "_" in key[:3]:
        title = key.split("_", 1)[1].replace("_", " ").capitalize()
    v: dict[str, Any] = {
        "input_title": title,
        "input_message": message[:250],
        "error_type": "stop",
        "show_error": True,
    }
    if kind == SELECT and scale_id:
        v |= {
            "validate": "list",
            "source": f"={list_name(scale_id)}",
            "error_title": "Choose from the list",
            "error_message": "Choose one of the values in the dropdown list.",
        }
    elif kind == DATE:
        v |= {
            "validate": "date",
            "criteria": "between",
            "minimum": datetime(*DATE_RANGE[0].timetuple()[:3]),
            "maximum": datetime(*DATE_RANGE[1].timetuple()[:3]),
            "error_title": "Enter a date",
            "error_message": "Enter a date between 2000-01-01 and 2100-12-31, "
            "for example 2026-03-31.",
        }
    elif kind in (NUMBER, INTEGER):
        v |= {
            "validate": "decimal" if kind == NUMBER else "integer",
            "criteria": ">=",
            "value": 0,
            "error_title": "Enter a number",
            "error_message": "Enter a number (0 or more).",
        }
    elif kind in FREE_KINDS:
        limit = text_limit(kind)
        v |= {
            "validate": "length",
            "criteria": "<=",
            "value": limit,
            "error_title": "Text too long",
            "error_message": f"Keep this under {limit} characters.",
        }
    return v
