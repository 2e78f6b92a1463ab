"""Checks that read a file's recomputed results rather than single answers: a residual rated
above its inherent level, a High or Extremely high residual risk that nobody (or a role that
may not) accepted, a readiness dimension that is mostly "not applicable". Each issue points at
the cell to fix."""

from __future__ import annotations

from datetime import date

from ..model import Metric, Questionnaire
from ..scoring import ACCEPTED, INCOMPLETE, YES, metric_label, usable_answers
from ..scoring.items import Items
from ..workbook.layout import plan
from .returned import ReturnedFile, question_ref


def judge(qn: Questionnaire, files: list[ReturnedFile]) -> None:
    """Add the result-level issues to each file whose results could be recomputed."""
    for rf in files:
        if not rf.scores:
            continue
        _residual_above(qn, rf)
        for m in qn.metrics:
            if m.rule.rule == "acceptance":
                _acceptance(qn, rf, m)
            elif m.rule.rule == "mostly_na" and rf.scores.get(m.id) == YES:
                _mostly_na(qn, rf, m)


def _residual_above(qn: Questionnaire, rf: ReturnedFile) -> None:
    risks = [q for q in qn.scored_questions() if q.type == "risk"]
    if not risks:
        return
    items = Items(qn, usable_answers(qn, rf.answers), date.today())  # no rule here reads dates
    for q in risks:
        if not items.mitigated(q):
            continue
        inherent, residual = items.rank(q, "inherent"), items.rank(q, "residual")
        target = q.input_name(q.field("residual_likelihood"))
        if residual > inherent > 0 and target in rf.cells:
            sheet, cell = rf.cells[target]
            rf.add(
                "residual-above-inherent",
                sheet,
                cell,
                question=question_ref(qn, q.id, "", rf.lang),
                residual=_level(qn, residual, rf.lang),
                inherent=_level(qn, inherent, rf.lang),
            )


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
