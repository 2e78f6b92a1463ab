"""Questionnaire (+ unit) -> workbook, written with xlsxwriter.

One call, `write_workbook`, writes one workbook: instructions first, the question sheets with
dropdowns and live formulas, the results with a chart, and the hidden `_lists` and `_meta`
sheets that carry the contract for reading back. User-supplied strings are always written with
`write_string`, so a roster entry such as `=cmd|...` stays text.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import IO, Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from . import __version__
from .formulas import FormulaBuilder, quote
from .instructions import write_instructions
from .layout import (
    BAND_LABELS,
    BAND_MINS,
    FIRST_ROW,
    HEADER_ROW,
    HELPERS,
    LEVEL_LABELS,
    LEVEL_RANKS,
    LISTS,
    MATRIX,
    MATRIX_COLS,
    MATRIX_ROWS,
    META,
    META_NAMES_HEADER,
    RESULTS,
    TEXT_LIMIT,
    Cell,
    Plan,
    SheetPlan,
    col_letter,
    list_name,
    plan,
    points_name,
)
from .model import DATE, FREE_KINDS, INTEGER, LONGTEXT, NUMBER, SELECT, Questionnaire, Unit
from .scoring import helper_values, metric_label, score
from .styles import Styles

DATE_RANGE = (date(2000, 1, 1), date(2100, 12, 31))
PERCENT_RULES = {"percent", "completion"}


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
    _results_sheet(wb, st, spec, p, fb, scores)
    _lists_sheet(wb, st, qn, spec.lang)
    _meta_sheet(wb, meta, p)
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


_PROTECTION = {
    "format_columns": True,
    "format_rows": True,
    "select_locked_cells": True,
    "select_unlocked_cells": True,
}


def footer_text(spec: WorkbookSpec) -> str:
    who = ""
    if spec.unit:
        who = spec.unit.unit_name + (f" / {spec.unit.system_name}" if spec.unit.system_name else "")
    qn = spec.questionnaire
    esc = lambda s: s.replace("&", "&&")  # noqa: E731 - '&' starts a header/footer code
    return (
        f"&L{esc(who)[:80]}&C{esc(qn.setting('short_title', spec.lang) or qn.id)} "
        f"{esc(qn.version)}&RPage &P of &N"
    )


def page_setup(ws: Worksheet, spec: WorkbookSpec, landscape: bool = True) -> None:
    if landscape:
        ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.7)
    ws.set_footer(footer_text(spec))


def _title(ws: Worksheet, st: Styles, spec: WorkbookSpec, heading: str) -> None:
    ws.write_string(0, 0, heading, st.title)
    u = spec.unit
    parts = [spec.questionnaire.title.get(spec.lang)]
    if u:
        parts.append(u.unit_name + (f" / {u.system_name}" if u.system_name else ""))
    if spec.round_id:
        parts.append(f"Round {spec.round_id}")
    ws.write_string(1, 0, " | ".join(parts), st.subtitle)


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
    ws.protect(spec.password, _PROTECTION)
    section = next(s for s in qn.sections if s.sheet == sp.name)
    _title(ws, st, spec, section.label.get(lang) if sp.family == "log" else sp.name)
    ncols = len(sp.columns)
    for c, (key, default, width) in enumerate(sp.columns):
        ws.set_column(c, c, width)
        ws.write_string(
            HEADER_ROW,
            c,
            qn.setting(f"column_{key.split(':')[0] or 'answer'}", lang, default),
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
                _cached(helpers.get((q.id, key))),
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
            _cached(metric_label(qn, m, scores.get(mid), lang)),
        )
    if sp.rows:
        _level_colours(ws, st, qn, lang, FIRST_ROW, FIRST_ROW + len(sp.rows) - 1, sp)
    return ws


def _cached(value: Any) -> Any:
    return "" if value is None else value


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
        limit = TEXT_LIMIT[LONGTEXT if kind == LONGTEXT else "text"]
        v |= {
            "validate": "length",
            "criteria": "<=",
            "value": limit,
            "error_title": "Text too long",
            "error_message": f"Keep this under {limit} characters.",
        }
    return v


def _level_colours(
    ws: Worksheet,
    st: Styles,
    qn: Questionnaire,
    lang: str,
    first: int,
    last: int,
    sp: SheetPlan | None = None,
    cols: tuple[int, int] | None = None,
) -> None:
    """Colour level and band cells; the level is always written as text too."""
    c0, c1 = cols if cols else (0, len(sp.columns) - 1 if sp else 10)
    rng = f"{col_letter(c0)}{first + 1}:{col_letter(c1)}{last + 1}"
    for lv in qn.levels:
        ws.conditional_format(
            rng,
            {
                "type": "cell",
                "criteria": "==",
                "value": quote(lv.label.get(lang)),
                "format": st.fill(lv.colour),
            },
        )
    for b in qn.bands:
        ws.conditional_format(
            rng,
            {
                "type": "cell",
                "criteria": "==",
                "value": quote(b.label.get(lang)),
                "format": st.fill(b.colour),
            },
        )
    for key in ("attention_overdue", "attention_evidence"):
        label = qn.setting(key, lang)
        if label:
            ws.conditional_format(
                rng,
                {
                    "type": "cell",
                    "criteria": "==",
                    "value": quote(label),
                    "format": st.fill("#F9CB9C"),
                },
            )


def _results_sheet(
    wb: Workbook,
    st: Styles,
    spec: WorkbookSpec,
    p: Plan,
    fb: FormulaBuilder,
    scores: Mapping[str, Any],
) -> None:
    qn, lang = spec.questionnaire, spec.lang
    ws = wb.add_worksheet(RESULTS)
    ws.protect(spec.password, _PROTECTION)
    _title(ws, st, spec, qn.setting("results_title", lang, "Results"))
    ws.write_string(
        2,
        0,
        qn.setting(
            "results_note",
            lang,
            "Computed from your answers as you fill the workbook. Nothing to enter on this sheet.",
        ),
        st.note,
    )
    ws.set_column(0, 0, 42)
    ws.set_column(1, 8, 16)
    page_setup(ws, spec)
    last = 3
    charts: list[tuple[Any, list]] = []
    for t in p.results:
        ws.set_row(t.top, 30)
        rules = (
            [ms[0].rule for ms in t.metrics] if t.scope == "all" else [m.rule for m in t.metrics[0]]
        )
        if t.scope == "all":
            ws.write_string(t.top, 0, qn.setting("header_all", lang, "Overall"), st.header)
            ws.write_string(t.top, 1, "", st.header)
        else:
            kind = t.scope.removeprefix("each:")
            ws.write_string(
                t.top, 0, qn.setting(f"header_{kind}", lang, _SCOPE_HEADERS[kind]), st.header
            )
            for j, rule in enumerate(rules):
                ws.write_string(t.top, 1 + j, rule.label.get(lang), st.header)
        for i, row_metrics in enumerate(t.metrics):
            r = t.top + 1 + i
            first = row_metrics[0]
            ws.write_string(
                r,
                0,
                first.rule.label.get(lang)
                if t.scope == "all"
                else qn.scope_label(t.scope, first.scope_id, lang),
                st.wrap,
            )
            for m in row_metrics:
                cell = p.outputs[m.id]
                ws.write_formula(
                    cell.row,
                    cell.col,
                    fb.metric(m),
                    st.result_for(m.rule.rule),
                    _cached(metric_label(qn, m, scores.get(m.id), lang)),
                )
        end = t.top + len(t.metrics)
        _level_colours(ws, st, qn, lang, t.top + 1, end, cols=(1, 1 + len(rules)))
        if t.scope != "all":
            charts.append((t, rules))
        last = end
    # Charts go under the tables, so that the sheet prints on the page width.
    row = last + 3
    for t, rules in charts:
        row = _chart(wb, ws, t, rules, qn, lang, row)
    ws.set_row(2, 18)
    ws.print_area(0, 0, row, 6)


_SCOPE_HEADERS = {
    "section": "Section",
    "core": "Core principle",
    "principle": "Instrumental principle",
    "level": "Level",
}


def _chart(
    wb: Workbook, ws: Worksheet, t: Any, rules: list, qn: Questionnaire, lang: str, at_row: int
) -> int:
    """A bar chart of a table's percentages, or a column chart of its level counts."""
    cols = [j for j, r in enumerate(rules) if r.rule in PERCENT_RULES | {"level_count"}]
    if not cols:
        return at_row
    kind = t.scope.removeprefix("each:")
    header = qn.setting(f"header_{kind}", lang, _SCOPE_HEADERS[kind])
    first, last = t.top + 1, t.top + len(t.metrics)
    is_pct = rules[cols[0]].rule in PERCENT_RULES
    chart = wb.add_chart({"type": "bar" if is_pct else "column"})
    for j in cols[:2]:
        chart.add_series(
            {
                "name": [RESULTS, t.top, 1 + j],
                "categories": [RESULTS, first, 0, last, 0],
                "values": [RESULTS, first, 1 + j, last, 1 + j],
                "data_labels": {"value": True, "num_format": "0%" if is_pct else "0"},
                "gap": 60,
            }
        )
    if is_pct:
        chart.set_x_axis(
            {"min": 0, "max": 1, "num_format": "0%", "major_gridlines": {"visible": True}}
        )
        chart.set_y_axis({"reverse": True})
    else:
        chart.set_y_axis({"min": 0, "num_format": "0"})
    default_title = (
        f"{rules[cols[0]].label.get(lang)} by {header.lower()}"
        if is_pct
        else f"Risks by {header.lower()}"
    )
    chart.set_title(
        {"name": qn.setting(f"chart_{kind}", lang, default_title), "name_font": {"size": 11}}
    )
    chart.set_legend({"position": "bottom"} if len(cols) > 1 else {"none": True})
    height = max(260, 26 * len(t.metrics) + 90)
    chart.set_size({"width": 720, "height": height})
    ws.insert_chart(at_row, 0, chart)
    return at_row + height // 20 + 2


def _lists_sheet(wb: Workbook, st: Styles, qn: Questionnaire, lang: str) -> None:
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


def _meta_sheet(wb: Workbook, meta: Mapping[str, str], p: Plan) -> None:
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
    for c, h in enumerate(META_NAMES_HEADER):
        ws.write_string(r, c, h)
    qn = p.questionnaire
    for name in p.inputs:
        r += 1
        q, f = qn.input_names[name]
        for c, v in enumerate((name, "input", q.id + (f"_{f.key}" if f.key else ""))):
            ws.write_string(r, c, v)
    for mid in p.outputs:
        r += 1
        for c, v in enumerate((f"out_{mid}", "output", mid)):
            ws.write_string(r, c, v)


# Per-unit workbooks ------------------------------------------------------------------------
# A roster of a thousand units would mean a thousand identical workbooks that differ only in
# the unit's id and name. We render the workbook once with placeholder tokens and substitute
# the (escaped) values into the few XML parts that hold them: about 3 ms a workbook instead of
# 30 ms. tests/test_generate.py checks the result against a workbook written directly.
_TOKENS = {
    "unit_id": "RAITOKUNITID",
    "unit_name": "RAITOKUNITNAME",
    "system_id": "RAITOKSYSTEMID",
    "system_name": "RAITOKSYSTEMNAME",
}


def _xml_escape(text: str) -> str:
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


class PersonalisedWriter:
    """Writes one questionnaire's workbook for many units from a single rendered template."""

    def __init__(self, spec: WorkbookSpec, with_system: bool):
        tokens = Unit(
            _TOKENS["unit_id"],
            _TOKENS["unit_name"],
            "",
            "",
            _TOKENS["system_id"] if with_system else "",
            _TOKENS["system_name"] if with_system else "",
        )
        buf = io.BytesIO()
        write_workbook(replace(spec, unit=tokens), buf)
        with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as zf:
            self.members = [(info, zf.read(info)) for info in zf.infolist()]
        keys = [t.encode() for t in _TOKENS.values()]
        self.templated = {
            info.filename for info, data in self.members if any(k in data for k in keys)
        }

    def render(self, unit: Unit) -> bytes:
        xml_values = {_TOKENS[k]: _xml_escape(unit.value(k)) for k in _TOKENS}
        # Footers double '&' (it starts a header/footer code) and are kept short.
        footer_values = {
            _TOKENS[k]: _xml_escape(unit.value(k)[:40].replace("&", "&&")) for k in _TOKENS
        }
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
            for info, data in self.members:
                if info.filename in self.templated:
                    values = (
                        footer_values if info.filename.startswith("xl/worksheets/") else xml_values
                    )
                    for token, value in values.items():
                        data = data.replace(token.encode(), value.encode())
                zf.writestr(info, data)
        return out.getvalue()
