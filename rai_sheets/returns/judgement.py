"""Checks that read a file's recomputed results rather than single answers: a residual rated
above its inherent level, a High or Extremely high residual risk that nobody (or a role that
may not) accepted, a readiness dimension that is mostly "not applicable". Each issue points at
the cell to fix."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import lru_cache

from ..model import Metric, Question, Questionnaire
from ..scoring import ACCEPTED, INCOMPLETE, YES, metric_label, usable_answers
from ..scoring.items import Items
from ..workbook.layout import plan
from .returned import ReturnedFile, question_ref


def judge(qn: Questionnaire, files: list[ReturnedFile]) -> None:
    """Add the result-level issues to each file whose results could be recomputed."""
    acceptance, mostly_na = _judged_metrics(qn)
    for rf in files:
        if not rf.scores:
            continue
        _residual_above(qn, rf)
        for m in acceptance:
            _acceptance(qn, rf, m)
        for m in mostly_na:
            if rf.scores.get(m.id) == YES:
                _mostly_na(qn, rf, m)


@lru_cache(maxsize=32)
def _judged_metrics(qn: Questionnaire) -> tuple[list[Metric], list[Metric]]:
    """The metrics judged here: acceptance records, and mostly "not applicable" dimensions."""
    return (
        [m for m in qn.metrics if m.rule.rule == "acceptance"],
        [m for m in qn.metrics if m.rule.rule == "mostly_na"],
    )


def _residual_above(qn: Questionnaire, rf: ReturnedFile) -> None:
    if not _risk_items(qn):
        return
    ranks = _level_ranks(qn, rf)
    for q, target in _risk_items(qn):
        if target not in rf.cells:
            continue
        inherent, residual = ranks(q)
        # without a mitigation that counts, the residual level is the inherent one
        if residual > inherent > 0:
            sheet, cell = rf.cells[target]
            rf.add(
                "residual-above-inherent",
                sheet,
                cell,
                question=question_ref(qn, q.id, "", rf.lang),
                residual=_level(qn, residual, rf.lang),
                inherent=_level(qn, inherent, rf.lang),
            )


@lru_cache(maxsize=32)
def _risk_items(qn: Questionnaire) -> list[tuple[Question, str]]:
    """Each risk item, with the input its warning points at (its residual likelihood)."""
    return [
        (q, q.input_name(q.field("residual_likelihood")))
        for q in qn.scored_questions()
        if q.type == "risk"
    ]


def _level_ranks(qn: Questionnaire, rf: ReturnedFile) -> Callable[[Question], tuple[int, int]]:
    """A risk item's (inherent, residual) ranks: read from the file's scores where the content
    has both levels as metrics, else worked out from its answers."""
    metrics = _level_metrics(qn)
    if metrics:
        levels = qn.levels_by_id

        def rank(metric: str) -> int:
            level = levels.get(str(rf.scores.get(metric)))  # none for "n/a" or incomplete
            return level.rank if level else 0

        def from_scores(q: Question) -> tuple[int, int]:
            inherent, residual = metrics[q.id]
            return rank(inherent), rank(residual)

        return from_scores
    items = Items(qn, usable_answers(qn, rf.answers), date.today())  # no rule here reads dates
    return lambda q: (items.rank(q, "inherent"), items.rank(q, "residual"))


@lru_cache(maxsize=32)
def _level_metrics(qn: Questionnaire) -> dict[str, tuple[str, str]]:
    """Risk item -> its inherent and residual level metrics; empty unless every item has both."""
    found: dict[str, dict[str, str]] = {}
    for m in qn.metrics:
        if m.rule.rule == "risk_level" and m.rule.param in ("inherent", "residual"):
            found.setdefault(m.scope_id or "", {})[m.rule.param] = m.id
    risks = [q.id for q, _ in _risk_items(qn)]
    if any(len(found.get(q, {})) != 2 for q in risks):
        return {}
    return {q: (found[q]["inherent"], found[q]["residual"]) for q in risks}


def _level(qn: Questionnaire, rank: int, lang: str) -> str:
    return next(lv.label.get(lang) for lv in qn.levels if lv.rank == rank)


PART_OF_PROBLEM = {"role_too_low": "role", "level_too_low": "level"}


def _acceptance(qn: Questionnaire, rf: ReturnedFile, m: Metric) -> None:
    """A residual risk at or above the acceptance level needs a record that covers it."""
    state = rf.scores.get(m.id)
    if state in (None, ACCEPTED, INCOMPLETE):
        return
    names = {
        part: qn.field_names.get((qn.setting(f"acceptance_{part}"), ""), "")
        for part in ("by", "role", "date", "level")
    }
    part = PART_OF_PROBLEM.get(str(state))
    if part is None:  # missing: point at the first blank cell of the record
        part = next((p for p, n in names.items() if rf.answers.get(n) in (None, "")), "by")
    target = names[part]
    sheet, cell = rf.cells.get(target, ("", ""))
    top = rf.scores.get("highest_residual")
    level = qn.levels_by_id[str(top)].label.get(rf.lang) if top in qn.levels_by_id else ""
    rf.add(
        "acceptance-missing",
        sheet,
        cell,
        level=level,
        problem=metric_label(qn, m, state, rf.lang),
        record=sheet or _record_sheet(qn, rf.lang),
    )


def _record_sheet(qn: Questionnaire, lang: str) -> str:
    """The sheet of the acceptance record, as the workbook in `lang` names it."""
    q = qn.questions_by_id.get(qn.setting("acceptance_by"))
    return plan(qn, lang).sheet_of(q).name if q else ""


def _mostly_na(qn: Questionnaire, rf: ReturnedFile, m: Metric) -> None:
    qs = qn.metric_questions[m.id]
    count = sum(_is_na(qn, rf, q.id) for q in qs)
    where = plan(qn, rf.lang).outputs.get(m.id)
    rf.add(
        "mostly-not-applicable",
        where.sheet if where else "",
        where.a1 if where else "",
        dimension=qn.scope_label(m.rule.scope, m.scope_id, rf.lang),
        count=count,
        total=len(qs),
    )


def _is_na(qn: Questionnaire, rf: ReturnedFile, qid: str) -> bool:
    q = qn.questions_by_id[qid]
    f = q.na_field
    if f is None or not f.scale_id:
        return False
    return rf.answers.get(q.input_name(f)) in qn.scales[f.scale_id].na_codes
