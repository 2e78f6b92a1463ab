"""The trusted Python computation of every metric in rules.csv.

`formulas.py` renders the same rules as Excel formulas; a LibreOffice-backed test proves that
the two agree on random answer sets. Keep the two modules parallel, rule by rule.

Answers are keyed by input name (`in_<question>[_<field>]`). Select answers are choice *codes*;
blanks are None. Categorical results are codes too (a level id, a band id, "yes"/"no"); use
`metric_label` to show them in a language, as the workbook does.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from .model import Metric, Question, Questionnaire

Value = float | int | str | None
Answers = Mapping[str, Any]

# Codes of categorical results that are not content ids.
YES, NO = "yes", "no"
APPLY_FULL, APPLY_CORE, APPLY_INCOMPLETE = "full", "core", "incomplete"
ATTENTION_EVIDENCE, ATTENTION_OVERDUE = "evidence", "overdue"
DONE, NOT_APPLICABLE = "done", "na"
BAND_EPSILON = 1e-12  # spreadsheets compare with a tolerance of this order


class _Items:
    """Per-item values that the aggregate rules read (the helpers of the workbook)."""

    def __init__(self, qn: Questionnaire, answers: Answers, today: date):
        self.qn = qn
        self.answers = answers
        self.today = today

    def code(self, q: Question, key: str = "") -> str | None:
        v = self.answers.get(self.qn.field_names[(q.id, key)])
        return v if isinstance(v, str) and v != "" else None

    # readiness
    def points(self, q: Question) -> float | None:
        code = self.code(q)
        if code is None or q.scale_id is None:
            return None
        try:
            return self.qn.scales[q.scale_id].by_code(code).points
        except KeyError:
            return None

    def attainable(self, q: Question) -> float | None:
        if self.points(q) is None or q.scale_id is None:
            return None
        return q.weight * self.qn.scales[q.scale_id].max_points

    # risk
    def level(self, q: Question, which: str) -> str | None:
        prefix = "" if which == "inherent" else "residual_"
        lik, imp = self.code(q, prefix + "likelihood"), self.code(q, prefix + "impact")
        if lik is None or imp is None:
            return None
        return self.qn.matrix.get((lik, imp))

    def rank(self, q: Question, which: str) -> int:
        lv = self.level(q, which)
        return self.qn.levels_by_id[lv].rank if lv else 0

    # action
    def status(self, q: Question) -> str | None:
        return self.code(q, "status")

    def done(self, q: Question) -> int | None:
        s = self.status(q)
        return None if s == NOT_APPLICABLE else int(s == DONE)

    def no_evidence(self, q: Question) -> bool:
        return self.status(q) == DONE and _blank(
            self.answers.get(q.input_name(q.field("evidence")))
        )

    def overdue(self, q: Question) -> bool:
        due = self.answers.get(self.qn.field_names[(q.id, "due")])
        if isinstance(due, datetime):
            due = due.date()
        return (
            isinstance(due, date)
            and due < self.today
            and self.status(q) not in (DONE, NOT_APPLICABLE)
        )

    def answered(self, q: Question) -> bool:
        if q.type == "risk":
            return self.rank(q, "inherent") > 0
        key = "status" if q.type == "check" else ""
        code = self.code(q, key)
        scale = self.qn.scales.get(q.field(key).scale_id or "")
        return code is not None and scale is not None and code in {c.code for c in scale.choices}


def _blank(v: object) -> bool:
    return v is None or v == ""


def _max_rank(items: _Items, qs: list[Question], which: str) -> int:
    return max((items.rank(q, which) for q in qs), default=0)


def _level_of_rank(qn: Questionnaire, rank: int) -> str | None:
    if rank == 0:
        return None
    return next(lv.id for lv in qn.levels if lv.rank == rank)


def band_of(qn: Questionnaire, fraction: float | None) -> str | None:
    """The band a score falls in (the LOOKUP of the workbook), or None for no score."""
    if fraction is None:
        return None
    chosen = None
    for b in qn.bands:
        if fraction + BAND_EPSILON >= b.min_fraction:
            chosen = b.id
    return chosen


def usable_answers(qn: Questionnaire, answers: Answers) -> dict[str, Any]:
    """Answers as the workbook's formulas see them: a value outside a dropdown's list counts
    as blank (MATCH finds nothing), as it does in the spreadsheet."""
    out: dict[str, Any] = {}
    for name, value in answers.items():
        scale_id = qn.input_names[name][1].scale_id
        if scale_id and value is not None and value not in _codes(qn, scale_id):
            value = None
        out[name] = value
    return out


def _codes(qn: Questionnaire, scale_id: str) -> set[str]:
    return {c.code for c in qn.scales[scale_id].choices}


def score(qn: Questionnaire, answers: Answers, today: date | None = None) -> dict[str, Value]:
    """Every metric of the questionnaire, keyed by metric id (the `out_` name without prefix)."""
    items = _Items(qn, answers, today or date.today())
    out: dict[str, Value] = {}
    for m in qn.metrics:
        out[m.id] = _RULES[m.rule.rule](items, m, out)
    return out


def _scope(items: _Items, m: Metric) -> list[Question]:
    return items.qn.metric_questions[m.id]


def _percent(items: _Items, m: Metric, _: dict) -> Value:
    qs = _scope(items, m)
    weighted = [items.points(q) * q.weight for q in qs if items.points(q) is not None]  # type: ignore[operator]
    attainable = [a for q in qs if (a := items.attainable(q)) is not None]
    total = math.fsum(attainable)
    return None if total == 0 else math.fsum(weighted) / total


def _band_rule(items: _Items, m: Metric, done: dict) -> Value:
    value = done.get(m.source_id)
    return band_of(items.qn, value if isinstance(value, float | int) else None)


def _applicability(items: _Items, m: Metric, _: dict) -> Value:
    qn = items.qn
    core = items.code(qn.questions_by_id[qn.setting("applicability_core_function")])
    other = items.code(qn.questions_by_id[qn.setting("applicability_other_effects")])
    found = _risk_found(items, m)
    answers = (core, found, other)
    if YES in answers:
        return APPLY_FULL
    if answers == (NO, NO, NO):
        return APPLY_CORE
    return APPLY_INCOMPLETE


def _risk_found(items: _Items, m: Metric) -> str | None:
    top = _max_rank(items, _scope(items, m), "inherent")
    if top == 0:
        return None
    return YES if top >= items.qn.levels_by_id[m.rule.param].rank else NO


def _completion(items: _Items, m: Metric, _: dict) -> Value:
    flags = [d for q in _scope(items, m) if (d := items.done(q)) is not None]
    return None if not flags else sum(flags) / len(flags)


_RULES: dict[str, Callable[[_Items, Metric, dict], Value]] = {
    "item_points": lambda it, m, _: it.points(_scope(it, m)[0]),
    "percent": _percent,
    "band": _band_rule,
    "answered": lambda it, m, _: sum(it.answered(q) for q in _scope(it, m)),
    "risk_level": lambda it, m, _: it.level(_scope(it, m)[0], m.rule.param),
    "level_count": lambda it, m, _: sum(
        it.level(q, m.rule.param) == m.scope_id for q in it.qn.scored_questions()
    ),
    "highest_level": lambda it, m, _: _level_of_rank(
        it.qn, _max_rank(it, _scope(it, m), m.rule.param)
    ),
    "risk_at_or_above": lambda it, m, _: _risk_found(it, m),
    "applicability": _applicability,
    "completion": _completion,
    "status_count": lambda it, m, _: sum(it.status(q) == m.rule.param for q in _scope(it, m)),
    "done_without_evidence": lambda it, m, _: sum(it.no_evidence(q) for q in _scope(it, m)),
    "overdue": lambda it, m, _: sum(it.overdue(q) for q in _scope(it, m)),
    "item_attention": lambda it, m, _: _attention(it, _scope(it, m)[0]),
}


def _attention(items: _Items, q: Question) -> str | None:
    if items.no_evidence(q):
        return ATTENTION_EVIDENCE
    if items.overdue(q):
        return ATTENTION_OVERDUE
    return None


CATEGORICAL_RULES = {
    "band",
    "risk_level",
    "highest_level",
    "risk_at_or_above",
    "applicability",
    "item_attention",
}


def metric_label(qn: Questionnaire, m: Metric, value: Value, lang: str) -> Value:
    """The value as the workbook shows it: codes become labels in `lang`, blanks become ""."""
    if value is None:
        return ""
    rule = m.rule.rule
    if rule not in CATEGORICAL_RULES:
        return value
    if rule == "band":
        return next(b.label.get(lang) for b in qn.bands if b.id == value)
    if rule in ("risk_level", "highest_level"):
        return qn.levels_by_id[str(value)].label.get(lang)
    key = {
        YES: "yes",
        NO: "no",
        APPLY_FULL: "applicability_full",
        APPLY_CORE: "applicability_core",
        APPLY_INCOMPLETE: "applicability_incomplete",
        ATTENTION_EVIDENCE: "attention_evidence",
        ATTENTION_OVERDUE: "attention_overdue",
    }
    return qn.setting(key[str(value)], lang, str(value))


def helper_values(
    qn: Questionnaire, answers: Answers, today: date | None = None
) -> dict[tuple[str, str], Value]:
    """The values of the hidden helper cells, as the workbook computes them.

    The generator writes them as cached results so that a fresh workbook is consistent even
    before a spreadsheet application recalculates it.
    """
    items = _Items(qn, answers, today or date.today())
    out: dict[tuple[str, str], Value] = {}
    for q in qn.scored_questions():
        if q.type == "scale":
            pts = items.points(q)
            out[(q.id, "weighted")] = None if pts is None else pts * q.weight
            out[(q.id, "attainable")] = items.attainable(q)
        elif q.type == "risk":
            out[(q.id, "rank_inherent")] = items.rank(q, "inherent")
            out[(q.id, "rank_residual")] = items.rank(q, "residual")
        elif q.type == "check":
            out[(q.id, "done")] = items.done(q)
            out[(q.id, "overdue")] = int(items.overdue(q))
            out[(q.id, "no_evidence")] = int(items.no_evidence(q))
    return out
