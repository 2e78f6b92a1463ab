"""The Results sheet of a generated workbook: one table per scope, live formulas, charts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..i18n import is_rtl, text
from ..scoring import CATEGORICAL_RULES, metric_label
from .formulas import FormulaBuilder
from .layout import Plan, sheet_ref
from .sheet_common import PROTECTION, cached, level_colours, page_setup, sheet_title
from .spec import WorkbookSpec
from .styles import Styles

PERCENT_RULES = {"percent", "completion"}
WIDE = 4  # columns a result of the overall table spans, so that a conclusion fits


def results_sheet(
    wb: Workbook,
    st: Styles,
    spec: WorkbookSpec,
    p: Plan,
    fb: FormulaBuilder,
    scores: Mapping[str, Any],
) -> None:
    qn, lang = spec.questionnaire, spec.lang
    ws = wb.add_worksheet(p.results_sheet)
    ws.protect(spec.password, PROTECTION)
    sheet_title(ws, st, spec, qn.say("results_title", lang))
    ws.write_string(2, 0, qn.say("results_note", lang), st.note)
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
            ws.write_string(t.top, 0, qn.say("header_all", lang), st.header)
            ws.merge_range(t.top, 1, t.top, WIDE, "", st.header)
        else:
            kind = t.scope.removeprefix("each:")
            ws.write_string(t.top, 0, qn.say(f"header_{kind}", lang), st.header)
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
                _result(ws, st, spec, p, fb, m, scores, wide=t.scope == "all")
        end = t.top + len(t.metrics)
        level_colours(ws, st, qn, lang, t.top + 1, end, cols=(1, 1 + len(rules)))
        if t.scope != "all":
            charts.append((t, rules))
        last = end
    last = _critical_list(ws, st, spec, p, scores, last + 3)
    # Charts go under the tables, so that the sheet prints on the page width.
    row = last + 3
    for t, rules in charts:
        row = _chart(wb, ws, p, t, rules, lang, row)
    ws.set_row(2, 18)
    ws.print_area(0, 0, row, 6)


def _result(
    ws: Worksheet,
    st: Styles,
    spec: WorkbookSpec,
    p: Plan,
    fb: FormulaBuilder,
    m: Any,
    scores: Mapping[str, Any],
    wide: bool,
) -> None:
    """One result cell; in the overall table a words result spans several columns."""
    cell = p.outputs[m.id]
    text = m.rule.rule in CATEGORICAL_RULES
    fmt = st.result_text if wide and text else st.result_for(m.rule.rule)
    if wide:
        ws.merge_range(cell.row, cell.col, cell.row, cell.col + WIDE - 1, "", fmt)
        if text:
            ws.set_row(cell.row, 30)
    value = cached(metric_label(spec.questionnaire, m, scores.get(m.id), spec.lang))
    ws.write_formula(cell.row, cell.col, fb.metric(m), fmt, value)


def _critical_list(
    ws: Worksheet, st: Styles, spec: WorkbookSpec, p: Plan, scores: Mapping[str, Any], top: int
) -> int:
    """The critical statements with their answers and points, so that the sheet says which
    one holds the overall band down."""
    qn, lang = spec.questionnaire, spec.lang
    critical = [q for q in qn.scored_questions() if q.critical]
    if not critical:
        return top - 3
    ws.merge_range(top, 0, top, WIDE, "", st.header)
    ws.write_string(top, 0, qn.setting("critical_title", lang), st.header)
    ws.set_row(top, 30)
    for i, q in enumerate(critical, start=1):
        answer = p.inputs[q.input_name(q.fields[0])]
        points = p.outputs[f"{q.id}_points"]
        label = f"{q.id}: {q.label.get(lang)}"
        ws.merge_range(top + i, 0, top + i, 1, "", st.wrap)
        ws.write_string(top + i, 0, label, st.wrap)
        ws.set_row(top + i, 15 * (len(label) // 55 + 1))
        code = spec.answers.get(q.input_name(q.fields[0]))
        choices = {c.code: c.label.get(lang) for c in qn.scales[q.scale_id or ""].choices}
        shown = choices.get(code, str(code)) if code else ""
        ref = f"{sheet_ref(answer.sheet)}!{answer.a1}"
        ws.merge_range(top + i, 2, top + i, WIDE - 1, "", st.result)
        ws.write_formula(top + i, 2, f'IF({ref}="","",{ref})', st.result, shown)
        pts = f"{sheet_ref(points.sheet)}!{points.a1}"
        ws.write_formula(top + i, WIDE, pts, st.result_int, cached(scores.get(f"{q.id}_points")))
    level_colours(ws, st, qn, lang, top + 1, top + len(critical), cols=(2, WIDE))
    return top + len(critical)


def _chart(
    wb: Workbook, ws: Worksheet, p: Plan, t: Any, rules: list, lang: str, at_row: int
) -> int:
    """A bar chart of a table's percentages, or a column chart of its level counts."""
    qn, sheet = p.questionnaire, p.results_sheet
    cols = [j for j, r in enumerate(rules) if r.rule in PERCENT_RULES | {"level_count"}]
    if not cols:
        return at_row
    kind = t.scope.removeprefix("each:")
    header = qn.say(f"header_{kind}", lang)
    first, last = t.top + 1, t.top + len(t.metrics)
    is_pct = rules[cols[0]].rule in PERCENT_RULES
    chart = wb.add_chart({"type": "bar" if is_pct else "column"})
    for j in cols[:2]:
        chart.add_series(
            {
                "name": [sheet, t.top, 1 + j],
                "categories": [sheet, first, 0, last, 0],
                "values": [sheet, first, 1 + j, last, 1 + j],
                # zeros (and results not yet available) get no label: no misleading 0
                "data_labels": {"value": True, "num_format": "0%;-0%;;" if is_pct else "0;-0;;"},
                "gap": 60,
            }
        )
    rtl = is_rtl(lang)  # bars grow from the right, categories run from the right
    if is_pct:
        chart.set_x_axis(
            {
                "min": 0,
                "max": 1,
                "num_format": "0%",
                "major_gridlines": {"visible": True},
                "reverse": rtl,
            }
        )
        chart.set_y_axis({"reverse": True, "interval_unit": 1})  # every category named
    else:
        chart.set_x_axis({"reverse": rtl})
        chart.set_y_axis({"min": 0})
    default_title = (
        text("workbook.chart_percent", lang, metric=rules[cols[0]].label.get(lang), scope=header)
        if is_pct
        else text("workbook.chart_count", lang, scope=header)
    )
    chart.set_title(
        {"name": qn.setting(f"chart_{kind}", lang, default_title), "name_font": {"size": 11}}
    )
    chart.set_legend({"position": "bottom"} if len(cols) > 1 else {"none": True})
    height = max(260, 26 * len(t.metrics) + 90)
    chart.set_size({"width": 720, "height": height})
    ws.insert_chart(at_row, 0, chart)
    return at_row + height // 20 + 2
