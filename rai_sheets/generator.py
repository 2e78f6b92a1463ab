"""Questionnaire (+ unit) -> workbook, written with xlsxwriter.

One call, `write_workbook`, writes one workbook: instructions first, the question sheets with
dropdowns and live formulas, the results with a chart, and the hidden `_lists` and `_meta`
sheets that carry the contract for reading back. User-supplied strings are always written with
`write_string`, so a roster entry such as `=cmd|...` stays text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import IO, Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from . import __version__
from .formulas import FormulaBuilder
from .hidden_sheets import lists_sheet, meta_sheet
from .instructions import write_instructions
from .layout import (
    FIRST_ROW,
    HEADER_ROW,
    HELPERS,
    Cell,
    Plan,
    SheetPlan,
    list_name,
    plan,
    text_limit,
)
from .model import DATE, FREE_KINDS, INTEGER, NUMBER, SELECT, Questionnaire, Unit
from .results_sheet import results_sheet
from .scoring import helper_values, metric_label, score
from .sheet_common import PROTECTION, cached, level_colours, page_setup, sheet_title
from .styles import Styles

DATE_RANGE = (date(2000, 1, 1), date(2100, 12, 31))


@dataclass
class WorkbookSpec:
    """What one workbook is for: whom, which round, which language, and any answers."""

    questionnaire: Questionnaire
    unit: Unit | None = None
    round_id: str = ""
    lang: str = "en"
    password: str = ""
    answers: Mapping[str, Any] = field(default_factory=dict)  # in_ name -> code or raw value
    generated_at: datetime = field(default_factory=lambda: datetime.now().replace(microsecond=0))
    today: date | None = None

    def meta(self) -> dict[str, str]:
        u = self.unit
        qn = self.questionnaire
        return {
            "questionnaire": qn.id,
            "version": qn.version,
            "content_hash": qn.content_hash,
            "unit_id": u.unit_id if u else "",
            "unit_name": u.unit_name if u else "",
            "system_id": u.system_id if u else "",
            "system_name": u.system_name if u else "",
            "round": self.round_id,
            "language": self.lang,
            "generated_at": self.generated_at.isoformat(),
            "generator": f"rai-sheets {__version__}",
        }


def write_workbook(spec: WorkbookSpec, target: str | IO[bytes]) -> None:
    qn = spec.questionnaire
    p = plan(qn)
    wb = xlsxwriter.Workbook(
        target,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    st = Styles(wb)
    meta = spec.meta()
    answers = dict(spec.answers)
    for q in qn.questions:
        if q.prefill and spec.unit:
            answers[q.input_name(q.fields[0])] = spec.unit.value(q.prefill)
    scores = score(qn, answers, spec.today)
    helpers = helper_values(qn, answers, spec.today)
    fb = FormulaBuilder(p, spec.lang)

    write_instructions(wb, st, spec)
    for sp in p.sheets:
        _question_sheet(wb, st, spec, sp, p, fb, answers, scores, helpers)
    results_sheet(wb, st, spec, p, fb, scores)
    lists_sheet(wb, st, qn, spec.lang)
    meta_sheet(wb, meta, p)
    for name, cell in p.inputs.items():
        wb.define_name(name, f"={cell.abs_ref}")
    for mid, cell in p.outputs.items():
        wb.define_name(f"out_{mid}", f"={cell.abs_ref}")
    for key, value in meta.items():
        if value:
            wb.set_custom_property(key, value)
    wb.set_properties(
        {
            "title": f"{qn.title.get(spec.lang)}"
            + (f" - {spec.unit.system_name or spec.unit.unit_name}" if spec.unit else ""),
            "subject": qn.title.get(spec.lang),
            "author": "rai-sheets",
            "company": "",
            "comments": f"{qn.id} {qn.version}",
            "created": spec.generated_at,
        }
    )
    wb.close()


def _question_sheet(
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
    qn, lang = spec.questionnaire, spec.lang
    ws = wb.add_worksheet(sp.name)
    ws.protect(spec.password, PROTECTION)
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

    for i, (kind, ident) in enumerate(sp.rows):
        row = FIRST_ROW + i
        if kind == "section":
            s = next(s for s in qn.sections if s.id == ident)
            ws.merge_range(row, 0, row, ncols - 1, s.label.get(lang), st.section)
            ws.set_row(row, 20)
            continue
        if kind == "log":
            ws.write_number(row, 0, int(ident.split(":")[1]), st.ref)
            continue
        q = qn.questions_by_id[ident]
        ws.write_string(row, sp.col("ref"), q.id, st.ref)
        ws.write_string(row, sp.col("label"), q.label.get(lang), st.wrap)
        if q.principle_id and "principle" in {k for k, _, _ in sp.columns}:
            ws.write_string(
                row,
                sp.col("principle"),
                qn.principles_by_id[q.principle_id].label.get(lang),
                st.small,
            )
        if "guidance" in {k for k, _, _ in sp.columns}:
            ws.write_string(row, sp.col("guidance"), q.guidance.get(lang), st.small)
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

    # inputs, with their validation and current answers
    for name, cell in p.inputs.items():
        if cell.sheet != sp.name:
            continue
        q, f = qn.input_names[name]
        locked = bool(q.prefill and spec.unit)
        fmt = st.locked if locked else st.input_for(f.kind)
        value = answers.get(name)
        _write_answer(ws, cell, f.kind, f.scale_id, value, fmt, qn, lang)
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

    # item results (points, levels, attention)
    for mid, cell in p.outputs.items():
        if cell.sheet != sp.name:
            continue
        m = qn.metrics_by_id[mid]
        ws.write_formula(
            cell.row,
            cell.col,
            fb.metric(m),
            st.result_for(m.rule.rule),
            cached(metric_label(qn, m, scores.get(mid), lang)),
        )
    if sp.rows:
        level_colours(ws, st, qn, lang, FIRST_ROW, FIRST_ROW + len(sp.rows) - 1, sp)
    return ws


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
