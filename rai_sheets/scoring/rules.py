"""The rules of rules.csv computed in Python, one function per rule (the twin of
`workbook/formulas.py`, rule by rule).

A result that rests on required answers not yet given is INCOMPLETE, never a number or a level
computed from part of them. Counts stay counts: they count what is there.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date

from ..model import Metric, Question, Questionnaire
from .items import (
    ACCEPTED,
    APPLY_CORE,
    APPLY_FULL,
    APPLY_SCREENED,
    BAND_EPSILON,
    CHECK_ATTENTION,
    INCOMPLETE,
    NO,
    NOT_APPLICABLE,
    NOT_DUE,
    RISK_ATTENTION,
    YES,
    Answers,
    Items,
    blank,
)

Value = float | int | str | None
Rule = Callable[[Items, Metric, dict[str, Value]], Value]


def score(qn: Questionnaire, answers: Answers, today: date | None = None) -> dict[str, Value]:
    """Every metric of the questionnaire, keyed by metric id (the `out_` name without prefix)."""
    items = Items(qn, answers, today or date.today())
    out: dict[str, Value] = {}
    for m in qn.metrics:
        out[m.id] = RULES[m.rule.rule](items, m, out)
    return out


def _scope(items: Items, m: Metric) -> list[Question]:
    return items.qn.metric_questions[m.id]


def band_of(qn: Questionnaire, fraction: float | None) -> str | None:
    """The band a score falls in (the LOOKUP of the workbook), or None for no score."""
    if fraction is None:
        return None
    chosen = None
    for b in qn.bands:
        if fraction + BAND_EPSILON >= b.min_fraction:
            chosen = b.id
    return chosen


def level_of_rank(qn: Questionnaire, rank: int) -> str | None:
    return next((lv.id for lv in qn.levels if lv.rank == rank), None) if rank else None


# readiness -----------------------------------------------------------------------------------
def _percent(items: Items, m: Metric, _: dict) -> Value:
    qs = _scope(items, m)
    if items.pending(qs):
        return INCOMPLETE
    weighted = [p * q.weight for q in qs if (p := items.points(q)) is not None]
    total = math.fsum(a for q in qs if (a := items.attainable(q)) is not None)
    return None if total == 0 else math.fsum(weighted) / total


def _number(value: Value) -> float | None:
    return float(value) if isinstance(value, float | int) else None


def _band(items: Items, m: Metric, done: dict) -> Value:
    value = done.get(m.source_id)
    if value == INCOMPLETE:
        return INCOMPLETE
    fraction = _number(value)
    if m.rule.param == "capped":
        cap = _cap(items, m, fraction)
        if cap:
            return cap
    return band_of(items.qn, fraction)


def _band_cap(items: Items, m: Metric, done: dict) -> Value:
    return _cap(items, m, _number(done.get(m.source_id)))


def _cap(items: Items, m: Metric, fraction: float | None) -> str | None:
    """The band the score is held down to by a critical statement scoring low, if that band
    is below the one the score reaches."""
    qn = items.qn
    cap = qn.setting("critical_cap")
    if fraction is None or not any(items.critical_low(q) for q in _scope(items, m)):
        return None
    ids = [b.id for b in qn.bands]
    reached = band_of(qn, fraction)
    return cap if reached in ids and cap in ids and ids.index(reached) > ids.index(cap) else None


def _mostly_na(items: Items, m: Metric, _: dict) -> Value:
    qs = _scope(items, m)
    if not qs:
        return None
    share = sum(items.is_na(q) for q in qs) / len(qs)
    return YES if share > float(m.rule.param or 0.2) else NO


def _choice_count(items: Items, m: Metric, _: dict) -> Value:
    return sum(
        q.na_field is not None and items.code(q, q.na_field.key) == m.rule.param
        for q in _scope(items, m)
    )


# risk ----------------------------------------------------------------------------------------
def _risk_level(items: Items, m: Metric, _: dict) -> Value:
    q = _scope(items, m)[0]
    if items.is_na(q):
        return NOT_APPLICABLE
    return level_of_rank(items.qn, items.rank(q, m.rule.param))


def _highest(items: Items, m: Metric, _: dict) -> Value:
    qs = _scope(items, m)
    if items.pending(qs):
        return INCOMPLETE
    top = max((items.rank(q, m.rule.param) for q in qs), default=0)
    if top:
        return level_of_rank(items.qn, top)
    return NOT_APPLICABLE if any(items.is_na(q) for q in qs) else None


def _risk_found(items: Items, m: Metric, _: dict | None = None) -> Value:
    """The toolkit's second question: were risks at or above the level `param` found?"""
    qs = _scope(items, m)
    top = max((items.rank(q, "inherent") for q in qs), default=0)
    if top and top >= items.qn.levels_by_id[m.rule.param].rank:
        return YES
    if items.pending(qs):
        return INCOMPLETE
    return NO if top else None


def _applicability(items: Items, m: Metric, _: dict) -> Value:
    core, other = items._core_other()
    answers = (core, _risk_found(items, m), other)
    if YES in answers:
        return APPLY_FULL
    if items.screened:
        return APPLY_SCREENED
    if answers == (NO, NO, NO):
        return APPLY_CORE
    return INCOMPLETE


def _acceptance(items: Items, m: Metric, _: dict) -> Value:
    qs = _scope(items, m)
    if items.pending(qs):
        return INCOMPLETE
    top = max((items.rank(q, "residual") for q in qs), default=0)
    if top < items.qn.levels_by_id[m.rule.param].rank:
        return None
    return items.acceptance_gap(top) or ACCEPTED


def _mitigated_count(items: Items, m: Metric, _: dict) -> Value:
    """Items whose residual level is below the inherent one; with `planned`, those whose
    reduction rests on a mitigation not yet in place."""
    if m.rule.param == "planned":
        return sum(items.rank(q, "in_place") > items.rank(q, "residual") for q in _scope(items, m))
    return sum(items.rank(q, "residual") < items.rank(q, "inherent") for q in _scope(items, m))


def risk_attention(items: Items, q: Question) -> str | None:
    lik = items.code(q, "likelihood")
    imp = items.code(q, "impact")
    res_lik, res_imp = items.residual_given(q)
    inherent = items.rank(q, "inherent")
    accept_from = items.qn.levels_by_id.get(items.qn.acceptance_level)
    flags = {
        "likelihood": imp is not None and lik is None,
        "impact": lik is not None and not items.is_na(q) and imp is None,
        "reason": items.reason_missing(q),
        "mitigation": (res_lik or res_imp) and blank(items.value(q, "mitigation")),
        "residual": res_lik != res_imp,
        "above": items.rank(q, "residual") > inherent,
        "acceptance": accept_from is not None
        and items.rank(q, "residual") >= accept_from.rank
        and items.acceptance_gap(items.rank(q, "residual")) is not None,
    }
    return next((k for k in RISK_ATTENTION if flags[k]), None)


# action --------------------------------------------------------------------------------------
def _completion(items: Items, m: Metric, _: dict) -> Value:
    if items.qn.setting("current_stage") and items.stage_index is None:
        return INCOMPLETE
    due = [q for q in _scope(items, m) if items.due(q)]
    if not due:
        return NOT_DUE
    if items.pending(due):
        return INCOMPLETE
    flags = [d for q in due if (d := items.done(q)) is not None]
    return None if not flags else sum(flags) / len(flags)


def check_attention(items: Items, q: Question) -> str | None:
    flags = {
        "evidence": items.no_evidence(q),
        "overdue": items.overdue(q),
        "reason": items.reason_missing(q),
    }
    return next((k for k in CHECK_ATTENTION if flags[k]), None)


def _attention(items: Items, m: Metric, _: dict) -> Value:
    q = _scope(items, m)[0]
    return risk_attention(items, q) if q.type == "risk" else check_attention(items, q)


def _count(test: Callable[[Items, Question], bool]) -> Rule:
    return lambda it, m, _: sum(bool(test(it, q)) for q in _scope(it, m))


RULES: dict[str, Rule] = {
    "item_points": lambda it, m, _: it.points(_scope(it, m)[0]),
    "percent": _percent,
    "band": _band,
    "band_cap": _band_cap,
    "critical_low": _count(lambda it, q: it.critical_low(q)),
    "mostly_na": _mostly_na,
    "choice_count": _choice_count,
    "na_count": _count(lambda it, q: it.is_na(q)),
    "answered": _count(lambda it, q: it.answered(q)),
    "rated_count": _count(lambda it, q: it.rank(q, "inherent") > 0),
    "risk_level": _risk_level,
    "level_count": lambda it, m, _: sum(  # the scope of a level is every item
        it.rank(q, m.rule.param) == it.qn.levels_by_id[m.scope_id or ""].rank for q in _scope(it, m)
    ),
    "highest_level": _highest,
    "risk_at_or_above": _risk_found,
    "applicability": _applicability,
    "acceptance": _acceptance,
    "mitigated_count": _mitigated_count,
    "completion": _completion,
    "status_count": lambda it, m, _: sum(it.status(q) == m.rule.param for q in _scope(it, m)),
    "done_without_evidence": _count(lambda it, q: it.no_evidence(q)),
    "overdue": _count(lambda it, q: it.overdue(q)),
    "item_attention": _attention,
}
