"""What a respondent sees while answering, sheet by sheet: the line at the top that counts the
required answers still missing ("31 of 41 required answers given"), and the shading of a
required answer still blank, a half-rated risk or a missing reason once the respondent has
started (conditional formatting, so it follows the answers live)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from xlsxwriter.worksheet import Worksheet

from ..model import SCORED_TYPES, Question
from ..scoring import metric_label
from ..scoring.items import Items
from .formulas import FormulaBuilder
from .layout import PROGRESS_ROW, Cell, Plan, SheetPlan, col_letter
from .references import quote
from .spec import WorkbookSpec
from .styles import Styles

PLACEHOLDER = re.compile(r"\{(answered|total)\}")


def sheet_cells(sp: SheetPlan) -> dict[str, Cell]:
    """The hidden cells of a sheet's own counts, on the progress row past the table."""
    first = len(sp.columns)
    keys = ("answered", "total", "started")
    return {k: Cell(sp.name, PROGRESS_ROW, first + i) for i, k in enumerate(keys)}


def _questions(p: Plan, sp: SheetPlan) -> list[Question]:
    qn = p.questionnaire
    return [qn.questions_by_id[i] for kind, i in sp.rows if kind == "question"]


def _counts(fb: FormulaBuilder, p: Plan, sp: SheetPlan) -> tuple[list[str], list[str]]:
    """Terms of the answered and the total counts of required answers on the sheet."""
    answered: list[str] = []
    total: list[str] = []
    qs = [q for q in _questions(p, sp) if q.required and q.type != "log"]
    scored = [q for q in qs if q.type in SCORED_TYPES]
    simple = [q for q in qs if q.type not in SCORED_TYPES]
    here = sp.name
    if scored:
        pending = fb.total(scored, "pending", here)
        if scored[0].type == "check":
            required = fb.total(scored, "stage_due", here)
        elif scored[0].type == "risk" and fb.screened(here):
            required = f"IF({fb.screened(here)},0,{len(scored)})"
        else:
            required = str(len(scored))
        total.append(required)
        answered.append(f"{required}-{pending}")
    for q in simple:
        total.append("1")
        answered.append(f"{fb.given(q, '', here)}*1")
    return answered, total


def _count_values(
    p: Plan, sp: SheetPlan, spec: WorkbookSpec, answers: Mapping[str, Any]
) -> dict[str, int]:
    """The counts as the formulas compute them, for the cached values."""
    qn = p.questionnaire
    items = Items(qn, answers, spec.today or date.today())
    out = {"answered": 0, "total": 0, "started": 0}
    for q in _questions(p, sp):
        if q.required and q.type in SCORED_TYPES:
            now = items.required_now(q)
            out["total"] += now
            out["answered"] += now and items.answered(q)
        elif q.required and q.type != "log":
            out["total"] += 1
            out["answered"] += _given(items, q)
    for name, cell in p.inputs.items():
        q = qn.input_names[name][0]
        if cell.sheet == sp.name and not (q.prefill and spec.unit):
            out["started"] += answers.get(name) not in (None, "")
    return out


def _given(items: Items, q: Question) -> bool:
    if q.fields[0].scale_id:
        return items.code(q) is not None
    return str(items.value(q) or "").strip() != ""


def _sentence(text: str, counts: dict[str, int]) -> str:
    return PLACEHOLDER.sub(lambda m: str(counts[m.group(1)]), text)


def _started(fb: FormulaBuilder, p: Plan, sp: SheetPlan, spec: WorkbookSpec) -> str:
    """How many answers the respondent gave on this sheet (pre-filled ones do not count)."""
    qn = p.questionnaire
    columns: dict[int, list[int]] = {}
    prefilled = []
    for name, cell in p.inputs.items():
        if cell.sheet != sp.name:
            continue
        q = qn.input_names[name][0]
        if q.prefill and spec.unit:
            prefilled.append(fb.ref(cell, sp.name))
        columns.setdefault(cell.col, []).append(cell.row)
    terms = [
        f"COUNTA({col_letter(c)}{min(rows) + 1}:{col_letter(c)}{max(rows) + 1})"
        for c, rows in sorted(columns.items())
    ]
    minus = "".join(f'-({ref}<>"")' for ref in prefilled)
    return ("+".join(terms) or "0") + minus


def _template(text: str, values: dict[str, str]) -> str:
    """A sentence with {answered} and {total} as a formula joining its parts."""
    parts = []
    pos = 0
    for m in PLACEHOLDER.finditer(text):
        if m.start() > pos:
            parts.append(quote(text[pos : m.start()]))
        parts.append(values[m.group(1)])
        pos = m.end()
    if pos < len(text):
        parts.append(quote(text[pos:]))
    return "&".join(parts) or '""'


def write_progress(
    ws: Worksheet,
    st: Styles,
    spec: WorkbookSpec,
    sp: SheetPlan,
    p: Plan,
    fb: FormulaBuilder,
    answers: Mapping[str, Any],
    scores: Mapping[str, Any],
) -> None:
    """The progress line, with the hidden counts it reads (cached as Python counts them)."""
    qn, lang = spec.questionnaire, spec.lang
    cells = sheet_cells(sp)
    counts = _count_values(p, sp, spec, answers)
    started = cells["started"]
    formula = _started(fb, p, sp, spec)
    ws.write_formula(started.row, started.col, formula, st.helper, counts["started"])
    if _acceptance_sheet(p, sp):
        _acceptance_line(ws, st, spec, sp, p, scores)
        return
    answered, total = _counts(fb, p, sp)
    if not total:
        return
    refs = {k: fb.ref(cells[k], sp.name) for k in ("answered", "total")}
    for key, terms in (("answered", answered), ("total", total)):
        c = cells[key]
        ws.write_formula(c.row, c.col, "+".join(terms), st.helper, counts[key])
    say = {k: qn.setting(k, lang) for k in ("progress", "progress_done", "progress_none")}
    formula = (
        f"IF({refs['total']}=0,{quote(say['progress_none'])},"
        f"IF({refs['answered']}={refs['total']},{_template(say['progress_done'], refs)},"
        f"{_template(say['progress'], refs)}))"
    )
    if counts["total"] == 0:
        shown = say["progress_none"]
    else:
        done = counts["answered"] == counts["total"]
        shown = _sentence(say["progress_done" if done else "progress"], counts)
    ws.merge_range(PROGRESS_ROW, 0, PROGRESS_ROW, min(len(sp.columns), 6) - 1, "", st.progress)
    ws.write_formula(PROGRESS_ROW, 0, formula, st.progress, shown)
    ws.set_row(PROGRESS_ROW, 18)


def _acceptance_sheet(p: Plan, sp: SheetPlan) -> bool:
    qid = p.questionnaire.setting("acceptance_by")
    return bool(qid) and qid in {i for kind, i in sp.rows if kind == "question"}


def _acceptance_line(
    ws: Worksheet,
    st: Styles,
    spec: WorkbookSpec,
    sp: SheetPlan,
    p: Plan,
    scores: Mapping[str, Any],
) -> None:
    """On the acceptance sheet: whether an acceptance is needed and whether it is recorded."""
    qn, lang = spec.questionnaire, spec.lang
    metric = next((m for m in qn.metrics if m.rule.rule == "acceptance"), None)
    if metric is None:
        return
    out = f"out_{metric.id}"
    formula = (
        f'{quote(qn.setting("acceptance_status", lang) + " ")}&IF({out}="",'
        f"{quote(qn.setting('accept_not_needed', lang))},{out})"
    )
    ws.merge_range(PROGRESS_ROW, 0, PROGRESS_ROW, len(sp.columns) - 1, "", st.progress)
    state = metric_label(qn, metric, scores.get(metric.id), lang)
    shown = (
        qn.setting("acceptance_status", lang)
        + " "
        + (str(state) if state != "" else qn.setting("accept_not_needed", lang))
    )
    ws.write_formula(PROGRESS_ROW, 0, formula, st.progress, shown)
    ws.set_row(PROGRESS_ROW, 18)


def shade_answers(
    ws: Worksheet, st: Styles, spec: WorkbookSpec, sp: SheetPlan, p: Plan, fb: FormulaBuilder
) -> None:
    """Shade what still needs an answer, once the respondent has started on the sheet."""
    started = fb.ref(sheet_cells(sp)["started"], sp.name)
    rules = _shading_rules(fb, p, sp, spec, started)
    for q, key, test in rules:
        cell = p.inputs[q.input_name(q.field(key))]
        ws.conditional_format(
            cell.row,
            cell.col,
            cell.row,
            cell.col,
            {"type": "formula", "criteria": "=" + test, "format": st.needs_answer},
        )


def _shading_rules(
    fb: FormulaBuilder, p: Plan, sp: SheetPlan, spec: WorkbookSpec, started: str
) -> list[tuple[Question, str, str]]:
    """(question, field key, condition) for every answer cell that can need attention."""
    here = sp.name
    out: list[tuple[Question, str, str]] = []
    for q in _questions(p, sp):
        if q.prefill and spec.unit:
            continue
        if q.type == "scale":
            pending = fb.helper(q, "pending", here)
            out.append((q, "", f"AND({started}>0,{pending}=1)"))
            out.append(
                (q, "comment", f"AND({fb.is_na(q, here)},NOT({fb.given(q, 'comment', here)}))")
            )
        elif q.type == "risk":
            out += _risk_shading(fb, q, here, started)
        elif q.type == "check":
            pending = fb.helper(q, "pending", here)
            out.append((q, "status", f"AND({started}>0,{pending}=1)"))
            out.append((q, "notes", f"AND({fb.is_na(q, here)},NOT({fb.given(q, 'notes', here)}))"))
            out.append((q, "evidence", f"{fb.helper(q, 'no_evidence', here)}=1"))
        elif q.type != "log" and q.required:
            out.append((q, "", f"AND({started}>0,NOT({fb.given(q, '', here)}))"))
    out += _acceptance_shading(fb, p, sp)
    return out


def _risk_shading(
    fb: FormulaBuilder, q: Question, here: str, started: str
) -> list[tuple[Question, str, str]]:
    pending = f"AND({started}>0,{fb.helper(q, 'pending', here)}=1)"
    res = {k: fb.valid(q, k, here) for k in ("residual_likelihood", "residual_impact")}
    half = f"{res['residual_likelihood']}<>{res['residual_impact']}"
    mitigation = fb.given(q, "mitigation", here)
    return [
        (q, "likelihood", f"AND({pending},NOT({fb.valid(q, 'likelihood', here)}))"),
        (q, "impact", f"AND({pending},NOT({fb.valid(q, 'impact', here)}))"),
        (q, "note", f"AND({fb.helper(q, 'na', here)}=1,NOT({fb.given(q, 'note', here)}))"),
        (
            q,
            "mitigation",
            f"AND(OR({res['residual_likelihood']},{res['residual_impact']}),NOT({mitigation}))",
        ),
        (q, "residual_likelihood", f"AND({half},NOT({res['residual_likelihood']}))"),
        (q, "residual_impact", f"AND({half},NOT({res['residual_impact']}))"),
    ]


def _acceptance_shading(
    fb: FormulaBuilder, p: Plan, sp: SheetPlan
) -> list[tuple[Question, str, str]]:
    """The acceptance cells, while the record does not cover the residual risk."""
    qn = p.questionnaire
    if not _acceptance_sheet(p, sp):
        return []
    metric = next(m for m in qn.metrics if m.rule.rule == "acceptance")
    out = f"out_{metric.id}"
    word = {
        c: quote(qn.setting(f"accept_{c}", fb.lang))
        for c in ("missing", "role_too_low", "level_too_low")
    }
    rules = []
    for part in ("by", "role", "date", "level"):
        q = fb.setting_question(f"acceptance_{part}")
        if q is None:
            continue
        test = f"AND({out}={word['missing']},NOT({fb.given(q, '', sp.name)}))"
        if part in ("role", "level"):
            test = f"OR({test},{out}={word[part + '_too_low']})"
        rules.append((q, "", test))
    return rules
